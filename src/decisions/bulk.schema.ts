import { z } from 'zod';
import { freeText } from '../identifiers/plain-text.ts';
import { REJECT_REASONS } from './decisions.schema.ts';

/** What one bulk action does to each selected request. */
export const BULK_ACTIONS = ['assign', 'release', 'reject'] as const;
export type BulkActionType = (typeof BULK_ACTIONS)[number];

/** At most this many requests in one bulk action: a page of the queue holds up to 200. */
export const BULK_MAX = 200;

export const bulkActionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('assign'), to: z.email().max(254) }),
  z.object({ type: z.literal('release') }),
  z.object({
    type: z.literal('reject'),
    reason: z.enum(REJECT_REASONS),
    message: freeText('must not contain control characters (tabs and line breaks are fine)')
      .trim()
      .min(1)
      .max(5000)
      .optional(),
  }),
]);
export type BulkAction = z.infer<typeof bulkActionSchema>;

/** `POST /api/v1/tickets/bulk`: `{ "references": [...], "action": {...} }`. */
export const bulkSchema = z.object({
  references: z
    .array(z.string().max(40, 'each must be a reference such as RD-7KQ2M9XD'))
    .min(1, 'name at least one request')
    .max(BULK_MAX, `at most ${BULK_MAX} requests at once`),
  action: bulkActionSchema,
});
export type BulkInput = z.infer<typeof bulkSchema>;
