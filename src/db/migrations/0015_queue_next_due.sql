-- The queue is ordered by the deadline that applies next (issue 13): requests whose clock runs,
-- then those waiting on the customer, then closed ones; within each, the first response while
-- unanswered (or the resolution, if sooner), then the resolution. The expressions are spelled as
-- in src/queue/queue.repository.ts (CLOCK, NEXT_DUE), so keyset pages and the overdue filter read
-- these indexes; they replace the indexes on the resolution due time alone.
DROP INDEX recovery_requests_queue_order;
DROP INDEX recovery_requests_status_queue_order;
CREATE INDEX recovery_requests_queue_order ON recovery_requests (
  (CASE WHEN status IN ('resolved', 'rejected') THEN 2 WHEN status = 'waiting_on_customer' THEN 1 ELSE 0 END),
  (CASE WHEN first_responded_at IS NULL THEN LEAST(first_response_due_at, resolution_due_at) ELSE resolution_due_at END),
  id);
CREATE INDEX recovery_requests_status_queue_order ON recovery_requests (
  status,
  (CASE WHEN status IN ('resolved', 'rejected') THEN 2 WHEN status = 'waiting_on_customer' THEN 1 ELSE 0 END),
  (CASE WHEN first_responded_at IS NULL THEN LEAST(first_response_due_at, resolution_due_at) ELSE resolution_due_at END),
  id);
