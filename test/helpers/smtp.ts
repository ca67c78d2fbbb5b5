import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import PostalMime, { type Email } from 'postal-mime';
import { freePort } from '../../src/redis/redis-server.ts';
import { waitFor } from './wait.ts';

export interface ReceivedMail {
  to: string[];
  from: string;
  raw: string;
  parsed: Email;
}

/**
 * A real SMTP server that keeps what it receives. `refuse(n, code)` answers the next n
 * messages with an error instead of accepting them.
 */
export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  private refusals: { code: number; message: string }[] = [];
  attempts = 0;

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(): Promise<SmtpSink> {
    const port = await freePort();
    const ref: { sink?: SmtpSink } = {};
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(
        stream: SMTPServerDataStream,
        session: SMTPServerSession,
        callback: (error?: Error | null) => void,
      ) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          void ref.sink!.take(Buffer.concat(chunks).toString('utf8'), session).then(
            () => callback(),
            (error: Error) => callback(error),
          );
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    ref.sink = new SmtpSink(server, port);
    return ref.sink;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  refuse(times: number, code: number, message = 'Try again later'): void {
    for (let i = 0; i < times; i++) this.refusals.push({ code, message });
  }

  private async take(raw: string, session: SMTPServerSession): Promise<void> {
    this.attempts++;
    const refusal = this.refusals.shift();
    if (refusal) throw Object.assign(new Error(refusal.message), { responseCode: refusal.code });
    this.received.push({
      raw,
      from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      to: session.envelope.rcptTo.map((r) => r.address),
      parsed: await PostalMime.parse(raw),
    });
  }

  /** Messages whose subject contains `text`. */
  withSubject(text: string): ReceivedMail[] {
    return this.received.filter((m) => m.parsed.subject?.includes(text));
  }

  async waitForSubject(text: string, timeoutMs = 15_000): Promise<ReceivedMail> {
    await waitFor(
      () => this.withSubject(text).length > 0,
      timeoutMs,
      `an email with "${text}" in its subject`,
    );
    return this.withSubject(text)[0]!;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
