-- Instant recovery (README "Instant recovery"): the match worker resends a code on a clear
-- strong claim, as the system actor `auto`.

-- Switches the desk flips by itself and an admin flips back. One row per switch; today only
-- instant recovery, paused when more than AUTO_RESEND_MAX_PER_HOUR automatic sends would go out in
-- an hour. Every automatic send locks this row, so two match batches count the hour in turn.
CREATE TABLE desk_switches (
  name          text PRIMARY KEY CHECK (name IN ('instant_recovery')),
  -- Set while paused; cleared by an admin's resume.
  paused_at     timestamptz,
  -- What paused it: the automatic sends counted in the hour, and the limit then in force.
  paused_sends  integer,
  paused_limit  integer,
  -- The last resume: the hour is counted from it, so the sends before it do not pause it again.
  resumed_at    timestamptz,
  resumed_by    bigint REFERENCES users (id)
);
INSERT INTO desk_switches (name) VALUES ('instant_recovery');

-- The hourly count and the per-licence limit read automatic sends only: a small index.
CREATE INDEX request_events_auto_code_sent ON request_events (created_at)
  WHERE type = 'code_sent' AND actor = 'auto';

-- A new notification kind: instant recovery paused (admins).
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
  CHECK (kind IN ('customer_replied', 'approval_waiting', 'proposal_approved', 'proposal_turned_down',
                  'assigned', 'taken_over', 'instant_recovery_paused'));
ALTER TABLE notification_preferences DROP CONSTRAINT notification_preferences_kind_check;
ALTER TABLE notification_preferences ADD CONSTRAINT notification_preferences_kind_check
  CHECK (kind IN ('customer_replied', 'approval_waiting', 'proposal_approved', 'proposal_turned_down',
                  'assigned', 'taken_over', 'instant_recovery_paused'));
