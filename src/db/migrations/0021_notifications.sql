-- Staff notifications (README "Console", notifications): what happened that a desk user should
-- know, shown under the console's bell and, where the user chose it, sent by email too. Written by
-- src/notifications/notifications.service.ts `notify` in the transaction of the change that
-- causes it. The kinds are NOTIFICATION_KINDS in src/notifications/notification-kinds.ts.
CREATE TABLE notifications (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES users (id),
  kind        text NOT NULL CHECK (kind IN ('customer_replied', 'approval_waiting', 'proposal_approved',
                                            'proposal_turned_down', 'assigned', 'taken_over')),
  request_id  bigint NOT NULL REFERENCES recovery_requests (id),
  -- Who acted and what (an approval's id, kind and amount): references and staff addresses only,
  -- never a code or the customer's words, so purging a request has nothing to redact here.
  data        jsonb NOT NULL DEFAULT '{}',
  -- What caused it, when a repeat of the cause could call notify again (an approval's id): one
  -- notification per user, kind and cause, whatever retries.
  cause       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  read_at     timestamptz
);
-- A user's list, newest first (id order is creation order), a page at a time.
CREATE INDEX notifications_user ON notifications (user_id, id DESC);
-- The bell on every console page: a user's unread count, from a small partial index.
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
CREATE UNIQUE INDEX notifications_once ON notifications (user_id, kind, cause) WHERE cause IS NOT NULL;

-- A user's choice per kind: by email too (true) or in the console only (false). No row: the
-- kind's default (NOTIFICATION_KINDS' `emailByDefault`), so a default changed there reaches
-- everyone who never chose.
CREATE TABLE notification_preferences (
  user_id  bigint NOT NULL REFERENCES users (id),
  kind     text NOT NULL CHECK (kind IN ('customer_replied', 'approval_waiting', 'proposal_approved',
                                         'proposal_turned_down', 'assigned', 'taken_over')),
  email    boolean NOT NULL,
  PRIMARY KEY (user_id, kind)
);
