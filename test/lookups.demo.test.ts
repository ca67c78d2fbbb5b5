import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import request from 'supertest';
import { DEMO_LOOKUP_ADDRESSES, loadDemo } from '../src/demo/demo.service.ts';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { waitFor } from './helpers/wait.ts';

let desk: TestDesk;
before(async () => {
  desk = await startDesk();
});
after(() => desk.stop());

it('when the demo is loaded and its lookup addresses are looked up, then each gets one email listing its three licences: codes for the active ones, renewal offers for the expired ones', async () => {
  await loadDemo({ db: desk.base.db, config: desk.base.config, templates: desk.web.templates });
  const [active, expired] = DEMO_LOOKUP_ADDRESSES;
  // The Gmail purchaser written another way, as a customer might.
  await request(desk.app)
    .post('/recover/by-email')
    .type('form')
    .send({ email: 'J.Walker+codes@gmail.com' })
    .expect(303);
  await request(desk.app).post('/api/v1/code-lookups').send({ email: expired }).expect(202);

  const lookupMails = () =>
    desk.smtp.received.filter((m) => m.parsed.subject === 'Your licences and activation codes');
  await waitFor(() => lookupMails().length === 2, 15_000, 'both emails');
  const [first, second] = lookupMails();
  const byAddress = new Map([first!, second!].map((m) => [m.to[0]!.toLowerCase(), m.parsed.text ?? '']));
  const walker = byAddress.get('j.walker+codes@gmail.com')!;
  assert.equal(walker.match(/Activation code:/g)?.length, 3, `three codes for ${active}`);
  assert.ok(walker.includes('9EZ6T-9WXY2-BR763-96Y4U'), 'the demo code of F219-E9CB0E-B53F1694');
  const garcia = byAddress.get(expired)!;
  assert.equal(garcia.match(/Activation code:/g), null);
  assert.equal(garcia.match(/To stay protected/g)?.length, 3, 'three renewal offers');
});
