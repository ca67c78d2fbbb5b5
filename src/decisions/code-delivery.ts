import { emitWebhook } from '../webhooks/webhook-events.ts';
import { MASKED_CODE, maskEmail, newActivationCode } from '../codes/activation-code.ts';
import { normaliseMailbox } from '../identifiers/mailbox.ts';
import { queueEmail } from '../mail/mail.service.ts';
import { formUrl, queueEmailToRequester } from '../requests/customer-email.ts';
import { expiresOn } from '../matching/verdict.ts';
import { ticketLocale, type DecisionActor, type DecisionContext } from './decision-context.ts';
import type { ReissueMode } from './decisions.schema.ts';
import {
  codeFingerprintTaken,
  insertCodeHistory,
  setPurchaseCode,
  type LockedPurchase,
} from './decisions.repository.ts';
import { insertEvent } from '../history/history.repository.ts';
import { satisfactionLinks } from '../satisfaction/satisfaction-links.ts';

const FRESH_CODE_TRIES = 10;

/** A code no licence has or ever had (by fingerprint, under every configured key). */
async function unusedCode(ctx: DecisionContext<DecisionActor>): Promise<string> {
  for (let attempt = 0; attempt < FRESH_CODE_TRIES; attempt++) {
    const code = newActivationCode();
    if (!(await codeIsKnown(ctx, code))) return code;
  }
  throw new Error('could not draw an unused activation code');
}

/** Whether any licence has, or once had, this code. */
export function codeIsKnown(ctx: DecisionContext<DecisionActor>, code: string): Promise<boolean> {
  return codeFingerprintTaken(ctx.tx, ctx.fingerprintsUnderEveryKey(code));
}

/**
 * A new code for the licence (a reissue's `replace` mode): drawn here, or the licensing system's
 * (`fromAuthority`, README "Licence authority"); the old one kept encrypted in the code history and
 * no longer the licence's. The term is untouched: first_activated_at, and so the expiry, stay.
 */
async function replaceCode(
  ctx: DecisionContext<DecisionActor>,
  purchase: LockedPurchase,
  fromAuthority?: string,
): Promise<string> {
  const code = fromAuthority ?? (await unusedCode(ctx));
  await insertCodeHistory(ctx.tx, {
    purchaseId: purchase.id,
    codeEnc: purchase.activation_code_enc,
    codeHmac: purchase.activation_code_hmac,
    reason: 'replaced',
    requestId: ctx.ticket.id,
    revokedBy: ctx.actor.id,
  });
  await setPurchaseCode(ctx.tx, purchase.id, { enc: ctx.cipher.encrypt(code), hmac: ctx.fingerprint(code) });
  return code;
}

export interface CodeSent {
  /** The recipient, masked. */
  sentTo: string;
  requesterNotified: boolean;
}

/**
 * Sends the licence's code (or a replacement) to `to` in the one email that carries it; when the
 * requester reads another mailbox, tells the requester where it went, masked; when `to` is not the
 * purchaser's address of record, tells the purchaser, without the code.
 */
export async function sendCode(
  ctx: DecisionContext<DecisionActor>,
  purchase: LockedPurchase,
  mode: ReissueMode,
  to: string,
  approvalId?: number,
  fromAuthority?: string,
): Promise<CodeSent> {
  const code =
    mode === 'replace'
      ? await replaceCode(ctx, purchase, fromAuthority)
      : ctx.cipher.decrypt(purchase.activation_code_enc);
  const { ticket, tx, deps } = ctx;
  if (mode === 'replace')
    await emitWebhook(tx, 'license.code_replaced', {
      requestId: ticket.id,
      licenseNumber: purchase.license_number,
    });
  const locale = ticketLocale(ticket);
  await queueEmail(tx, deps.config, {
    requestId: ticket.id,
    template: 'reissue-code',
    locale,
    to,
    facts: {
      name: purchase.purchaser_name,
      reference: ticket.reference,
      product: purchase.product_name,
      licenseNumber: purchase.license_number,
      expiresOn: expiresOn(purchase),
      replaced: mode === 'replace',
      formUrl: formUrl(deps.config.publicUrl, locale),
    },
    // The code's email resolves the request: it asks whether that helped (README "Satisfaction").
    secrets: {
      code: { value: code, masked: MASKED_CODE },
      ...satisfactionLinks(deps.config, ticket.reference),
    },
  });
  const notify = normaliseMailbox(ticket.email) !== normaliseMailbox(to);
  if (notify) {
    await queueEmailToRequester(tx, deps, ticket, {
      template: 'reissue-redirected-notice',
      locale,
      to: ticket.email,
      facts: { name: ticket.name, reference: ticket.reference, maskedAddress: maskEmail(to) },
      secrets: satisfactionLinks(deps.config, ticket.reference),
    });
  }
  // A code that leaves the purchaser's address of record (a supervisor approved it): the purchaser
  // hears of it, without the code, and how to object.
  const purchaserNotified = normaliseMailbox(purchase.purchaser_email) !== normaliseMailbox(to);
  if (purchaserNotified) {
    await queueEmail(tx, deps.config, {
      requestId: ticket.id,
      template: 'code-sent-elsewhere',
      locale,
      to: purchase.purchaser_email,
      facts: {
        name: purchase.purchaser_name,
        reference: ticket.reference,
        product: purchase.product_name,
        licenseNumber: purchase.license_number,
        maskedAddress: maskEmail(to),
        formUrl: formUrl(deps.config.publicUrl, locale),
      },
    });
  }
  // 'code_sent' is what the matcher's repeat_recovery flag looks for.
  await insertEvent(tx, {
    requestId: ticket.id,
    actor: ctx.actor.email,
    type: 'code_sent',
    data: {
      mode,
      to,
      requester_notified: notify,
      purchaser_notified: purchaserNotified,
      // The history's "Resolved automatically" (instant recovery).
      ...(ctx.actor.id === null ? { automatic: true } : {}),
      ...(approvalId ? { approval_id: approvalId } : {}),
      ...(fromAuthority ? { from_authority: true } : {}),
    },
  });
  return { sentTo: maskEmail(to), requesterNotified: notify };
}
