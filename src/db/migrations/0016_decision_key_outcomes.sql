-- An Idempotency-Key now keeps the decision's outcome (src/decisions/outcomes.ts DecisionOutcome),
-- not the HTTP answer: the API and the console each say it their own way, and a repeat through
-- the API still gets the first answer's body, made again from the outcome.

ALTER TABLE decision_keys ADD COLUMN outcome jsonb;

-- Keys saved before: their answer (status and body) read back into the outcome it came from.
UPDATE decision_keys SET outcome = CASE
    WHEN http_status = 202 THEN jsonb_build_object(
      'kind', 'pending_approval',
      'reference', response -> 'reference',
      'approvalId', response -> 'approval_id')
    WHEN response ->> 'decision' = 'reissue' THEN jsonb_build_object(
      'kind', 'code_sent',
      'reference', response -> 'reference',
      'mode', response -> 'mode',
      'sentTo', response -> 'sent_to',
      'requesterNotified', response -> 'requester_notified')
    WHEN response ->> 'status' = 'waiting_on_customer' THEN jsonb_build_object(
      'kind', 'question_sent',
      'reference', response -> 'reference')
    WHEN response ->> 'status' = 'rejected' THEN jsonb_build_object(
      'kind', 'rejected',
      'reference', response -> 'reference',
      'reason', response -> 'reason')
  END
 WHERE response IS NOT NULL;

ALTER TABLE decision_keys DROP COLUMN http_status;
ALTER TABLE decision_keys DROP COLUMN response;
