import { z } from 'zod';

/** An internal note as the console's form sends it. */
export const noteSchema = z.object({
  text: z
    .string()
    .trim()
    .min(1, 'Write something before adding a note.')
    .max(5000, 'A note may be at most 5000 characters.'),
});
