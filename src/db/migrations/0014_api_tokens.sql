-- API tokens are created by their owner only, expire, and remember who made and who revoked
-- them; an approval records the credential it was given with (README "Security", four eyes
-- means two people). See src/auth/tokens.service.ts.

-- The user who created the token (always its owner from now on), or NULL when made by the
-- operator's `desk token create` (created_via 'cli') or before this migration ('unknown': such
-- tokens may have been made by an admin for someone else, so they cannot approve anything).
ALTER TABLE api_tokens ADD COLUMN created_by bigint REFERENCES users (id);
ALTER TABLE api_tokens ADD COLUMN created_via text NOT NULL DEFAULT 'unknown'
  CHECK (created_via IN ('console', 'cli', 'unknown'));
ALTER TABLE api_tokens ALTER COLUMN created_via DROP DEFAULT;
-- Tokens made before had no expiry: they get the default 90 days from today.
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
UPDATE api_tokens SET expires_at = now() + interval '90 days' WHERE expires_at IS NULL;
ALTER TABLE api_tokens ALTER COLUMN expires_at SET NOT NULL;
-- Why a token was revoked: by its owner, by an admin, or because its user was disabled; and by whom.
ALTER TABLE api_tokens ADD COLUMN revoked_reason text
  CHECK (revoked_reason IN ('owner', 'admin', 'user_disabled'));
ALTER TABLE api_tokens ADD COLUMN revoked_by bigint REFERENCES users (id);

-- The credential an approval was decided with: a console session (its id's SHA-256, never the
-- id itself) or an API token (its id).
ALTER TABLE approvals ADD COLUMN decided_with_kind text CHECK (decided_with_kind IN ('session', 'token'));
ALTER TABLE approvals ADD COLUMN decided_with text;
