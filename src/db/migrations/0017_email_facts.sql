-- Emails are rendered by the email job, not by whoever queues them (STYLE habit 5): a row records
-- what to send (template, locale and the facts the template needs), and the job renders it and
-- keeps the rendered copy in subject/html/text. Facts that are secrets (an activation code, a
-- status link with its token) are in secret_facts_enc, encrypted with the code cipher; `facts`
-- holds their masked form, which is what the recorded copy shows.
ALTER TABLE emails ADD COLUMN facts jsonb;
ALTER TABLE emails ADD COLUMN secret_facts_enc text;

-- Not rendered yet: subject, html and text are null until the job renders them (rows written
-- before this migration were rendered when written, and have no facts).
ALTER TABLE emails ALTER COLUMN subject DROP NOT NULL;
ALTER TABLE emails ALTER COLUMN html DROP NOT NULL;
ALTER TABLE emails ALTER COLUMN text DROP NOT NULL;
ALTER TABLE emails ADD CONSTRAINT emails_rendered_or_facts
  CHECK ((subject IS NOT NULL AND html IS NOT NULL AND text IS NOT NULL) OR facts IS NOT NULL);
