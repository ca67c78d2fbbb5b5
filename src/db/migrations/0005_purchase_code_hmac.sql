-- A keyed fingerprint of the activation code: HMAC-SHA256 with a key derived from SECRET_KEY (see
-- src/purchases/code-fingerprint.ts). The ciphertext has a random nonce, so an import tells whether a
-- record's code changed by this, without decrypting every record. NULL for records written before it.
ALTER TABLE purchases ADD COLUMN activation_code_hmac text;
