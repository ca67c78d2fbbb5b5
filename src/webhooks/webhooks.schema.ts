import { z } from 'zod';
import { AppError } from '../errors.ts';
import { WEBHOOK_EVENTS, type WebhookEvent } from './webhook-events.ts';

/** A refused endpoint: a sentence per field (`url`, `events`, `description`), and the first as the message. */
export class InvalidWebhookError extends AppError {
  constructor(readonly fields: Record<string, string>) {
    super('validation_failed', 422, Object.values(fields)[0] ?? 'Some fields are missing or not valid.');
  }
}

const EVENTS_TEXT = `one or more of ${WEBHOOK_EVENTS.join(', ')}`;

/** What an admin posts (API JSON, or the console's form, whose checkboxes give a string or a list). */
const endpointSchema = z.object({
  url: z
    .string({ error: 'Give the URL the desk should POST events to.' })
    .trim()
    .min(1, 'Give the URL the desk should POST events to.')
    .max(2000, 'The URL is longer than 2000 characters.'),
  events: z.preprocess(
    (value) => (typeof value === 'string' ? [value] : value),
    z
      .array(z.enum(WEBHOOK_EVENTS, { error: `Each event must be ${EVENTS_TEXT}.` }), {
        error: `Choose the events to send: ${EVENTS_TEXT}.`,
      })
      .min(1, `Choose the events to send: ${EVENTS_TEXT}.`),
  ),
  description: z
    .string({ error: 'The description must be text.' })
    .trim()
    .max(200, 'The description is longer than 200 characters.')
    .default(''),
});

export interface EndpointInput {
  url: string;
  events: WebhookEvent[];
  description: string;
}

export function parseEndpoint(body: unknown): EndpointInput {
  const result = endpointSchema.safeParse(body ?? {});
  if (result.success) return { ...result.data, events: [...new Set(result.data.events)] };
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) fields[String(issue.path[0] ?? 'body')] ??= issue.message;
  throw new InvalidWebhookError(fields);
}

export const endpointIdParam = z.coerce
  .number()
  .int()
  .positive()
  .max(2 ** 31 - 1);
