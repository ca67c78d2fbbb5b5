-- Subjects of received email were stored as written, so a code a customer put in the subject was
-- kept in clear (the desk masks them at storage from now on: src/inbound/inbound.service.ts). Mask
-- the stored ones by the same rule as maskActivationCodes: four groups of five letters or digits,
-- one separator (a hyphen, a space or none) throughout, with a digit and a letter in it.
DO $$
DECLARE
  r record;
  found text[];
  masked text;
BEGIN
  FOR r IN SELECT id, subject FROM inbound_messages WHERE subject ~ '[A-Za-z0-9]{5}' LOOP
    masked := r.subject;
    FOR found IN
      SELECT regexp_matches(r.subject,
        '(?:^|[^A-Za-z0-9])([A-Za-z0-9]{5}([- ]?)[A-Za-z0-9]{5}\2[A-Za-z0-9]{5}\2[A-Za-z0-9]{5})(?![A-Za-z0-9])', 'g')
    LOOP
      IF found[1] ~ '[0-9]' AND found[1] ~ '[A-Za-z]' THEN
        masked := replace(masked, found[1], 'XXXXX-XXXXX-XXXXX-XXXXX');
      END IF;
    END LOOP;
    IF masked <> r.subject THEN
      UPDATE inbound_messages SET subject = masked WHERE id = r.id;
    END IF;
  END LOOP;
END $$;
