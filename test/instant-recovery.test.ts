import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { recoverInstantly, instantRecovery } from '../src/decisions/instant-recovery.ts';
import { AUTO_RESEND_BLOCKING_FLAGS } from '../src/matching/flags.ts';
import type { MatchResult } from '../src/matching/match-result.ts';
import { matchRequests } from '../src/matching/matching.service.ts';
import { startDesk, type TestDesk } from './helpers/desk.ts';
import { claimOf, fileAndMatch, mailsWithCode, stateOf } from './helpers/instant.ts';
import { signInAs } from './helpers/session.ts';
import { purchase } from './helpers/tickets.ts';
import { waitFor } from './helpers/wait.ts';

const STRONG = { AUTO_RESEND: 'strong', INTAKE_LIMIT_PER_IP: '0', INTAKE_LIMIT_PER_EMAIL: '0' };

describe('instant recovery (README "Instant recovery")', () => {
  let desk: TestDesk;
  before(async () => {
    desk = await startDesk({ env: STRONG });
  });
  after(() => desk.stop());

  const storedResult = async (id: number) =>
    (
      await desk.base.db.query<{ result: MatchResult }>(
        'SELECT result FROM match_results WHERE request_id = $1',
        [id],
      )
    )[0]!.result;

  it('when a clear strong claim is filed, then the match job resolves it as auto with exactly one email, the code, to the purchaser', async () => {
    const p = await purchase(desk);
    const { id } = await fileAndMatch(desk, claimOf(p));
    const state = await stateOf(desk, id);
    assert.equal(state.status, 'resolved');
    assert.equal(state.codes, 1);
    const sent = state.events.find((e) => e.type === 'code_sent')!;
    assert.equal(sent.actor, 'auto');
    assert.equal(sent.data.automatic, true);
    assert.equal(sent.data.to, p.purchaser_email);
    await waitFor(() => mailsWithCode(desk, p.activation_code).length > 0, 15_000, 'the code email');
    await new Promise((r) => setTimeout(r, 300));
    const mails = mailsWithCode(desk, p.activation_code);
    assert.equal(mails.length, 1);
    assert.deepEqual(mails[0]!.to, [p.purchaser_email]);
  });

  it('when the match runs again on a request resolved automatically, then nothing more is sent', async () => {
    const p = await purchase(desk);
    const { id } = await fileAndMatch(desk, claimOf(p));
    await matchRequests(desk.base.db, [id], undefined, instantRecovery(desk.workers!.deps));
    const state = await stateOf(desk, id);
    assert.equal(state.codes, 1);
    assert.equal(state.events.filter((e) => e.type === 'code_sent').length, 1);
  });

  it('when the customer asked for a refund, then a strong claim stays in the queue for a person', async () => {
    const p = await purchase(desk);
    const { id } = await fileAndMatch(desk, claimOf(p, { desired_outcome: 'refund' }));
    const state = await stateOf(desk, id);
    assert.equal(state.status, 'triage');
    assert.equal(state.codes, 0);
    assert.equal((await storedResult(id)).verdict, 'strong');
  });

  it('when any blocking flag is set on a strong verdict, then instant recovery leaves it alone; with none, it resolves it', async () => {
    const p = await purchase(desk);
    // Asked for a refund: strong, left in triage, so the gate can be asked with each flag.
    const { id } = await fileAndMatch(desk, claimOf(p, { desired_outcome: 'refund' }));
    const result = await storedResult(id);
    for (const flag of AUTO_RESEND_BLOCKING_FLAGS) {
      const outcome = await desk.base.db.transaction((tx) =>
        recoverInstantly(tx, desk.workers!.deps, {
          requestId: id,
          desiredOutcome: 'recover_code',
          result: { ...result, flags: [flag] },
        }),
      );
      assert.equal(outcome, 'not_clear', flag);
      assert.equal((await stateOf(desk, id)).codes, 0, flag);
    }
    const outcome = await desk.base.db.transaction((tx) =>
      recoverInstantly(tx, desk.workers!.deps, { requestId: id, desiredOutcome: 'recover_code', result }),
    );
    assert.equal(outcome, 'resolved');
    assert.equal((await stateOf(desk, id)).status, 'resolved');
  });

  for (const [what, overrides] of [
    ['a trial licence', { license_type: 'trial' }],
    ['a refunded licence', { status: 'refunded' }],
    ['a revoked licence', { status: 'revoked' }],
    ['an expired licence', { first_activated_at: '2020-01-01' }],
  ] as const) {
    it(`when the claim is strong on ${what}, then no code goes out and a person decides`, async () => {
      const p = await purchase(desk, overrides);
      const { id } = await fileAndMatch(desk, claimOf(p));
      const state = await stateOf(desk, id);
      assert.equal(state.status, 'triage');
      assert.equal(state.codes, 0);
    });
  }

  it('when a second strong claim for the same licence comes within 30 days, then it waits for a person, and the reason shows', async () => {
    const p = await purchase(desk);
    const first = await fileAndMatch(desk, claimOf(p));
    assert.equal((await stateOf(desk, first.id)).status, 'resolved');
    // Filed after the send: the matcher flags it repeat_recovery.
    const second = await fileAndMatch(desk, claimOf(p));
    assert.equal((await stateOf(desk, second.id)).status, 'triage');
    assert.ok((await storedResult(second.id)).flags.includes('repeat_recovery'));
    // The limit itself, when no flag says so (a request filed before the first send, matched after).
    const third = await fileAndMatch(desk, claimOf(p, { desired_outcome: 'refund' }));
    const thirdResult = { ...(await storedResult(third.id)), flags: [] };
    const outcome = await desk.base.db.transaction((tx) =>
      recoverInstantly(tx, desk.workers!.deps, {
        requestId: third.id,
        desiredOutcome: 'recover_code',
        result: thirdResult,
      }),
    );
    assert.equal(outcome, 'licence_limit');
    const state = await stateOf(desk, third.id);
    assert.equal(state.codes, 0);
    const held = state.events.find((e) => e.type === 'auto_resend_held')!;
    assert.match(
      String(held.data.why),
      new RegExp(`licence ${p.license_number} went out .* at most one per licence in 30 days`),
    );
    assert.equal(mailsWithCode(desk, p.activation_code).length, 1);
  });

  it('when a technician opens a request resolved automatically, then the history says so', async () => {
    const p = await purchase(desk);
    const { reference } = await fileAndMatch(desk, claimOf(p));
    const tech = await signInAs(desk.app, desk.base.db, 'technician');
    const page = await tech.agent.get(`/desk/requests/${reference}`).expect(200);
    assert.match(
      page.text,
      /Resolved automatically: code sent to the purchaser(&#x27;|')s address of record/,
    );
    const queue = await tech.agent.get(`/desk?status=resolved&q=${reference}`).expect(200);
    assert.match(queue.text, /<span class="flag" title="Resolved automatically[^"]*">auto<\/span>/);
  });
});

describe('instant recovery off (AUTO_RESEND=off)', () => {
  it('when AUTO_RESEND is off, then a clear strong claim waits in the queue', async () => {
    const desk = await startDesk({ env: { ...STRONG, AUTO_RESEND: 'off' } });
    try {
      const p = await purchase(desk);
      const { id } = await fileAndMatch(desk, claimOf(p));
      const state = await stateOf(desk, id);
      assert.equal(state.status, 'triage');
      assert.equal(state.codes, 0);
    } finally {
      await desk.stop();
    }
  });
});
