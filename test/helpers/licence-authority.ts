import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { freePort } from '../../src/redis/redis-server.ts';
import { SIGNATURE_HEADER, verifySignature } from '../../src/integrations/signature.ts';

export interface AuthorityCall {
  path: string;
  key: string;
  body: Record<string, unknown>;
  /** Whether the signature checked out (the stand-in answers 401 when not). */
  signed: boolean;
}

/** A fault for the next try on a path: answer with a status, or answer only after a delay. */
type Fault = { status: number; body?: unknown } | { delayMs: number };

/**
 * A stand-in for the vendor's licensing system, on a real port, implementing SPEC §14's contract:
 * POST /replacements → { activation_code }, POST /revocations and /refunds → { ok }, each signed
 * (checked with verifySignature) and deduplicated by Idempotency-Key: a key seen before gets the
 * first answer again and acts no more. It records every call; `acted` counts what it did.
 */
export class StandInAuthority {
  readonly calls: AuthorityCall[] = [];
  /** Each key's first answer, by path and key: the operations it carried out. */
  readonly acted = new Map<string, unknown>();
  private readonly faults = new Map<string, Fault[]>();
  private held: (() => void)[] | null = null;
  private server: Server | undefined;

  private constructor(
    readonly port: number,
    readonly secret: string,
  ) {}

  static async start(): Promise<StandInAuthority> {
    const authority = new StandInAuthority(await freePort(), randomBytes(24).toString('hex'));
    await authority.up();
    return authority;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The settings a desk reaches it with; short timeouts and retries keep the fault tests quick. */
  env(): Record<string, string> {
    return {
      LICENSE_AUTHORITY_URL: this.url,
      LICENSE_AUTHORITY_SECRET: this.secret,
      LICENSE_AUTHORITY_TIMEOUT_MS: '300',
      LICENSE_AUTHORITY_RETRY_MS: '50',
    };
  }

  async up(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  /** Down: the port refuses connections until `up()`. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next tries on `path` meet these faults, in order. */
  fail(path: string, ...faults: Fault[]): void {
    this.faults.set(path, [...(this.faults.get(path) ?? []), ...faults]);
  }

  /** Holds every answer until `release()`: to run a call several times at once. */
  hold(): void {
    this.held = [];
  }

  release(): void {
    const waiting = this.held ?? [];
    this.held = null;
    for (const go of waiting) go();
  }

  callsTo(path: string, licence?: string): AuthorityCall[] {
    return this.calls.filter((c) => c.path === path && (!licence || c.body.license_number === licence));
  }

  actedOn(path: string, licence: string): unknown[] {
    return this.callsTo(path, licence)
      .map((c) => `${path} ${c.key}`)
      .filter((k, i, all) => all.indexOf(k) === i)
      .map((k) => this.acted.get(k))
      .filter((answer) => answer !== undefined);
  }

  /** Per endpoint: tries received, distinct Idempotency-Keys, operations carried out, unsigned tries. */
  counts(): Record<string, { tries: number; keys: number; acted: number; unsigned: number }> {
    const out: Record<string, { tries: number; keys: number; acted: number; unsigned: number }> = {};
    for (const path of ['/replacements', '/revocations', '/refunds']) {
      const tries = this.calls.filter((c) => c.path === path);
      out[path] = {
        tries: tries.length,
        keys: new Set(tries.map((c) => c.key)).size,
        acted: [...this.acted.keys()].filter((k) => k.startsWith(`${path} `)).length,
        unsigned: tries.filter((c) => !c.signed).length,
      };
    }
    return out;
  }

  async stop(): Promise<void> {
    this.release();
    await this.down();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '';
    const key = String(req.headers['idempotency-key'] ?? '');
    const signed = verifySignature(
      this.secret,
      raw,
      String(req.headers[SIGNATURE_HEADER.toLowerCase()] ?? ''),
      Math.floor(Date.now() / 1000),
    );
    this.calls.push({ path, key, body: JSON.parse(raw) as Record<string, unknown>, signed });
    if (this.held) await new Promise<void>((resolve) => this.held!.push(resolve));
    const fault = this.faults.get(path)?.shift();
    if (fault && 'status' in fault) return send(res, fault.status, fault.body ?? { error: 'stand-in fault' });
    if (!signed || !key) return send(res, 401, { error: 'bad signature or no Idempotency-Key' });
    const answer = this.answer(path, key);
    if (!answer) return send(res, 404, { error: 'no such endpoint' });
    // A slow answer: the operation is done (remembered under its key), the answer comes late.
    if (fault) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    send(res, 200, answer);
  }

  private answer(path: string, key: string): unknown {
    const seen = this.acted.get(`${path} ${key}`);
    if (seen) return seen;
    const fresh =
      path === '/replacements'
        ? { activation_code: `AUTH-${randomBytes(6).toString('hex').toUpperCase()}` }
        : path === '/revocations' || path === '/refunds'
          ? { ok: true }
          : undefined;
    if (fresh) this.acted.set(`${path} ${key}`, fresh);
    return fresh;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
