-- The technician queue (/desk, GET /api/v1/tickets): every filter and search has an index.

-- Keyset pages in the queue's order: what is due first, then the oldest.
CREATE INDEX recovery_requests_queue_order ON recovery_requests (resolution_due_at, id);
CREATE INDEX recovery_requests_status_queue_order ON recovery_requests (status, resolution_due_at, id);
-- Search by order number as compared everywhere else: no case, spaces, '#' or hyphens.
CREATE INDEX recovery_requests_order_key
  ON recovery_requests (upper(regexp_replace(order_number, '[\s#-]+', '', 'g')));
-- Filter by flag.
CREATE INDEX match_results_flags ON match_results USING gin ((result -> 'flags'));
-- The queue's live stream asks for the latest result.
CREATE INDEX match_results_matched_at ON match_results (matched_at);
