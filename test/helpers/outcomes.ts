import assert from 'node:assert/strict';
import type { FaultDesk } from './fault-desk.ts';
import { processingReport } from './fault-desk.ts';
import { waitFor } from './wait.ts';

/**
 * Waits until every accepted request is matched and its emails sent, then checks each was
 * processed once: one match result, one 'matched' event, each email at the SMTP server once.
 */
export async function assertProcessedOnce(desk: FaultDesk, references: string[], timeoutMs = 120_000) {
  assert.ok(references.length > 0, 'some requests were accepted');
  await waitFor(
    async () => {
      const report = await processingReport(desk, references);
      return (
        report.length === references.length && report.every((r) => r.status === 'triage' && r.unsent === 0)
      );
    },
    timeoutMs,
    `all ${references.length} accepted requests matched and their emails sent`,
  );
  const report = await processingReport(desk, references);
  assert.equal(report.length, references.length, 'every accepted request is stored (none lost)');
  for (const r of report) {
    assert.equal(r.match_results, 1, `${r.reference}: one match result`);
    assert.equal(r.matched_events, 1, `${r.reference}: one 'matched' event`);
    assert.equal(r.emails, 1, `${r.reference}: one acknowledgement`);
  }
  await new Promise((r) => setTimeout(r, 1_000));
  assert.deepEqual(desk.smtp.duplicates(), [], 'no email arrived twice');
  for (const reference of references)
    assert.equal(desk.smtp.withSubject(reference).length, 1, `${reference}: its email arrived exactly once`);
}
