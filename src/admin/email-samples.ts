import { REJECT_REASONS } from '../decisions/decisions.schema.ts';
import { NOTIFICATION_KINDS } from '../notifications/notification-kinds.ts';

/**
 * Sample data for the admin's email previews (/desk/admin/emails): one context per email
 * template, with every variable its parts use, and named variants where a template says
 * different things for different values (the reasons of a rejection, a replaced code).
 * The code and addresses are made up; nothing here is ever sent.
 */
export interface EmailSample {
  context: Record<string, unknown>;
  variants?: Record<string, Record<string, unknown>>;
}

export const SAMPLE_REFERENCE = 'RD-7K2Q9XWM';

// What every email about a request has; the emails to the requester add their status link (the
// code, the refund and the purchaser's notice have none, and say how to answer without it).
const common = {
  name: 'Jana Nováková',
  reference: SAMPLE_REFERENCE,
  formUrl: 'https://desk.example.com/recover?lang=en',
  // the reply address, masked as in every recorded copy; none without INBOUND_DOMAIN
  replyTo: undefined,
};
const withStatusLink = {
  ...common,
  statusUrl: `https://desk.example.com/requests/${SAMPLE_REFERENCE}?token=sample-status-token`,
};

/** The emails that resolve or reject a request ask "Was this helpful?" with two signed links. */
const satisfaction = {
  helpfulUrl: `https://desk.example.com/requests/${SAMPLE_REFERENCE}/feedback/helpful?token=sample-token`,
  notHelpfulUrl: `https://desk.example.com/requests/${SAMPLE_REFERENCE}/feedback/not_helpful?token=sample-token`,
};

/** Each customer email says how to answer: on the status page, or, with INBOUND_DOMAIN, by replying. */
const replying = { 'with INBOUND_DOMAIN (answer by replying)': { replyTo: 'reply+…@desk.example.com' } };

const purchase = {
  product: 'Small Office Security 7',
  licenseNumber: '84F3-E32248-C1E89AF9',
};

const rejectVariants = Object.fromEntries(REJECT_REASONS.map((reason) => [reason, { reason }]));

// The staff notification (English only, like the console): a variant per kind.
const notificationVariants = Object.fromEntries(NOTIFICATION_KINDS.map((kind) => [kind, { kind }]));

export const EMAIL_SAMPLES: Record<string, EmailSample> = {
  'request-received': { context: { ...withStatusLink }, variants: replying },
  'request-info': {
    variants: replying,
    context: {
      ...withStatusLink,
      // Angle brackets on purpose: the preview must show the text part escaped.
      message:
        'Could you forward the order confirmation (subject “Your order <ES-2024-29324734>”), or send a photo of the licence label on the box?',
    },
  },
  'reissue-code': {
    context: {
      ...common,
      ...purchase,
      ...satisfaction,
      code: 'ABCDE-FGHJK-MNPQR-STUVW',
      expiresOn: '2027-01-10',
      replaced: false,
    },
    variants: { replaced: { replaced: true }, 'no expiry date': { expiresOn: undefined }, ...replying },
  },
  'reissue-redirected-notice': {
    context: { ...withStatusLink, ...satisfaction, maskedAddress: 'j***@gmail.com' },
    variants: replying,
  },
  'code-sent-elsewhere': {
    context: { ...common, ...purchase, maskedAddress: 'n***@example.org' },
    variants: replying,
  },
  'refund-approved': {
    context: { ...common, ...purchase, ...satisfaction, amount: '49.00', currency: 'EUR' },
    variants: replying,
  },
  'renewal-offer': {
    context: {
      ...withStatusLink,
      ...satisfaction,
      channel: 'estore',
      store: 'Online Store DE',
      message: 'A renewal keeps your settings and adds a year from today.',
    },
    variants: {
      'without a message': { message: undefined },
      'bought in a shop': { channel: 'retail_box', store: 'MediaMarkt Köln' },
      ...replying,
    },
  },
  'ask-your-store': {
    context: {
      ...withStatusLink,
      ...satisfaction,
      store: 'Softwarehaus Müller',
      message: 'The store’s support page is on its website.',
    },
    variants: { 'without a message': { message: undefined }, ...replying },
  },
  'request-rejected': {
    context: {
      ...withStatusLink,
      ...satisfaction,
      reason: 'no_purchase_found',
      message: 'Your order number belongs to another store.',
    },
    variants: { ...rejectVariants, ...replying },
  },
  // "Email me my codes": about no request, so no reference; a line of each kind, codes masked
  // as in the recorded copy.
  'code-lookup': {
    context: {
      formUrl: common.formUrl,
      count: 3,
      total: 3,
      more: false,
      code1: 'ABCDE-FGHJK-MNPQR-STUVW',
      licences: [
        { ...purchase, status: 'active', kind: 'code', codeKey: 'code1', expiresOn: '2027-01-10' },
        {
          product: 'Internet Security 2025',
          licenseNumber: 'F219-E9CB0E-B53F1694',
          status: 'expired',
          kind: 'renewal',
          estore: false,
          store: 'MediaMarkt Köln',
        },
        {
          product: 'Anti-Virus 2025',
          licenseNumber: '1C2D-0A9B8C-7D6E5F40',
          status: 'active',
          trial: true,
          kind: 'listed',
        },
      ],
    },
    variants: { 'more licences than listed': { more: true, total: 72 } },
  },
  'staff-notification': {
    context: {
      kind: 'approval_waiting',
      reference: SAMPLE_REFERENCE,
      requestUrl: `https://desk.example.com/desk/requests/${SAMPLE_REFERENCE}`,
      preferencesUrl: 'https://desk.example.com/desk/notifications#preferences',
      approvalId: 12,
      approvalKind: 'refund',
      proposedBy: 'tess@desk.example.com',
      amount: '49.00',
      currency: 'EUR',
      by: 'sam@desk.example.com',
      reopened: false,
      sends: 200,
      limit: 200,
      call: 'replacement',
    },
    variants: {
      ...notificationVariants,
      'a code elsewhere waits': { approvalKind: 'reissue_elsewhere', amount: undefined, currency: undefined },
      'the customer wrote after closing': { kind: 'customer_replied', reopened: true },
      'a refund report refused': { kind: 'authority_refused', call: 'refund' },
    },
  },
};

/** The sample context of a template (and a variant of it), or undefined when there is none. */
export function sampleContext(name: string, variant?: string): Record<string, unknown> | undefined {
  const sample = EMAIL_SAMPLES[name];
  if (!sample) return undefined;
  if (!variant) return sample.context;
  const extra = sample.variants?.[variant];
  return extra ? { ...sample.context, ...extra } : undefined;
}
