import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normaliseMailbox } from '../src/identifiers/mailbox.ts';
import { clientAddressKey, clientNetwork } from '../src/identifiers/network.ts';
import { compareFields, type Field } from '../src/matching/compare.ts';
import { editDistance } from '../src/matching/similarity.ts';
import { decide, expiresOn } from '../src/matching/verdict.ts';
import { claimFor as claim, purchaseRecord as purchase, TODAY } from './helpers/matching.ts';

function outcomes(c = claim(), p = purchase()): Record<Field, string> {
  return Object.fromEntries(compareFields(c, p).map((f) => [f.field, f.outcome])) as Record<Field, string>;
}

describe('reading evidence field by field', () => {
  it('when an email is the same Gmail mailbox written differently, then it matches', () => {
    for (const email of [
      'Olga.Hughes@gmail.com',
      ' olgahughes@googlemail.com ',
      'olga.hughes+licence@gmail.com',
    ]) {
      assert.equal(outcomes(claim({ email })).email, 'match', email);
    }
    assert.equal(
      normaliseMailbox('A.B+x@example.com'),
      'a.b+x@example.com',
      'only Gmail folds dots and tags',
    );
  });

  it('when an email has one character wrong or another domain, then it is near; a new address is a mismatch', () => {
    assert.equal(outcomes(claim({ email: 'olga.hughe@gmail.com' })).email, 'near');
    assert.equal(outcomes(claim({ email: 'olgahughes@yahoo.com' })).email, 'near');
    assert.equal(outcomes(claim({ email: 'someone.else@yahoo.com' })).email, 'mismatch');
  });

  it('when the licence number has look-alikes, then it matches; one or two characters off, near; more, mismatch', () => {
    assert.equal(outcomes(claim({ license_number: '9b45 c3e6a2 63165c6O' })).license_number, 'match');
    assert.equal(outcomes(claim({ license_number: '9B45-C3E6A2-63165C61' })).license_number, 'near');
    assert.equal(
      outcomes(claim({ license_number: '9B45-C3E6A2-6316C560' })).license_number,
      'near',
      'swapped neighbours',
    );
    assert.equal(
      outcomes(claim({ license_number: '9B45-C3E6A2-6316C60' })).license_number,
      'near',
      'a dropped character',
    );
    assert.equal(outcomes(claim({ license_number: '9B45-C3E6A2-63165C6F' + '' })).license_number, 'near');
    assert.equal(outcomes(claim({ license_number: '1111-C3E6A2-63165C60' })).license_number, 'mismatch');
  });

  it('when names differ in order, case or accents, then they match; an initial is near; another person is a mismatch', () => {
    assert.equal(outcomes(claim({ name: 'HUGHES olga' })).name, 'match');
    assert.equal(outcomes(claim({ name: 'Olga Hughs' })).name, 'near', 'a typo');
    assert.equal(
      outcomes(claim({ name: '王 芳' }), purchase({ purchaser_name: '芳 王' })).name,
      'match',
      'any script',
    );
    assert.equal(
      outcomes(claim({ name: 'Tomas Silva' }), purchase({ purchaser_name: 'Tomás Silva' })).name,
      'match',
    );
    assert.equal(outcomes(claim({ name: 'O. Hughes' })).name, 'near');
    assert.equal(outcomes(claim({ name: 'Carlos Fischer' })).name, 'mismatch');
  });

  it('when a date is days or weeks off, swapped or a year off, then it is near; months off, a mismatch', () => {
    assert.equal(outcomes(claim({ purchased_on: '2025-08-14' })).purchased_on, 'near');
    assert.equal(outcomes(claim({ purchased_on: '2025-07-11' })).purchased_on, 'near', 'the month before');
    assert.equal(
      outcomes(claim({ purchased_on: '2025-11-08' }), purchase({ purchased_at: '2025-08-11' })).purchased_on,
      'near',
      'day and month swapped',
    );
    assert.equal(outcomes(claim({ purchased_on: '2024-08-11' })).purchased_on, 'near', 'the year before');
    assert.equal(outcomes(claim({ purchased_on: '2025-02-01' })).purchased_on, 'mismatch');
  });

  it('when order numbers differ in separators or one character, then they match or are near', () => {
    assert.equal(outcomes(claim({ order_number: '#es 2023 29324734' })).order_number, 'match');
    assert.equal(outcomes(claim({ order_number: 'ES-2023-2932473' })).order_number, 'near');
    assert.equal(outcomes(claim({ order_number: 'R50301/5940' })).order_number, 'mismatch');
    assert.equal(outcomes(claim({ order_number: '' })).order_number, 'missing');
  });

  it('when a store is named as people say it, then it matches; transliterated Cyrillic too', () => {
    assert.equal(outcomes(claim({ store: 'official online store' })).store, 'match');
    assert.equal(
      outcomes(claim({ store: 'amazon.co.uk' }), purchase({ store: 'Amazon.co.uk', channel: 'partner' }))
        .store,
      'match',
    );
    assert.equal(
      outcomes(claim({ store: 'Media Markt' }), purchase({ store: 'MediaMarkt', channel: 'partner' })).store,
      'match',
    );
    assert.equal(
      outcomes(claim({ store: 'Fnac' }), purchase({ store: 'Currys', channel: 'partner' })).store,
      'mismatch',
    );
  });

  it('when edit distance is measured, then a swap of neighbours is one edit', () => {
    assert.equal(editDistance('ABCD', 'ABDC'), 1);
    assert.equal(editDistance('ABCD', 'ABD'), 1);
    assert.equal(editDistance('ABCD', 'WXYZ', 1), 2, 'stops early past the limit');
  });

  it('when addresses are grouped into networks, then IPv4 by /24 and IPv6 by /48', () => {
    assert.equal(clientNetwork('::ffff:203.0.113.9'), '203.0.113.0/24');
    assert.equal(clientNetwork('2001:db8:abcd:12::1'), '2001:db8:abcd::/48');
    assert.equal(clientNetwork(null), null);
    assert.equal(clientNetwork('2001:db8::1'), '2001:db8:0::/48', 'a compressed address is expanded');
  });

  it('when per-address limits key a client, then IPv4 by its address and IPv6 by its /64', () => {
    assert.equal(clientAddressKey('203.0.113.9'), '203.0.113.9');
    assert.equal(clientAddressKey('::ffff:203.0.113.9'), '203.0.113.9');
    assert.equal(clientAddressKey('2001:db8:abcd:12::1'), '2001:db8:abcd:12::/64');
    assert.equal(clientAddressKey('2001:DB8:ABCD:0012:ffff:1:2:3'), '2001:db8:abcd:12::/64');
    assert.equal(clientAddressKey('2001:db8::7'), clientAddressKey('2001:0db8:0:0:1:2:3:4'));
    assert.equal(clientAddressKey('64:ff9b::1.2.3.4'), '64:ff9b:0:0::/64');
    assert.equal(clientAddressKey(undefined), 'unknown');
  });
});

describe('verdicts', () => {
  it('when licence, mailbox, name and order agree with one purchase, then strong', () => {
    const d = decide(claim(), [purchase()], TODAY);
    assert.equal(d.verdict, 'strong');
    assert.deepEqual(d.flags, []);
  });

  it('when one detail is slightly off, then still strong; two details off, partial', () => {
    assert.equal(decide(claim({ purchased_on: '2025-08-20' }), [purchase()], TODAY).verdict, 'strong');
    assert.equal(
      decide(claim({ license_number: '9B45-C3E6A2-63165C61' }), [purchase()], TODAY).verdict,
      'strong',
    );
    const two = decide(
      claim({ license_number: '9B45-C3E6A2-63165C61', purchased_on: '2025-08-20' }),
      [purchase()],
      TODAY,
    );
    assert.equal(two.verdict, 'partial');
    assert.match(two.reasons[0]!, /More than one detail/);
  });

  it("when the requester's address is not the buyer's, then partial with email_differs, never strong", () => {
    const d = decide(claim({ email: 'new.address@outlook.com' }), [purchase()], TODAY);
    assert.equal(d.verdict, 'partial');
    assert.ok(d.flags.includes('email_differs'));
  });

  it("when someone else's licence number comes with their own address, name, order and place, then conflict", () => {
    const d = decide(
      claim({
        email: 'zpetrov@yandex.ru',
        name: 'Carlos Fischer',
        order_number: 'R89677/0736',
        channel: 'retail_box',
        store: 'M.Video',
        country: 'RU',
        purchased_on: '2023-01-01',
      }),
      [purchase()],
      TODAY,
    );
    assert.equal(d.verdict, 'conflict');
    assert.ok(d.flags.includes('email_differs'));
  });

  it("when the licence comes with the buyer's name but a new address and everything else contradicts, then conflict", () => {
    const d = decide(
      claim({
        email: 'thief@example.net',
        order_number: '',
        channel: 'partner',
        store: 'Flipkart',
        country: 'IN',
        purchased_on: '2022-01-01',
      }),
      [purchase()],
      TODAY,
    );
    assert.equal(d.verdict, 'conflict');
  });

  it('when the licence number points to one purchase and the order number to another, then conflict', () => {
    const mine = purchase();
    const other = purchase({
      license_number: '1111-222222-33333333',
      license_key: '11111111-2222-3333-4444-555555555555',
      order_number: 'ES-2024-00000001',
      order_key: 'ES202400000001',
    });
    const d = decide(claim({ order_number: 'ES-2024-00000001' }), [mine, other], TODAY);
    assert.equal(d.verdict, 'conflict');
  });

  it('when a near licence number fits two purchases equally, then partial with multiple_candidates', () => {
    const a = purchase({
      license_number: '9B45-C3E6A2-63165C61',
      purchaser_email: 'x@example.com',
      purchaser_name: 'X Y',
    });
    const b = purchase({
      license_number: '9B45-C3E6A2-63165C62',
      purchaser_email: 'x@example.com',
      purchaser_name: 'X Y',
    });
    const d = decide(claim({ email: 'x@example.com', name: 'X Y', order_number: '' }), [a, b], TODAY);
    assert.equal(d.verdict, 'partial');
    assert.ok(d.flags.includes('multiple_candidates'));
  });

  it("when a small office's other purchases share the mailbox, then the licence still picks one purchase: strong", () => {
    const mine = purchase();
    const sibling = purchase({
      license_number: '7777-888888-99999999',
      license_key: '77777777-8888-9999-AAAA-BBBBBBBBBBBB',
      order_number: 'ES-2025-11111111',
      order_key: 'ES202511111111',
    });
    const d = decide(claim(), [sibling, mine], TODAY);
    assert.equal(d.verdict, 'strong');
    assert.equal(d.best?.purchase.id, mine.id);
  });

  it('when nothing plausible fits, then none', () => {
    const d = decide(
      claim({
        license_number: '1111-222222-33333333',
        order_number: 'X-1',
        email: 'nobody@example.org',
        name: 'No Body',
      }),
      [purchase()],
      TODAY,
    );
    assert.equal(d.verdict, 'none');
    assert.equal(d.best, null);
  });

  it('when the purchase is a trial, refunded, revoked, expired or from another region, then flags say so', () => {
    assert.ok(decide(claim(), [purchase({ license_type: 'trial' })], TODAY).flags.includes('trial_license'));
    assert.ok(decide(claim(), [purchase({ status: 'refunded' })], TODAY).flags.includes('license_refunded'));
    assert.ok(decide(claim(), [purchase({ status: 'revoked' })], TODAY).flags.includes('license_revoked'));
    assert.ok(
      decide(claim(), [purchase({ first_activated_at: '2024-01-01', term_days: 365 })], TODAY).flags.includes(
        'license_expired',
      ),
    );
    assert.ok(decide(claim({ country: 'DE' }), [purchase()], TODAY).flags.includes('region_mismatch'));
  });

  it('when validity is computed, then it starts at the first activation, not at purchase', () => {
    assert.equal(expiresOn({ first_activated_at: '2025-03-01', term_days: 365 }), '2026-03-01');
    assert.equal(expiresOn({ first_activated_at: null, term_days: 365 }), null);
  });
});
