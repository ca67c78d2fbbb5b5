-- Uploaded files live in the database (issue 14), so any web process on any host serves them
-- and no one needs a shared DATA_DIR. A file is stored as chunks of at most 256 KiB, each its own
-- AES-256-GCM ciphertext (nonce, tag, ciphertext) under the key named by key_id
-- (src/purchases/file-cipher.ts), bound to its attachment and place.
CREATE TABLE attachment_chunks (
  attachment_id bigint NOT NULL REFERENCES attachments (id),
  seq           integer NOT NULL CHECK (seq >= 0),
  key_id        text NOT NULL,
  data          bytea NOT NULL,
  PRIMARY KEY (attachment_id, seq)
);
-- Ciphertext does not compress: store it out of line without trying.
ALTER TABLE attachment_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- storage_path now says where the file is: NULL in attachment_chunks; a path under DATA_DIR for a
-- file written by an older desk and not yet moved in by `desk migrate`; '' after `desk purge`.
ALTER TABLE attachments ALTER COLUMN storage_path DROP NOT NULL;
