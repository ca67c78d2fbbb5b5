/** What the bench asks of the desk host process (bench/desk-host.ts), over Node's IPC channel. */

export type Side = 'desk' | 'baseline';

export type HostCommand =
  | { op: 'query'; sql: string; params?: unknown[] }
  | { op: 'exec'; sql: string }
  | { op: 'user' }
  | { op: 'workers'; on: boolean }
  | { op: 'match-round'; side: Side; requestIds: number[] }
  | { op: 'email-round'; side: Side; count: number }
  | { op: 'rss' };

export interface HostResults {
  query: Record<string, unknown>[];
  exec: null;
  user: { email: string; password: string; token: string };
  workers: null;
  'match-round': { ms: number; jobs: number; failed: number };
  'email-round': { ms: number; emails: number };
  rss: { rss: number; peakRss: number };
}

export type HostRequest = { id: number; command: HostCommand };
export type HostReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
export type HostHello = {
  ready: true;
  port: number;
  concurrency: { match: number; email: number };
  /** The desk's Redis key prefix (queuePrefixOf its database), as every process on it uses. */
  queuePrefix: string;
};
