import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  deliveryId: string;
  signature: string;
  body: string;
  at: number;
}

/** What the receiver does with one POST: answer a status, or hang past the desk's timeout. */
export type Behaviour = (received: Received, count: number) => number | 'hang';

/** A real HTTP server receiving webhook deliveries on 127.0.0.1, as a shop's would. */
export class WebhookReceiver {
  readonly received: Received[] = [];
  behaviour: Behaviour = () => 200;
  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<WebhookReceiver> {
    const server = http.createServer();
    const receiver = new WebhookReceiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const got: Received = {
          deliveryId: String(req.headers['recovery-desk-delivery'] ?? ''),
          signature: String(req.headers['recovery-desk-signature'] ?? ''),
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        };
        receiver.received.push(got);
        const answer = receiver.behaviour(got, receiver.received.length);
        if (answer === 'hang') return; // the desk's timeout ends it
        res.writeHead(answer).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  /** Deliveries received more than once (at least once: the id lets a receiver drop repeats). */
  duplicates(): number {
    const ids = this.received.map((r) => r.deliveryId);
    return ids.length - new Set(ids).size;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
