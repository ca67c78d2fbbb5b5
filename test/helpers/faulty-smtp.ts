import { createConnection, createServer, type Server, type Socket } from 'node:net';
import PostalMime from 'postal-mime';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { freePort } from '../../src/redis/redis-server.ts';
import type { ReceivedMail } from './smtp.ts';

/** What happens to the next message: a refusal with an SMTP code, or held without an answer. */
export type MessageFault = { refuse: number; message?: string } | { hold: true; delivered: boolean };
/** What happens to the next connection: dropped at once, or left silent (no greeting: a timeout). */
export type ConnectionFault = 'drop' | 'silent';

interface Held {
  subject: string;
  answer(error?: Error): void;
}

/**
 * A real SMTP server (smtp-server) behind a TCP front of the test's own, so that it can refuse
 * (4xx, 5xx), stay silent, drop connections or hold a message without an answer, on demand.
 * Everything it accepts is kept and parsed, like SmtpSink.
 */
export class FaultySmtp {
  readonly received: ReceivedMail[] = [];
  readonly held: Held[] = [];
  attempts = 0;
  /** Messages held and treated as delivered (the answer was lost, the message was not). */
  private readonly messageFaults: MessageFault[] = [];
  private readonly connectionFaults: ConnectionFault[] = [];
  private readonly sockets = new Set<Socket>();
  private randomFailureRate = 0;

  private constructor(
    private readonly front: Server,
    private readonly inner: SMTPServer,
    readonly port: number,
  ) {}

  static async start(): Promise<FaultySmtp> {
    const ref: { smtp?: FaultySmtp } = {};
    const innerPort = await freePort();
    const inner = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (e?: Error | null) => void) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on(
          'end',
          () => void ref.smtp!.take(Buffer.concat(chunks).toString('utf8'), session, callback),
        );
      },
    });
    await new Promise<void>((resolve) => inner.listen(innerPort, '127.0.0.1', resolve));
    const front = createServer((client) => ref.smtp!.connect(client, innerPort));
    const port = await freePort();
    await new Promise<void>((resolve) => front.listen(port, '127.0.0.1', resolve));
    ref.smtp = new FaultySmtp(front, inner, port);
    return ref.smtp;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** The next messages meet these faults, in order. */
  failMessages(...faults: MessageFault[]): void {
    this.messageFaults.push(...faults);
  }

  /** The next connections meet these faults; open connections are dropped so the sender reconnects. */
  failConnections(...faults: ConnectionFault[]): void {
    this.connectionFaults.push(...faults);
    this.dropAll();
  }

  /** The next connections meet these faults; open ones carry on (the sender meets them when it reconnects). */
  failNewConnections(...faults: ConnectionFault[]): void {
    this.connectionFaults.push(...faults);
  }

  /** From now on each message is refused (451 or 554, half each) with this probability. */
  failAtRandom(rate: number): void {
    this.randomFailureRate = rate;
  }

  /** Faults queued and not met yet. */
  get faultsLeft(): number {
    return this.messageFaults.length + this.connectionFaults.length;
  }

  /** Drops every open connection, mid-message or idle. */
  dropAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  /** Answers every held message: accepted (250) or, given an error, refused. */
  releaseHeld(error?: Error): void {
    for (const h of this.held.splice(0)) h.answer(error);
  }

  private connect(client: Socket, innerPort: number): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    const fault = this.connectionFaults.shift();
    if (fault === 'drop') return void client.destroy();
    if (fault === 'silent') return;
    const upstream = createConnection({ host: '127.0.0.1', port: innerPort });
    this.sockets.add(upstream);
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  }

  private async take(raw: string, session: SMTPServerSession, answer: (e?: Error | null) => void) {
    this.attempts++;
    const parsed = await PostalMime.parse(raw);
    const mail: ReceivedMail = {
      raw,
      from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      to: session.envelope.rcptTo.map((r) => r.address),
      parsed,
    };
    let fault = this.messageFaults.shift();
    if (!fault && this.randomFailureRate > 0 && Math.random() < this.randomFailureRate)
      fault = { refuse: Math.random() < 0.5 ? 451 : 554, message: 'random fault' };
    if (fault && 'refuse' in fault) {
      return answer(Object.assign(new Error(fault.message ?? 'Refused'), { responseCode: fault.refuse }));
    }
    if (fault && 'hold' in fault) {
      if (fault.delivered) this.received.push(mail);
      this.held.push({
        subject: parsed.subject ?? '',
        answer: (error) => {
          if (!error && !fault.delivered) this.received.push(mail);
          answer(error);
        },
      });
      return;
    }
    this.received.push(mail);
    answer();
  }

  withSubject(text: string): ReceivedMail[] {
    return this.received.filter((m) => m.parsed.subject?.includes(text));
  }

  /** How many times each Message-ID arrived: more than one is an email sent twice. */
  duplicates(): string[] {
    const seen = new Map<string, number>();
    for (const m of this.received) {
      const id = m.parsed.messageId ?? '';
      seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  }

  async stop(): Promise<void> {
    this.releaseHeld(Object.assign(new Error('Shutting down'), { responseCode: 421 }));
    this.dropAll();
    await new Promise<void>((resolve) => this.front.close(() => resolve()));
    await new Promise<void>((resolve) => this.inner.close(() => resolve()));
  }
}
