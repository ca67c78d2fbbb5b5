import { randomBytes } from 'node:crypto';
import type { AuditAction } from '../audit/audit.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import type { User } from '../auth/user.ts';
import type { Config } from '../config.ts';
import type { Db, Queryable } from '../db/db.ts';
import { NotFoundError } from '../errors.ts';
import type { Relay } from '../outbox/outbox.relay.ts';
import { createCodeCipher } from '../purchases/code-cipher.ts';
import { checkedAddress, urlShape, UrlRefusedError, type Resolver } from './url-guard.ts';
import {
  deleteEndpoint,
  endpointById,
  insertEndpoint,
  listEndpoints,
  recentDeliveries,
  resendDelivery,
  setEndpointEnabled,
  type EndpointRow,
} from './webhooks.repository.ts';
import { InvalidWebhookError, parseEndpoint } from './webhooks.schema.ts';

export interface WebhookDeps {
  db: Db;
  config: Config;
  relay: Pick<Relay, 'wake'>;
  /** Tests resolve names their own way; the desk asks the system's resolver. */
  resolve?: Resolver;
}

/** Who acts, from where (audited). */
export interface Acting {
  admin: User;
  address: string | null;
}

/**
 * Registers an endpoint: its URL checked against SPEC §14's rule (scheme, then every address its
 * host resolves to), a fresh secret stored encrypted, the change audited. The secret is returned
 * this once and never shown again.
 */
export async function createEndpoint(
  deps: WebhookDeps,
  acting: Acting,
  body: unknown,
): Promise<{ endpoint: EndpointRow; secret: string }> {
  const input = parseEndpoint(body);
  const { allowHosts } = deps.config.webhooks;
  try {
    await checkedAddress(urlShape(input.url, allowHosts), allowHosts, deps.resolve);
  } catch (error) {
    if (error instanceof UrlRefusedError) throw new InvalidWebhookError({ url: error.message });
    throw error;
  }
  const secret = `whsec_${randomBytes(32).toString('base64url')}`;
  const secretEnc = createCodeCipher(deps.config.secretKey).encrypt(secret);
  const endpoint = await deps.db.transaction(async (tx) => {
    const row = await insertEndpoint(tx, { ...input, secretEnc, createdBy: acting.admin.id });
    await audit(tx, acting, 'webhook_created', row, { events: row.events });
    return row;
  });
  return { endpoint, secret };
}

export const allEndpoints = (db: Queryable) => listEndpoints(db);

export async function endpointOrThrow(db: Queryable, id: number): Promise<EndpointRow> {
  const endpoint = await endpointById(db, id);
  if (!endpoint) throw new NotFoundError('No such webhook endpoint.');
  return endpoint;
}

export async function removeEndpoint(db: Db, acting: Acting, id: number): Promise<EndpointRow> {
  return db.transaction(async (tx) => {
    const endpoint = await deleteEndpoint(tx, id);
    if (!endpoint) throw new NotFoundError('No such webhook endpoint.');
    await audit(tx, acting, 'webhook_deleted', endpoint);
    return endpoint;
  });
}

export async function enableEndpoint(
  db: Db,
  acting: Acting,
  id: number,
  enabled: boolean,
): Promise<EndpointRow> {
  return db.transaction(async (tx) => {
    const endpoint = await endpointOrThrow(tx, id);
    await setEndpointEnabled(tx, id, enabled);
    await audit(tx, acting, enabled ? 'webhook_enabled' : 'webhook_disabled', endpoint);
    return { ...endpoint, enabled };
  });
}

/** "Send again": a new attempt of the same delivery (same id, same body), audited. */
export async function sendAgain(deps: WebhookDeps, acting: Acting, endpointId: number, deliveryId: number) {
  await deps.db.transaction(async (tx) => {
    const endpoint = await endpointOrThrow(tx, endpointId);
    if (!(await resendDelivery(tx, endpointId, deliveryId))) throw new NotFoundError('No such delivery.');
    await audit(tx, acting, 'webhook_resent', endpoint, { delivery_id: deliveryId });
  });
  deps.relay.wake();
}

export const deliveryLog = (db: Queryable, endpointId: number) => recentDeliveries(db, endpointId, 50);

function audit(
  tx: Queryable,
  acting: Acting,
  action: AuditAction,
  e: EndpointRow,
  data: Record<string, unknown> = {},
) {
  return recordAudit(tx, {
    actor: { id: acting.admin.id, email: acting.admin.email },
    address: acting.address,
    action,
    subject: `webhook ${e.id} ${e.url}`,
    data: { webhook_id: e.id, ...data },
  });
}
