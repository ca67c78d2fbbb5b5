-- `desk purge`: closed requests whose personal data was redacted after the retention period.
ALTER TABLE recovery_requests ADD COLUMN purged_at timestamptz;
CREATE INDEX recovery_requests_purgeable ON recovery_requests (closed_at) WHERE purged_at IS NULL;
