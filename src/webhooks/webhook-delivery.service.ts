import type { Config } from '../config.ts';
import type { Db } from '../db/db.ts';
import type { Relay } from '../outbox/outbox.relay.ts';
import { createCodeCipher } from '../purchases/code-cipher.ts';
import { postSigned, type PostResult } from './delivery-post.ts';
import { checkedAddress, urlShape, UrlRefusedError, type Resolver } from './url-guard.ts';
import { deliveryToSend, recordAttempt, type DeliveryStatus } from './webhooks.repository.ts';

export class MissingDeliveryError extends Error {}
/** The attempt did not deliver and there is time left: the job is tried again after its backoff. */
export class DeliveryRetryError extends Error {}

export interface DeliveryDeps {
  db: Db;
  config: Config;
  /** Woken when a finished delivery has handed the next one its job (recordAttempt). */
  relay: Pick<Relay, 'wake'>;
  resolve?: Resolver;
}

export type DeliveryOutcome = DeliveryStatus | 'already_done';

/**
 * One attempt of one delivery (the webhook-delivery job): after any earlier delivery for the same
 * request and endpoint is done; the URL checked again and the POST sent to the address checked;
 * recorded; a 2xx delivers it, and the relay is woken for the next delivery of the same request
 * and endpoint, whose job the end of this one wrote. Otherwise it is retried (DeliveryRetryError) until
 * WEBHOOK_RETRY_SECONDS have passed or the job's tries run out, then failed. Idempotent: a
 * delivery no longer pending is left alone.
 */
export async function deliverWebhook(
  deps: DeliveryDeps,
  deliveryId: number,
  lastTry: boolean,
): Promise<DeliveryOutcome> {
  const delivery = await deliveryToSend(deps.db, deliveryId);
  if (!delivery) throw new MissingDeliveryError(`no webhook delivery ${deliveryId}`);
  if (delivery.status !== 'pending') return 'already_done';
  // Not an attempt: the earlier one's end hands this job again (recordAttempt).
  if (delivery.earlier_pending !== null && !lastTry)
    throw new DeliveryRetryError(`waiting for delivery ${delivery.earlier_pending} of the same request`);
  const started = Date.now();
  const result = await attempt(deps, delivery.url, {
    id: delivery.id,
    body: JSON.stringify(delivery.payload),
    secret: createCodeCipher(deps.config.secretKey, deps.config.secretKeyPrevious).decrypt(
      delivery.secret_enc,
    ),
  });
  const ok = result.status !== undefined && result.status >= 200 && result.status < 300;
  const outOfTime = lastTry || delivery.age_seconds >= deps.config.webhooks.retrySeconds;
  const status: DeliveryStatus = ok ? 'delivered' : outOfTime ? 'failed' : 'pending';
  await deps.db.transaction((tx) =>
    recordAttempt(
      tx,
      delivery.id,
      {
        responseStatus: result.status ?? null,
        error: result.error ?? null,
        durationMs: Date.now() - started,
      },
      status,
    ),
  );
  if (status !== 'pending') {
    deps.relay.wake();
    return status;
  }
  throw new DeliveryRetryError(
    `webhook delivery ${delivery.id}: ${result.error ?? `answered ${result.status}`}`,
  );
}

async function attempt(
  deps: DeliveryDeps,
  url: string,
  delivery: { id: number; body: string; secret: string },
): Promise<PostResult> {
  const { allowHosts, timeoutMs } = deps.config.webhooks;
  try {
    const parsed = urlShape(url, allowHosts);
    const address = await checkedAddress(parsed, allowHosts, deps.resolve);
    return await postSigned(parsed, address, delivery, timeoutMs);
  } catch (error) {
    if (error instanceof UrlRefusedError) return { error: `refused: ${error.message}` };
    throw error;
  }
}
