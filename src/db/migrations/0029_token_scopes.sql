-- API tokens gain scopes (README "Integrations"): what a token may do beyond its user's role.
-- `purchases:write` lets a token push purchase records (PUT /api/v1/purchases/:license_number,
-- POST /api/v1/purchases/batch); an admin's token may push without it. Chosen when the token is
-- made and never changed after. Tokens made before keep none: they do all they did before.
-- The values are TOKEN_SCOPES in src/auth/token-scopes.ts; the check keeps a typo out of the table.
ALTER TABLE api_tokens ADD COLUMN scopes text[] NOT NULL DEFAULT '{}'
  CHECK (scopes <@ ARRAY['purchases:write']::text[]);
