import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCodeCipher } from '../src/purchases/code-cipher.ts';
import { createCodeFingerprint } from '../src/purchases/code-fingerprint.ts';
import { openPurchaseFile, PurchaseFileError } from '../src/purchases/purchase-file.ts';
import { PURCHASE_COLUMNS } from '../src/purchases/purchase-row.ts';
import { importPurchases } from '../src/purchases/purchases.import.ts';
import { findPurchaseByLicenseNumber } from '../src/purchases/purchases.repository.ts';
import { embeddedDataDir, freshDatabase, type TestDatabase } from './helpers/database.ts';

const SHARED_FILE = path.resolve(import.meta.dirname, '../../shared/data/purchases.csv');
const SECRET_KEY = randomBytes(32).toString('hex');
const cipher = createCodeCipher(SECRET_KEY);

type Row = Record<(typeof PURCHASE_COLUMNS)[number], string>;

const hex = (n: number) => randomBytes(n).toString('hex').toUpperCase();
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const code = () =>
  Array.from({ length: 4 }, () =>
    Array.from(randomBytes(5), (b) => ALPHABET[b % ALPHABET.length]).join(''),
  ).join('-');

/** A valid row of a purchases file with identifiers of its own; overrides set any column. */
function purchase(overrides: Partial<Row> = {}): Row {
  const number = hex(9);
  const key = hex(16);
  return {
    order_number: `ES-2024-${randomBytes(4).readUInt32BE()}`,
    channel: 'estore',
    store: 'Online Store UK',
    country: 'GB',
    purchased_at: '2024-10-31',
    purchaser_email: `buyer.${hex(3).toLowerCase()}@example.com`,
    purchaser_name: 'Quentin Kumar',
    product_sku: 'KSOS7',
    product_name: 'Small Office Security 7',
    seats: '5',
    term_days: '365',
    license_type: 'commercial',
    license_number: `${number.slice(0, 4)}-${number.slice(4, 10)}-${number.slice(10)}`,
    license_key: `${key.slice(0, 8)}-${key.slice(8, 12)}-${key.slice(12, 16)}-${key.slice(16, 20)}-${key.slice(20)}`,
    activation_code: code(),
    first_activated_at: '2024-11-14',
    status: 'active',
    price: '549.00',
    currency: 'GBP',
    ...overrides,
  };
}

const quote = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
const csvLine = (row: Row) => PURCHASE_COLUMNS.map((column) => quote(row[column])).join(',');
const csv = (...lines: string[]) => [PURCHASE_COLUMNS.join(','), ...lines].join('\n') + '\n';

const dir = mkdtempSync(path.join(tmpdir(), 'rd-import-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function writeFile(name: string, content: string): string {
  const file = path.join(dir, `${randomBytes(4).toString('hex')}-${name}`);
  writeFileSync(file, content);
  return file;
}

/** `threads`: worker threads (0: all on this thread); unset, the import decides by the file's size. */
async function importFile(database: TestDatabase, file: string, threads?: number) {
  const rejects: { line: number; reason: string }[] = [];
  const listener = { rejected: (line: number, reason: string) => rejects.push({ line, reason }) };
  const counts = await importPurchases(
    database.db,
    await openPurchaseFile(file),
    SECRET_KEY,
    listener,
    threads,
  );
  return { counts, rejects };
}

const find = (database: TestDatabase, licenseNumber: string) =>
  findPurchaseByLicenseNumber(database.db, licenseNumber);

describe('desk import purchases: the shared file', () => {
  let database: TestDatabase;
  before(async () => (database = await freshDatabase()));
  after(() => database.drop());

  it('when the shared file is imported, then its 5000 rows are stored with codes encrypted; imported again, nothing changes', async () => {
    const first = await importFile(database, SHARED_FILE);
    assert.deepEqual(first.rejects, []);
    assert.deepEqual(first.counts, { rows: 5000, inserted: 5000, updated: 0, unchanged: 0, rejected: 0 });
    const [total] = await database.db.query<{ count: number }>('SELECT count(*) AS count FROM purchases');
    assert.equal(total?.count, 5000);

    const stored = await find(database, '84F3-E32248-C1E89AF9');
    assert.ok(stored);
    assert.deepEqual(
      {
        order_number: stored.order_number,
        order_key: stored.order_key,
        channel: stored.channel,
        store: stored.store,
        country: stored.country,
        purchased_at: stored.purchased_at,
        purchaser_email: stored.purchaser_email,
        purchaser_mailbox: stored.purchaser_mailbox,
        purchaser_name: stored.purchaser_name,
        product_sku: stored.product_sku,
        product_name: stored.product_name,
        seats: stored.seats,
        term_days: stored.term_days,
        license_type: stored.license_type,
        license_key: stored.license_key,
        first_activated_at: stored.first_activated_at,
        status: stored.status,
        price: stored.price,
        currency: stored.currency,
      },
      {
        order_number: 'ES-2023-29324734',
        order_key: 'ES202329324734',
        channel: 'estore',
        store: 'Online Store UK',
        country: 'GB',
        purchased_at: '2024-10-31',
        purchaser_email: 'quentin.kumar@orange.fr',
        purchaser_mailbox: 'quentin.kumar@orange.fr',
        purchaser_name: 'Quentin Kumar',
        product_sku: 'KSOS7',
        product_name: 'Small Office Security 7',
        seats: 20,
        term_days: 365,
        license_type: 'commercial',
        license_key: 'ED025601-C567-FBB5-522E-53A50AE8DAE1',
        first_activated_at: '2024-11-14',
        status: 'expired',
        price: '549.00',
        currency: 'GBP',
      },
    );
    assert.ok(!stored.activation_code_enc.includes('TX684'), 'the code is not stored in the clear');
    assert.equal(cipher.decrypt(stored.activation_code_enc), 'TX684-V88U4-ASMZU-29U4Q');
    const noActivation = await find(database, 'AC9D-2F8926-3DDBAF9B');
    assert.equal(noActivation?.first_activated_at, null);

    const second = await importFile(database, SHARED_FILE);
    assert.deepEqual(second.counts, { rows: 5000, inserted: 0, updated: 0, unchanged: 5000, rejected: 0 });
    const again = await find(database, '84F3-E32248-C1E89AF9');
    assert.equal(again?.updated_at, stored.updated_at);
    assert.equal(again?.activation_code_enc, stored.activation_code_enc);
  });
});

describe('desk import purchases: rows and their faults', () => {
  let database: TestDatabase;
  before(async () => (database = await freshDatabase()));
  after(() => database.drop());

  it('when a row changes in a later file, then its record is updated and the rows that did not change are left alone', async () => {
    const [kept, refunded, recoded] = [purchase(), purchase(), purchase()];
    await importFile(database, writeFile('v1.csv', csv(csvLine(kept), csvLine(refunded), csvLine(recoded))));
    const before = await Promise.all([kept, refunded, recoded].map((r) => find(database, r.license_number)));

    const newCode = code();
    const changed = csv(
      csvLine(kept),
      csvLine({ ...refunded, status: 'refunded', price: '549' }),
      csvLine({ ...recoded, activation_code: newCode }),
    );
    const { counts } = await importFile(database, writeFile('v2.csv', changed));

    assert.deepEqual(counts, { rows: 3, inserted: 0, updated: 2, unchanged: 1, rejected: 0 });
    const [keptNow, refundedNow, recodedNow] = await Promise.all(
      [kept, refunded, recoded].map((r) => find(database, r.license_number)),
    );
    assert.equal(keptNow?.updated_at, before[0]?.updated_at);
    assert.equal(refundedNow?.status, 'refunded');
    assert.equal(refundedNow?.price, '549.00');
    assert.ok(refundedNow.updated_at > before[1]!.updated_at);
    assert.equal(
      refundedNow?.activation_code_enc,
      before[1]?.activation_code_enc,
      'same code, same ciphertext',
    );
    assert.equal(cipher.decrypt(recodedNow!.activation_code_enc), newCode);
    assert.ok(recodedNow!.updated_at > before[2]!.updated_at);
  });

  it("when an older file is imported again after the desk refunded a licence and replaced a code, then the desk's changes stay", async () => {
    const [refunded, replaced] = [purchase(), purchase()];
    const file = writeFile('before-decisions.csv', csv(csvLine(refunded), csvLine(replaced)));
    await importFile(database, file);
    const stored = await find(database, replaced.license_number);
    const fingerprint = createCodeFingerprint(SECRET_KEY);
    const newCode = code();
    // What the decisions do: a refund marks the purchase; a replacement retires the old code.
    await database.db.query(`UPDATE purchases SET status = 'refunded' WHERE license_number = $1`, [
      refunded.license_number,
    ]);
    await database.db.query(
      `INSERT INTO activation_code_history (purchase_id, code_enc, code_hmac, reason) VALUES ($1, $2, $3, 'replaced')`,
      [stored!.id, stored!.activation_code_enc, stored!.activation_code_hmac],
    );
    await database.db.query(
      `UPDATE purchases SET activation_code_enc = $2, activation_code_hmac = $3 WHERE id = $1`,
      [stored!.id, cipher.encrypt(newCode), fingerprint(newCode)],
    );

    const { counts } = await importFile(database, file);

    assert.deepEqual(counts, { rows: 2, inserted: 0, updated: 0, unchanged: 2, rejected: 0 });
    assert.equal((await find(database, refunded.license_number))?.status, 'refunded');
    assert.equal(
      cipher.decrypt((await find(database, replaced.license_number))!.activation_code_enc),
      newCode,
    );
  });

  it('when identifiers are written loosely, then they are stored in their canonical form', async () => {
    const row = purchase();
    const loose = {
      ...row,
      license_number: row.license_number.toLowerCase().replace(/-/g, ' '),
      license_key: row.license_key.replace(/-/g, '').toLowerCase(),
      activation_code: row.activation_code.replace(/-/g, '').toLowerCase(),
      channel: ' Partner ',
      country: 'uk',
      currency: 'gbp',
    };
    const { counts, rejects } = await importFile(database, writeFile('loose.csv', csv(csvLine(loose))));
    assert.deepEqual(rejects, []);
    assert.equal(counts.inserted, 1);
    const stored = await find(database, row.license_number);
    assert.equal(stored?.license_key, row.license_key);
    assert.equal(stored?.channel, 'partner');
    assert.equal(stored?.country, 'GB');
    assert.equal(stored?.currency, 'GBP');
    assert.equal(cipher.decrypt(stored.activation_code_enc), row.activation_code);
  });

  it('when fields are quoted with commas, quotes and line breaks, then they are read whole and later line numbers still count physical lines', async () => {
    const quoted = purchase({
      store: 'Media Markt, Berlin',
      purchaser_name: 'Quentin "Q" Kumar',
      product_name: 'Small Office Security 7\nBox edition',
    });
    const after = purchase({ purchased_at: '2024-02-30' });
    const file = writeFile('quoted.csv', csv(csvLine(quoted), csvLine(after)));
    const { counts, rejects } = await importFile(database, file);

    assert.equal(counts.inserted, 1);
    const stored = await find(database, quoted.license_number);
    assert.equal(stored?.store, 'Media Markt, Berlin');
    assert.equal(stored?.purchaser_name, 'Quentin "Q" Kumar');
    assert.equal(stored?.product_name, 'Small Office Security 7\nBox edition');
    assert.deepEqual(
      rejects.map((r) => r.line),
      [4],
    );
  });

  it('when the file starts with a byte order mark, has CRLF line ends and blank lines, then every row loads and line numbers are physical', async () => {
    const [a, b] = [purchase(), purchase()];
    const bad = purchase({ seats: '0' });
    const content = `\uFEFF${PURCHASE_COLUMNS.join(',')}\r\n\r\n${csvLine(a)}\r\n   \r\n\r\n${csvLine(b)}\r\n${csvLine(bad)}\r\n\r\n`;
    const { counts, rejects } = await importFile(database, writeFile('bom.csv', content));
    assert.deepEqual(counts, { rows: 3, inserted: 2, updated: 0, unchanged: 0, rejected: 1 });
    assert.deepEqual(rejects, [{ line: 7, reason: 'seats: "0" is not a whole number of at least 1' }]);
    assert.ok(await find(database, a.license_number));
    assert.ok(await find(database, b.license_number));
  });

  it('when rows are bad, then each is reported with its line number and reason, and the others load', async () => {
    const good = [purchase(), purchase(), purchase()];
    const lines = [
      csvLine(good[0]!), // line 2
      csvLine(purchase({ purchased_at: '2023-02-29' })), // 3
      csvLine(purchase({ first_activated_at: '31/12/2024' })), // 4
      csvLine(purchase({ channel: 'shop', license_number: '84F3-E32248' })), // 5
      csvLine(good[1]!), // 6
      csvLine(purchase({ purchaser_email: 'not an address', seats: '' })), // 7
      csvLine(purchase({ activation_code: 'TX684-V88U4' })), // 8
      'ES-1,estore,too few fields', // 9
      csvLine(purchase({ price: '12.345', currency: 'EURO', country: 'XX', term_days: '-1' })), // 10
      `${csvLine(purchase()).replace(/,Quentin Kumar,/, ',"Quentin Kumar,')}`, // 11: a quote never closed
      csvLine(purchase({ purchaser_name: 'Nul\u0000l' })), // 12
      csvLine(good[2]!), // 13
    ];
    const { counts, rejects } = await importFile(database, writeFile('bad.csv', csv(...lines)));

    assert.deepEqual(counts, { rows: 12, inserted: 3, updated: 0, unchanged: 0, rejected: 9 });
    for (const row of good) assert.ok(await find(database, row.license_number));
    const reasons = new Map(rejects.map((r) => [r.line, r.reason]));
    assert.deepEqual([...reasons.keys()], [3, 4, 5, 7, 8, 9, 10, 11, 12]);
    assert.match(reasons.get(3)!, /^purchased_at: "2023-02-29" is not a real date/);
    assert.match(reasons.get(4)!, /^first_activated_at: "31\/12\/2024" is not a real date/);
    assert.match(reasons.get(5)!, /^channel: .*; license_number: "84F3-E32248" is not a licence number/);
    assert.match(reasons.get(7)!, /purchaser_email: .* is not an email address; seats: is required/);
    assert.match(reasons.get(8)!, /^activation_code: the value is not an activation code/);
    assert.ok(!reasons.get(8)!.includes('TX684'), 'a code never appears in a reason');
    assert.equal(reasons.get(9), 'expected 19 fields, found 3');
    assert.match(reasons.get(10)!, /country: .*; term_days: .*; price: .*; currency: /);
    assert.equal(reasons.get(11), 'a quoted field is never closed');
    assert.equal(
      reasons.get(12),
      'purchaser_name: "Nul\\u0000l" is not text of at most 200 characters without control characters',
    );
  });

  it('when a licence number appears twice, then the later row is imported and the earlier one is reported; imported again, nothing changes', async () => {
    const first = purchase({ status: 'active' });
    const later = { ...first, status: 'refunded', activation_code: code() };
    const other = purchase();
    const file = writeFile('twice.csv', csv(csvLine(first), csvLine(other), csvLine(later)));

    const { counts, rejects } = await importFile(database, file);
    assert.deepEqual(counts, { rows: 3, inserted: 2, updated: 0, unchanged: 0, rejected: 1 });
    assert.deepEqual(rejects, [
      { line: 2, reason: `licence number ${first.license_number} appears again on line 4, imported instead` },
    ]);
    const stored = await find(database, first.license_number);
    assert.equal(stored?.status, 'refunded');
    assert.equal(cipher.decrypt(stored.activation_code_enc), later.activation_code);

    const again = await importFile(database, file);
    assert.deepEqual(again.counts, { rows: 3, inserted: 0, updated: 0, unchanged: 2, rejected: 1 });
    assert.equal((await find(database, first.license_number))?.updated_at, stored?.updated_at);
  });

  it('when the later row of a repeated licence number is invalid, then the earlier valid row is imported', async () => {
    const valid = purchase();
    const broken = { ...valid, purchased_at: 'yesterday' };
    const { counts, rejects } = await importFile(
      database,
      writeFile('broken-later.csv', csv(csvLine(valid), csvLine(broken))),
    );
    assert.deepEqual(counts, { rows: 2, inserted: 1, updated: 0, unchanged: 0, rejected: 1 });
    assert.deepEqual(
      rejects.map((r) => r.line),
      [3],
    );
    assert.equal((await find(database, valid.license_number))?.purchased_at, '2024-10-31');
  });

  it('when the file is NDJSON, then its objects load (numbers and null allowed) and bad lines are reported', async () => {
    const a = purchase();
    const b = purchase({ first_activated_at: '' });
    const lines = [
      JSON.stringify({ ...a, seats: 3, term_days: 365, price: 49.5 }),
      '',
      JSON.stringify({ ...b, first_activated_at: null }),
      '{"order_number": "ES-1",',
      JSON.stringify([1, 2]),
      JSON.stringify({ ...purchase(), colour: 'blue' }),
    ];
    for (const name of ['purchases.ndjson', 'purchases.txt']) {
      const file = writeFile(name, `${lines.join('\n')}\n`);
      assert.equal((await openPurchaseFile(file)).format, 'ndjson');
      const { counts, rejects } = await importFile(database, file);
      assert.equal(counts.rows, 5);
      assert.equal(counts.inserted + counts.unchanged, 2);
      assert.deepEqual(
        rejects.map((r) => r.line),
        [4, 5, 6],
      );
      assert.match(rejects[0]!.reason, /^not valid JSON/);
      assert.equal(rejects[1]!.reason, 'not a JSON object');
      assert.equal(rejects[2]!.reason, 'unexpected field: colour');
    }
    const stored = await find(database, a.license_number);
    assert.equal(stored?.seats, 3);
    assert.equal(stored?.price, '49.50');
    assert.equal((await find(database, b.license_number))?.first_activated_at, null);
  });

  it('when the header lacks a column, then the import fails before writing anything', async () => {
    const row = purchase();
    const header = PURCHASE_COLUMNS.filter((c) => c !== 'status').join(',');
    const values = PURCHASE_COLUMNS.filter((c) => c !== 'status').map((c) => row[c]);
    const file = writeFile('no-status.csv', `${header},colour\n${values.join(',')},blue\n`);
    await assert.rejects(
      importFile(database, file),
      (error: Error) =>
        error instanceof PurchaseFileError &&
        error.message ===
          'line 1: not a purchases header: missing column(s): status; unknown column(s): colour',
    );
    assert.equal(await find(database, row.license_number), undefined);
  });
});

describe('desk import purchases: the first load into an empty table', () => {
  let database: TestDatabase;
  before(async () => (database = await freshDatabase()));
  after(() => database.drop());

  const indexes = () =>
    database.db.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE tablename = 'purchases' ORDER BY indexname`,
    );
  const count = async () =>
    (await database.db.query<{ count: number }>('SELECT count(*) AS count FROM purchases'))[0]?.count;

  it('when the database refuses a row in the middle of a first load, then nothing is written and every index is still there', async () => {
    const before = await indexes();
    const refused = purchase();
    // A real fault inside the load: the server refuses this one row.
    await database.db.exec(`
      CREATE FUNCTION refuse_purchase() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.license_number = '${refused.license_number}' THEN RAISE EXCEPTION 'refused'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_purchase BEFORE INSERT ON purchases
        FOR EACH ROW EXECUTE FUNCTION refuse_purchase();`);
    try {
      const file = writeFile('refused.csv', csv(csvLine(purchase()), csvLine(refused), csvLine(purchase())));
      await assert.rejects(importFile(database, file), /refused/);
    } finally {
      await database.db.exec('DROP TRIGGER refuse_purchase ON purchases; DROP FUNCTION refuse_purchase()');
    }
    assert.equal(await count(), 0);
    assert.deepEqual(await indexes(), before);
  });

  it('when a file is loaded into the empty table, then its indexes are built again as they were, a repeated licence number is written once, and a re-import finds every row unchanged', async () => {
    const before = await indexes();
    const rows = Array.from({ length: 1200 }, () => purchase());
    const later = { ...rows[0]!, status: 'refunded' };
    const lines = [...rows.map(csvLine), csvLine(purchase({ seats: '0' })), csvLine(later)];
    const file = writeFile('first-load.csv', csv(...lines));

    const first = await importFile(database, file);
    assert.deepEqual(first.counts, { rows: 1202, inserted: 1200, updated: 0, unchanged: 0, rejected: 2 });
    assert.deepEqual(
      first.rejects.map((r) => r.line),
      [2, 1202],
    );
    assert.deepEqual(await indexes(), before);
    assert.equal((await find(database, later.license_number))?.status, 'refunded');
    const stored = await find(database, rows[600]!.license_number);
    assert.equal(cipher.decrypt(stored!.activation_code_enc), rows[600]!.activation_code);

    const again = await importFile(database, file);
    assert.deepEqual(again.counts, { rows: 1202, inserted: 0, updated: 0, unchanged: 1200, rejected: 2 });
    assert.equal(await count(), 1200);
  });
});

describe('desk import purchases: on worker threads', () => {
  let onWorkers: TestDatabase;
  let onThisThread: TestDatabase;
  before(async () => ([onWorkers, onThisThread] = await Promise.all([freshDatabase(), freshDatabase()])));
  after(() => Promise.all([onWorkers.drop(), onThisThread.drop()]));

  const stored = (database: TestDatabase) =>
    database.db.query<{ license_number: string; activation_code_enc: string } & Record<string, unknown>>(
      `SELECT * FROM purchases ORDER BY license_number`,
    );

  it('when a file is imported by worker threads, then its records, decrypted codes, fingerprints and rejected lines are those of an import on this thread', async () => {
    // Several batches a worker, bad rows and a repeated licence number among them.
    const rows = Array.from({ length: 1500 }, () => purchase({ store: 'Store, "Tab\there"' }));
    const lines = rows.map(csvLine);
    lines.splice(700, 0, csvLine(purchase({ seats: 'many' })));
    lines.splice(1300, 0, csvLine({ ...rows[1400]!, status: 'revoked' }));
    lines.push('not,a,row');
    const file = writeFile('threads.csv', csv(...lines));

    const threaded = await importFile(onWorkers, file, 2);
    const single = await importFile(onThisThread, file, 0);

    assert.deepEqual(threaded.counts, { rows: 1503, inserted: 1500, updated: 0, unchanged: 0, rejected: 3 });
    assert.deepEqual(threaded.counts, single.counts);
    assert.deepEqual(threaded.rejects, single.rejects);
    assert.deepEqual(
      threaded.rejects.map((r) => r.line),
      [702, 1302, 1504],
    );
    assert.match(threaded.rejects[0]!.reason, /^seats: "many" is not a whole number/);
    const fingerprint = createCodeFingerprint(SECRET_KEY);
    // The ciphertext differs by its random nonce, and the ids and times by when each was written.
    const comparable = (row: Record<string, unknown>) => ({
      ...Object.fromEntries(
        Object.entries(row).filter(
          ([column]) => !['id', 'activation_code_enc', 'imported_at', 'updated_at'].includes(column),
        ),
      ),
      code: cipher.decrypt(row.activation_code_enc as string),
    });
    const [fromWorkers, fromThisThread] = await Promise.all([stored(onWorkers), stored(onThisThread)]);
    assert.deepEqual(fromWorkers.map(comparable), fromThisThread.map(comparable));
    const byNumber = new Map(fromWorkers.map((row) => [row.license_number, row]));
    for (const row of rows) {
      const record = byNumber.get(row.license_number);
      assert.equal(cipher.decrypt(record!.activation_code_enc), row.activation_code);
      assert.equal(record!.activation_code_hmac, fingerprint(row.activation_code));
    }
  });
});

describe('desk import purchases: the command', () => {
  // The import needs a PostgreSQL server: the test's own when DATABASE_URL is set, else the embedded one.
  let database: TestDatabase;
  before(async () => (database = await freshDatabase()));
  after(() => database.drop());
  const desk = (args: string[], dataDir: string) =>
    spawnSync(process.execPath, ['bin/desk.js', ...args], {
      env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: database.url ?? '', SECRET_KEY },
      encoding: 'utf8',
    });

  it('when the file is read, then rejected rows go to stderr, the summary to stdout, and it exits 0', () => {
    const { dir: dataDir, remove } = embeddedDataDir();
    try {
      const file = writeFile('cli.csv', csv(csvLine(purchase()), csvLine(purchase({ status: 'lost' }))));
      const result = desk(['import', 'purchases', file], dataDir);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout, 'Imported 2 rows: 1 new, 0 updated, 0 unchanged, 1 rejected\n');
      assert.equal(
        result.stderr,
        'line 3: status: "lost" is not one of active, expired, refunded, revoked\n',
        'no progress bar when stderr is not a terminal',
      );
    } finally {
      remove();
    }
  });

  it('when the file cannot be read, then it says why and exits 1; when called wrongly, it exits 2', () => {
    const { dir: dataDir, remove } = embeddedDataDir();
    try {
      const missing = desk(['import', 'purchases', path.join(dir, 'nothing-here.csv')], dataDir);
      assert.equal(missing.status, 1);
      assert.match(missing.stderr, /^Cannot read .*nothing-here\.csv: no such file\n$/);
      assert.equal(missing.stdout, '');

      const directory = desk(['import', 'purchases', dir], dataDir);
      assert.equal(directory.status, 1);
      assert.match(directory.stderr, /it is a directory/);

      for (const args of [['import'], ['import', 'purchases'], ['import', 'refunds', 'x.csv']]) {
        const wrong = desk(args, dataDir);
        assert.equal(wrong.status, 2, args.join(' '));
        assert.match(wrong.stderr, /Usage: desk import purchases FILE/);
      }
    } finally {
      remove();
    }
  });
});
