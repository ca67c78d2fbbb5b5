import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { addUser } from '../auth/users.service.ts';
import { findUserByEmail } from '../auth/users.repository.ts';
import type { Role } from '../auth/user.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/db.ts';
import { notifyOutboxRows } from '../outbox/outbox.repository.ts';
import { PROJECT_ROOT } from '../project-root.ts';
import { openPurchaseFile } from '../purchases/purchase-file.ts';
import { importPurchases, type ImportCounts } from '../purchases/purchases.import.ts';
import { alreadyFiled } from './demo.repository.ts';
import { storeWithFreshReference } from '../requests/requests.service.ts';
import { parseRecoveryRequest } from '../requests/requests.schema.ts';
import type { Templates } from '../templates.ts';

export const DEMO_DIR = path.join(PROJECT_ROOT, 'demo');

/** Who can sign in to a demo desk. The passwords are printed and public: demo only. */
export const DEMO_USERS: { email: string; role: Role; password: string }[] = [
  { email: 'technician@demo.test', role: 'technician', password: 'demo-technician' },
  { email: 'supervisor@demo.test', role: 'supervisor', password: 'demo-supervisor' },
  { email: 'supervisor2@demo.test', role: 'supervisor', password: 'demo-supervisor2' },
  { email: 'admin@demo.test', role: 'admin', password: 'demo-administrator' },
];

/**
 * Demo purchasers to try "Email me my codes" with (/recover/by-email): three active licences
 * (Gmail, so `J.Walker+x@googlemail.com` finds them too), and three expired ones (renewal offers).
 */
export const DEMO_LOOKUP_ADDRESSES = ['j.walker@gmail.com', 'lgarcia@hotmail.co.uk'] as const;

export interface DemoLoaded {
  purchases: ImportCounts;
  usersAdded: string[];
  requestsFiled: { label: string; reference: string; statusUrl: string }[];
}

/**
 * Loads the demo purchases (demo/purchases.csv), users and a handful of recovery requests
 * (demo/requests.ndjson), filed the way intake files them: acknowledgement email and match job
 * through the outbox, so a running desk matches them within seconds. Running it again adds
 * nothing: purchases are upserted, users and requests that exist are left alone.
 */
export async function loadDemo(deps: { db: Db; config: Config; templates: Templates }): Promise<DemoLoaded> {
  const purchases = await importPurchases(
    deps.db,
    await openPurchaseFile(path.join(DEMO_DIR, 'purchases.csv')),
    deps.config.secretKey,
  );
  const usersAdded: string[] = [];
  for (const user of DEMO_USERS) {
    if (await findUserByEmail(deps.db, user.email)) continue;
    await addUser(deps.db, user, { actor: 'cli', address: null });
    usersAdded.push(user.email);
  }
  const requestsFiled: DemoLoaded['requestsFiled'] = [];
  for await (const { label, request } of demoRequests()) {
    if (await alreadyFiled(deps.db, request)) continue;
    const parsed = parseRecoveryRequest(request, '9999-12-31');
    if (!parsed.ok) throw new Error(`demo request "${label}" is not valid: ${JSON.stringify(parsed.errors)}`);
    const filed = await storeWithFreshReference(
      deps,
      parsed.value,
      parsed.value.locale ?? 'en',
      '127.0.0.1',
      'demo',
      async () => {},
    );
    requestsFiled.push({ label, reference: filed.reference, statusUrl: filed.statusUrl });
  }
  // `desk` runs no relay: a running desk's relays hear of the rows now, not at their next poll.
  if (requestsFiled.length > 0) await notifyOutboxRows(deps.db);
  return { purchases, usersAdded, requestsFiled };
}

async function* demoRequests(): AsyncGenerator<{ label: string; request: Record<string, unknown> }> {
  const lines = createInterface({ input: createReadStream(path.join(DEMO_DIR, 'requests.ndjson')) });
  for await (const line of lines) if (line.trim()) yield JSON.parse(line) as never;
}
