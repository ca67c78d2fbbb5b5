/** A local SMTP server (the smtp-server package) that takes every message and only counts it. */
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';
import { freePort } from '../../src/redis/redis-server.ts';

export interface CountingSmtp {
  url: string;
  received(): number;
  stop(): Promise<void>;
}

export async function startCountingSmtp(): Promise<CountingSmtp> {
  const port = await freePort();
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream: SMTPServerDataStream, _session, callback: (error?: Error | null) => void) {
      stream.on('data', () => {});
      stream.on('end', () => {
        received++;
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${port}`,
    received: () => received,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
