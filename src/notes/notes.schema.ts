import { z } from 'zod';
import { freeText } from '../identifiers/plain-text.ts';

/** An internal note as the console's form sends it. */
export const noteSchema = z.object({
  text: freeText('A note must not contain control characters (tabs and line breaks are fine).')
    .trim()
    .min(1, 'Write something before adding a note.')
    .max(5000, 'A note may be at most 5000 characters.'),
});
