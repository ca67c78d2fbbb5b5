-- A notification when the licensing system refuses for good (README "Licence authority"): the
-- decider of a refused replacement, or the admins for a refused revocation or refund report.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
  CHECK (kind IN ('customer_replied', 'approval_waiting', 'proposal_approved', 'proposal_turned_down',
                  'assigned', 'taken_over', 'instant_recovery_paused', 'authority_refused'));
ALTER TABLE notification_preferences DROP CONSTRAINT notification_preferences_kind_check;
ALTER TABLE notification_preferences ADD CONSTRAINT notification_preferences_kind_check
  CHECK (kind IN ('customer_replied', 'approval_waiting', 'proposal_approved', 'proposal_turned_down',
                  'assigned', 'taken_over', 'instant_recovery_paused', 'authority_refused'));
