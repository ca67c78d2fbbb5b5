/**
 * Filing fails for a reason the customer cannot fix (here: the database refuses the insert, by a
 * trigger this test adds; no code of the desk is replaced). The customer must not lose the form.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startDesk, validRequest, type TestDesk } from './helpers/desk.ts';

let desk: TestDesk;
before(async () => {
  desk = await startDesk({ workers: false, env: { INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0' } });
  await desk.base.db.query(`CREATE FUNCTION test_refuse_requests() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'test fault: recovery_requests refuses rows'; END $$`);
  await desk.base.db.query(`CREATE TRIGGER test_refuse_requests BEFORE INSERT ON recovery_requests
    FOR EACH ROW EXECUTE FUNCTION test_refuse_requests()`);
});
after(() => desk.stop());

describe('when filing fails unexpectedly', () => {
  it('when the database refuses the insert, then the German customer gets a German page that keeps the form with everything typed, and nothing is stored', async () => {
    const fields = validRequest({
      name: 'Jürgen Weiß',
      details: 'Neuinstallation von Windows, Code verloren <b>sofort</b>',
      locale: 'de',
      store: 'MediaMarkt Köln',
      country: 'DE',
      channel: 'retail_box',
      order_number: '',
    });
    let req = request(desk.app).post('/recover').set('Accept-Language', 'de');
    for (const [key, value] of Object.entries(fields)) req = req.field(key, String(value));
    const res = await req.attach('attachment', Buffer.from('%PDF-1.4\n%%EOF\n'), {
      filename: 'beleg.pdf',
      contentType: 'application/pdf',
    });

    assert.equal(res.status, 500);
    assert.match(res.text, /<html lang="de">/);
    assert.match(res.text, /Ihre Anfrage konnte nicht gespeichert werden/);
    assert.match(res.text, /<form method="post" action="\/recover"/, 'the form is there to send again');
    assert.match(res.text, new RegExp(`value="${String(fields.email)}"`));
    assert.match(res.text, /value="Jürgen Weiß"/);
    assert.match(res.text, /value="MediaMarkt Köln"/);
    assert.match(res.text, /Neuinstallation von Windows, Code verloren &lt;b&gt;sofort&lt;\/b&gt;/);
    assert.match(res.text, /value="retail_box"[^>]*checked/);
    assert.match(res.text, /<option value="DE" selected>/);
    assert.match(res.text, /Datei erneut/, 'the customer is told to attach the file again');
    assert.doesNotMatch(res.text, /test fault|recovery_requests|trigger/i, 'no internals');
    const [stored] = await desk.base.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM recovery_requests',
    );
    assert.equal(stored!.n, 0);
  });
});
