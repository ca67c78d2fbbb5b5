-- Desk users (technicians, supervisors, admins) and their API tokens for /api/v1.
CREATE TABLE users (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email          text NOT NULL,
  role           text NOT NULL CHECK (role IN ('technician', 'supervisor', 'admin')),
  -- scrypt$N$r$p$salt$hash, see src/auth/passwords.ts
  password_hash  text NOT NULL,
  disabled_at    timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now()
);
-- One user per address, whatever its case; sign-in looks users up by it.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- Bearer tokens for the technician API: shown once, stored only as a SHA-256 hash.
CREATE TABLE api_tokens (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id       bigint NOT NULL REFERENCES users (id),
  token_hash    text NOT NULL UNIQUE,
  label         text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
