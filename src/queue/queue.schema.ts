import { z } from 'zod';
import { isPlainLine } from '../identifiers/plain-text.ts';
import { OUTCOME_VERDICTS } from './queue.repository.ts';
import { QUEUE_SORTS, SORT_ORDERS } from './queue-sorts.ts';
import { REQUEST_STATUSES } from '../requests/request-status.ts';

/** `open` is every status still waiting on the desk or the customer. */
export const STATUS_FILTERS = ['open', 'all', ...REQUEST_STATUSES] as const;

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema.optional());

/** The queue's filters and sort, from a query string (the console's form and GET /api/v1/tickets alike). */
export const queueQuery = z.object({
  status: optional(
    z.enum(STATUS_FILTERS, { error: `status must be one of: ${STATUS_FILTERS.join(', ')}` }),
  ).default('open'),
  verdict: optional(
    z.enum([...OUTCOME_VERDICTS, 'unmatched'], {
      error: `verdict must be one of: ${[...OUTCOME_VERDICTS, 'unmatched'].join(', ')}`,
    }),
  ),
  flag: optional(
    z.string().regex(/^[a-z_]{1,40}$/, { error: 'flag must be a flag name, such as email_differs' }),
  ),
  // `me`, `none`, or a user's email address
  owner: optional(
    z
      .string()
      .trim()
      .max(254, { error: 'owner is too long' })
      .refine(isPlainLine, { error: 'owner must not contain control characters' }),
  ),
  overdue: optional(z.enum(['true', 'false'], { error: 'overdue must be true or false' })).transform(
    (v) => v === 'true',
  ),
  q: optional(
    z
      .string()
      .trim()
      .max(200, { error: 'q is too long (200 characters at most)' })
      .refine(isPlainLine, { error: 'q must not contain control characters' }),
  ),
  sort: optional(z.enum(QUEUE_SORTS, { error: `sort must be one of: ${QUEUE_SORTS.join(', ')}` })).default(
    'due',
  ),
  order: optional(z.enum(SORT_ORDERS, { error: `order must be one of: ${SORT_ORDERS.join(', ')}` })).default(
    'asc',
  ),
  cursor: optional(z.string().max(200, { error: 'cursor is not valid' })),
  limit: optional(z.coerce.number({ error: 'limit must be a number' }).int().min(1).max(200)).default(50),
});
export type QueueQuery = z.infer<typeof queueQuery>;

/** The query string as filters; the first problem, naming its parameter, as an InvalidQueryError. */
export function parseQueueQuery(query: unknown, invalid: (message: string) => Error): QueueQuery {
  const parsed = queueQuery.safeParse(query);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const name = String(issue.path[0] ?? 'query');
  throw invalid(issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}`);
}

/** How long a saved view's name may be (migration 0019 checks it too). */
export const MAX_VIEW_NAME = 40;

/** A saved view's name, as typed in the console. */
export const viewNameField = z
  .string({ error: 'Give the view a name.' })
  .trim()
  .min(1, { error: 'Give the view a name.' })
  .max(MAX_VIEW_NAME, { error: `A view's name has at most ${MAX_VIEW_NAME} characters.` })
  .refine(isPlainLine, { error: "A view's name must not contain control characters." });
