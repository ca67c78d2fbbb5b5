import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import request from 'supertest';

export interface Received {
  /** The Recovery-Desk-Delivery header: the delivery's id in the desk's log. */
  deliveryId: string;
  signature: string;
  body: string;
  /** The payload's `id`: the same on every attempt of a delivery, what a receiver dedupes by. */
  eventId: string;
  type: string;
  reference: string;
}

/**
 * What the receiver does with one POST of an event it has not processed yet: answer a status (a
 * 2xx means it processed the event), `slow` (process it, but answer only after `slowMs`, when the
 * desk has given up waiting), or `hang` (never answer, process nothing).
 */
export type Behaviour = (received: Received, attempt: number) => number | 'slow' | 'hang';

/**
 * A real HTTP server receiving webhook deliveries on 127.0.0.1, as a shop's would: it processes
 * each event once, by the payload's id, and counts the repeats it received of an event it had
 * already processed (at least once delivery: those are dropped, answered 200).
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  /** The events processed, in the order processed: each once. */
  readonly processed: Received[] = [];
  behaviour: Behaviour = () => 200;
  private duplicateCount = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private constructor(
    private readonly server: http.Server,
    private readonly slowMs: number,
    private port = 0,
  ) {}

  static async start(options: { slowMs?: number } = {}): Promise<WebhookReceiver> {
    const server = http.createServer();
    const receiver = new WebhookReceiver(server, options.slowMs ?? 2_000);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => receiver.handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    await receiver.up();
    return receiver;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const payload = JSON.parse(body) as { id: string; type: string; data: { reference?: string } };
    const got: Received = {
      deliveryId: String(req.headers['recovery-desk-delivery'] ?? ''),
      signature: String(req.headers['recovery-desk-signature'] ?? ''),
      body,
      eventId: payload.id,
      type: payload.type,
      reference: payload.data.reference ?? '',
    };
    this.received.push(got);
    if (this.processed.some((p) => p.eventId === got.eventId)) {
      this.duplicateCount++;
      res.writeHead(200).end();
      return;
    }
    const attempt = this.received.filter((r) => r.eventId === got.eventId).length;
    const answer = this.behaviour(got, attempt);
    if (answer === 'hang') return; // the desk's timeout ends it
    if (answer === 'slow') {
      this.processed.push(got);
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (!res.destroyed) res.writeHead(200).end();
      }, this.slowMs);
      this.timers.add(timer);
      return;
    }
    if (answer >= 200 && answer < 300) this.processed.push(got);
    res.writeHead(answer).end();
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** POSTs of an event already processed: what the payload's id let the receiver drop. */
  duplicates(): number {
    return this.duplicateCount;
  }

  /** Stops listening (the desk's connections are refused), keeping its port for up(). */
  async down(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** Listens again, on the same port once it has one. */
  async up(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    if (this.server.listening) await this.down();
  }
}

/** Registers an endpoint through the API as an admin would; its id and its secret (shown once). */
export async function registerEndpoint(
  app: Express,
  adminToken: string,
  url: string,
  events: readonly string[] = ['request.filed'],
): Promise<{ id: number; secret: string }> {
  const res = await request(app)
    .post('/api/v1/webhooks')
    .set('Authorization', `Bearer ${adminToken}`)
    .send({ url, events })
    .expect(201);
  return res.body as { id: number; secret: string };
}
