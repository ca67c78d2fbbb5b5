import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { postForm, signInAs, type SignedIn } from './helpers/session.ts';
import type { TestUser } from './helpers/users.ts';

let desk: TestDesk;
let admin: SignedIn & TestUser;
before(async () => {
  desk = await startDesk({ workers: false });
  admin = await signInAs(desk.app, desk.base.db, 'admin');
});
after(() => desk.stop());

const MACROS = '/desk/admin/macros';

function form(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    name: `Ask for the store ${randomBytes(4).toString('hex')}`,
    fills: 'request_info',
    text_en: 'Hello {{name}}, where did you buy it? Answer here: {{status_url}}',
    text_de: 'Wo haben Sie die Lizenz gekauft? Antworten Sie hier: {{status_url}}',
    text_ru: 'Где Вы приобрели лицензию? Ответьте здесь: {{status_url}}',
    ...overrides,
  };
}

interface Row {
  id: number;
  name: string;
  decision: string;
  reason: string | null;
  texts: Record<string, string>;
  archived_at: Date | null;
}

async function macroNamed(name: string): Promise<Row | undefined> {
  const [row] = await desk.base.db.query<Row>(
    'SELECT id, name, decision, reason, texts, archived_at FROM macros WHERE name = $1',
    [name],
  );
  return row;
}

async function auditOf(macroId: number): Promise<string[]> {
  const rows = await desk.base.db.query<{ action: string }>(
    `SELECT action FROM audit_events WHERE data->>'macro_id' = $1 ORDER BY id`,
    [String(macroId)],
  );
  return rows.map((r) => r.action);
}

describe('the admin’s macros page', () => {
  it('when an admin opens the macros page, then the starter set is listed and the admin home links to it', async () => {
    const home = await admin.agent.get('/desk/admin').expect(200);
    assert.match(home.text, /<a href="\/desk\/admin\/macros">Macros<\/a>/);
    const page = await admin.agent.get(MACROS).expect(200);
    assert.match(page.text, /Ask for a photo of the receipt/);
    assert.match(page.text, /Trial licence: cannot be recovered/);
    assert.match(page.text, /Reject: /);
    assert.match(page.text, /Kassenbons/, 'the German text');
    assert.match(page.text, /name="text_ru"/);
  });

  it('when an admin adds a reject macro, then it is stored with its reason and texts, listed, and audited', async () => {
    const fields = form({ fills: 'reject:duplicate' });
    const res = await postForm(admin, MACROS, fields).expect(303);
    assert.equal(res.headers.location, MACROS);
    const row = await macroNamed(fields.name!);
    assert.ok(row);
    assert.equal(row.decision, 'reject');
    assert.equal(row.reason, 'duplicate');
    assert.equal(row.texts.de, fields.text_de);
    const page = await admin.agent.get(MACROS).expect(200);
    assert.ok(page.text.includes(fields.name!));
    assert.deepEqual(await auditOf(row.id), ['macro_created']);
    const audit = await admin.agent.get('/desk/admin/audit').expect(200);
    assert.ok(audit.text.includes(`created macro ${row.id} “${fields.name}”`));
  });

  for (const [what, overrides, field, message] of [
    ['without a German text', { text_de: '  ' }, 'text_de', /The German text is required/],
    [
      'with an unknown placeholder',
      { text_ru: 'Здравствуйте, {{first_name}}!' },
      'text_ru',
      /The Russian text has an unknown placeholder \{\{first_name\}\}: the placeholders are \{\{name\}\}, \{\{reference\}\}, \{\{status_url\}\}/,
    ],
    ['without a name', { name: '' }, 'name', /The name is required/],
    ['with a decision it cannot fill', { fills: 'reissue' }, 'fills', /Choose the decision the macro fills/],
    ['with a text that is too long', { text_en: 'x'.repeat(4001) }, 'text_en', /at most 4000 characters/],
  ] as const) {
    it(`when an admin adds a macro ${what}, then 422 names the field, keeps what was typed and stores nothing`, async () => {
      const fields = form(overrides);
      const res = await postForm(admin, MACROS, fields).expect(422);
      assert.match(res.text, message);
      assert.match(res.text, new RegExp(`<div class="field invalid">\\s*<label for="macro-${field}"`));
      if (field !== 'name') assert.ok(res.text.includes(`value="${fields.name}"`), 'the name is kept');
      assert.ok(
        res.text.includes('Wo haben Sie die Lizenz gekauft?') || field === 'text_de',
        'the texts are kept',
      );
      if (fields.name) assert.equal(await macroNamed(fields.name), undefined);
    });
  }

  it('when an admin adds a macro under the name of one in use, then 422 says so; an archived one frees its name', async () => {
    const fields = form();
    await postForm(admin, MACROS, fields).expect(303);
    const res = await postForm(admin, MACROS, { ...form(), name: fields.name! }).expect(422);
    assert.match(res.text, /Another macro in use is called/);
    const first = await macroNamed(fields.name!);
    await postForm(admin, `${MACROS}/${first!.id}/archive`).expect(303);
    await postForm(admin, MACROS, { ...form(), name: fields.name! }).expect(303);
    // Restoring the first now would make two in use under one name.
    const refused = await postForm(admin, `${MACROS}/${first!.id}/restore`).expect(422);
    assert.match(refused.text, /Another macro in use is called/);
  });

  it('when an admin edits a macro, then the form shows its texts and saving changes it, audited', async () => {
    const fields = form();
    await postForm(admin, MACROS, fields).expect(303);
    const row = (await macroNamed(fields.name!))!;
    const edit = await admin.agent.get(`${MACROS}/${row.id}`).expect(200);
    assert.ok(edit.text.includes(fields.text_ru!));
    const changed = form({ name: `${fields.name} (changed)`, fills: 'reject:trial_license' });
    await postForm(admin, `${MACROS}/${row.id}`, changed).expect(303);
    const after = (await macroNamed(changed.name!))!;
    assert.equal(after.id, row.id);
    assert.equal(after.reason, 'trial_license');
    // A refused edit keeps what was typed and changes nothing.
    const bad = await postForm(admin, `${MACROS}/${row.id}`, { ...changed, text_en: '{{code}}' }).expect(422);
    assert.ok(bad.text.includes('{{code}}'));
    assert.equal((await macroNamed(changed.name!))!.texts.en, changed.text_en);
    assert.deepEqual(await auditOf(row.id), ['macro_created', 'macro_changed']);
  });

  it('when an admin archives and restores a macro, then it leaves and returns to the API list, audited', async () => {
    const fields = form();
    await postForm(admin, MACROS, fields).expect(303);
    const row = (await macroNamed(fields.name!))!;
    const listed = async () => {
      const res = await admin.agent
        .get('/api/v1/macros')
        .set('Authorization', `Bearer ${admin.token}`)
        .expect(200);
      return (res.body.macros as { id: number }[]).some((m) => m.id === row.id);
    };
    assert.equal(await listed(), true);
    await postForm(admin, `${MACROS}/${row.id}/archive`).expect(303);
    assert.ok((await macroNamed(fields.name!))!.archived_at);
    assert.equal(await listed(), false);
    const page = await admin.agent.get(MACROS).expect(200);
    assert.match(page.text, new RegExp(`action="/desk/admin/macros/${row.id}/restore"`));
    await postForm(admin, `${MACROS}/${row.id}/restore`).expect(303);
    assert.equal(await listed(), true);
    assert.deepEqual(await auditOf(row.id), ['macro_created', 'macro_archived', 'macro_restored']);
  });

  it('when a supervisor or technician posts the macro form, then 403 and nothing is stored; without the CSRF token, 403 too', async () => {
    for (const role of ['technician', 'supervisor'] as const) {
      const someone = await signInAs(desk.app, desk.base.db, role);
      const fields = form();
      await postForm(someone, MACROS, fields).expect(403);
      await someone.agent.get(MACROS).expect(403);
      assert.equal(await macroNamed(fields.name!), undefined);
    }
    const fields = form();
    await admin.agent.post(MACROS).type('form').send(fields).expect(403);
    assert.equal(await macroNamed(fields.name!), undefined);
  });
});
