-- Lookups the match job makes, each answered by one index scan that stops early (issue 5,
-- measured against a million purchases and 20,000 requests):
-- the earlier open request for the same licence or purchase reads only earlier rows
-- (a BitmapAnd with every smaller id before: 1.0 ms → 0.1 ms);
DROP INDEX recovery_requests_license_number;
CREATE INDEX recovery_requests_license_number ON recovery_requests (license_number, id);
DROP INDEX match_results_purchase;
CREATE INDEX match_results_purchase ON match_results (purchase_id, request_id);
-- and "a code went out for this purchase in the last 30 days" reads only code_sent events
-- (a walk of every event before: 2.4 ms). Few events are code_sent, so the index stays small.
CREATE INDEX request_events_code_sent ON request_events (request_id, created_at) WHERE type = 'code_sent';

-- Intake writes every index of recovery_requests on each request; four of them served nothing the
-- mailbox, status and queue-order indexes do not (issue 5: intake is bound by the database's CPU).
-- The demo's "already filed" check now finds requests by mailbox.
DROP INDEX recovery_requests_email;
-- Counting by status reads (status, resolution_due_at, id) just as well.
DROP INDEX recovery_requests_status_created;
-- Overdue requests are found through (resolution_due_at, id).
DROP INDEX recovery_requests_open_due;
-- Only closed requests can be purged: open ones no longer enter this index.
DROP INDEX recovery_requests_purgeable;
CREATE INDEX recovery_requests_purgeable ON recovery_requests (closed_at)
  WHERE purged_at IS NULL AND closed_at IS NOT NULL;
