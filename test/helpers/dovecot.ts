import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { freePort } from '../../src/redis/redis-server.ts';
import { waitFor } from './wait.ts';

export const DOVECOT = '/usr/sbin/dovecot';

/** For `it(…, { skip })`: why the IMAP tests cannot run here, or false. */
export const skipWithoutDovecot: false | string = existsSync(DOVECOT)
  ? false
  : 'dovecot is not installed: apt-get install dovecot-imapd';

/**
 * A private Dovecot IMAP server: its own folder with its own dovecot.conf, listening on
 * 127.0.0.1 on a free port, one user with a plaintext password, Maildir mail, no TLS, run in the
 * foreground as the current user. The system's own dovecot service, if any, is left alone.
 */
const USER = 'desk';
// Characters a URL must %-encode (and no colon, the passwd-file's separator), so that the tests show the password is decoded.
const PASSWORD = 'p@ss/w%rd';

export class Dovecot {
  readonly user = USER;
  readonly password = PASSWORD;

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
  ) {}

  static async start(): Promise<Dovecot> {
    const dir = mkdtempSync(path.join(tmpdir(), 'rd-dovecot-'));
    const port = await freePort();
    for (const sub of ['run', 'state', 'home']) mkdirSync(path.join(dir, sub));
    const me = userInfo();
    const group = readFileSync('/etc/group', 'utf8')
      .split('\n')
      .find((line) => line.split(':')[2] === String(me.gid))
      ?.split(':')[0];
    // Dovecot keeps mail as no root: as root, the mail belongs to the package's `dovecot` user.
    const owner = me.uid === 0 ? systemUser('dovecot') : { uid: me.uid, gid: me.gid };
    if (me.uid === 0) {
      chmodSync(dir, 0o755);
      chownSync(path.join(dir, 'home'), owner.uid, owner.gid);
    }
    writeFileSync(path.join(dir, 'passwd'), `${USER}:{PLAIN}${PASSWORD}\n`);
    writeFileSync(
      path.join(dir, 'dovecot.conf'),
      configOf({
        dir,
        port,
        user: me.username,
        group: group ?? me.username,
        // Dovecot refuses to run its login process as root; the package's own unprivileged user does.
        loginUser: me.uid === 0 ? 'dovenull' : me.username,
        uid: owner.uid,
        gid: owner.gid,
      }),
    );
    const child = spawn(DOVECOT, ['-F', '-c', path.join(dir, 'dovecot.conf')], { stdio: 'ignore' });
    const started = new Dovecot(child, dir, port);
    await waitFor(() => portAnswers(port), 15_000, `dovecot to listen on ${port}:\n${started.log()}`);
    return started;
  }

  /** INBOUND_IMAP_URL for this server (the password %-encoded, as a URL needs). */
  url(password = this.password): string {
    return `imap://${this.user}:${encodeURIComponent(password)}@127.0.0.1:${this.port}/INBOX`;
  }

  log(): string {
    try {
      return readFileSync(path.join(this.dir, 'dovecot.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** An IMAP session of the test's own, for delivering and inspecting messages. */
  async session<T>(fn: (client: ImapFlow) => Promise<T>): Promise<T> {
    const client = new ImapFlow({
      host: '127.0.0.1',
      port: this.port,
      secure: false,
      auth: { user: this.user, pass: this.password },
      logger: false,
    });
    await client.connect();
    try {
      await client.mailboxOpen('INBOX');
      return await fn(client);
    } finally {
      await client.logout().catch(() => client.close());
    }
  }

  /** Delivers messages into INBOX (by APPEND), unseen unless flagged otherwise. */
  async deliver(...messages: { raw: Buffer | string; seen?: boolean }[]): Promise<void> {
    await this.session(async (client) => {
      for (const m of messages) await client.append('INBOX', m.raw, m.seen ? ['\\Seen'] : []);
    });
  }

  /** Each message in INBOX: its Message-ID header and whether it is flagged \Seen. */
  async flags(): Promise<{ messageId: string; seen: boolean }[]> {
    return this.session(async (client) => {
      const found: { messageId: string; seen: boolean }[] = [];
      if (!client.mailbox || client.mailbox.exists === 0) return found;
      for await (const m of client.fetch('1:*', { envelope: true, flags: true }))
        found.push({ messageId: m.envelope?.messageId ?? '', seen: m.flags?.has('\\Seen') ?? false });
      return found;
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function configOf(o: {
  dir: string;
  port: number;
  user: string;
  group: string;
  loginUser: string;
  uid: number;
  gid: number;
}) {
  return `# A throwaway Dovecot for the tests: nothing outside ${o.dir}.
base_dir = ${o.dir}/run
state_dir = ${o.dir}/state
log_path = ${o.dir}/dovecot.log
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = ${o.user}
default_internal_group = ${o.group}
default_login_user = ${o.loginUser}
first_valid_uid = ${o.uid}
first_valid_gid = ${o.gid}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${o.dir}/passwd
}
userdb {
  driver = static
  args = uid=${o.uid} gid=${o.gid} home=${o.dir}/home/%u
}
mail_location = maildir:~/Maildir
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${o.port}
  }
  inet_listener imaps {
    port = 0
  }
}
`;
}

function systemUser(name: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`no ${name} user: is dovecot-imapd installed?`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
