import { z } from 'zod';
import { AppError } from '../errors.ts';
import { NOTIFICATION_KINDS } from './notification-kinds.ts';

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** `GET /api/v1/notifications?unread=&cursor=&limit=` and the console list's query. */
export const notificationsQuery = z.object({
  unread: z
    .preprocess(blank, z.enum(['true', 'false'], { error: 'must be true or false' }).optional())
    .transform((v) => v === 'true'),
  cursor: z.preprocess(blank, z.string().max(40, { error: 'not a cursor this list gave out' }).optional()),
  limit: z.preprocess(
    blank,
    z.coerce.number({ error: 'must be a number' }).int().min(1).max(100, { error: 'at most 100' }).optional(),
  ),
});

const notificationId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** `POST /api/v1/notifications/read`: `{ "ids": [1, 2] }` or `{ "all": true }`. */
export const markReadBody = z.union([
  z.strictObject({ ids: z.array(notificationId).min(1).max(500) }),
  z.strictObject({ all: z.literal(true) }),
]);

/** The console's preferences form: `email_<kind>` = `email` (also by email) or `console` (only here). */
export const preferencesForm = z.object(
  Object.fromEntries(
    NOTIFICATION_KINDS.map((kind) => [
      `email_${kind}`,
      z.enum(['email', 'console'], { error: 'choose “in the console only” or “also by email”' }).optional(),
    ]),
  ),
);

/** The input, or a 422 naming the first problem's field. */
export function parseOr422<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new AppError('validation_failed', 422, `${issue.path.join('.') || what}: ${issue.message}.`);
}
