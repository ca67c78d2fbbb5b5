import type { Config } from '../config.ts';
import type { Db, Queryable } from '../db/db.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { insertEvent } from '../history/history.repository.ts';
import { maskActivationCodes } from '../identifiers/identifiers.ts';
import { isPlainText, unifyLineBreaks } from '../identifiers/plain-text.ts';
import { normaliseReference } from '../requests/reference.ts';
import { isSatisfactionAnswer, tokenSigns, type SatisfactionAnswer } from './satisfaction-links.ts';
import {
  findAnswer,
  findRatedRequest,
  insertAnswer,
  setComment,
  type RatedRequest,
  type SatisfactionRow,
} from './satisfaction.repository.ts';

export const MAX_COMMENT = 2000;

type Deps = { db: Db; config: Pick<Config, 'secretKey' | 'secretKeyPrevious'> };

/** A satisfaction link as it arrives: its path's reference and answer, and its token. */
export interface SatisfactionLink {
  reference: string;
  answer: string;
  token: unknown;
}

/** The request's answer after a click or a comment, and whether this one changed anything. */
export interface Rated {
  request: RatedRequest;
  answer: SatisfactionRow;
  /** This click recorded the answer (else the request had one: the first answer wins). */
  recorded: boolean;
  /** This form stored the comment (else there was one already); undefined for a click. */
  commented?: boolean;
}

/**
 * A click on "helpful" or "not helpful" (README "Satisfaction"): recorded once per request, with
 * its history event, in one transaction; any later click, of either link, changes nothing.
 */
export async function answerByLink(deps: Deps, link: SatisfactionLink): Promise<Rated> {
  const { request, answer } = await openLink(deps, link);
  return deps.db.transaction(async (tx) => {
    const recorded = await recordAnswer(tx, request, answer);
    return { request, answer: await currentAnswer(tx, request), recorded };
  });
}

/**
 * The optional comment after a click, once per request: at most MAX_COMMENT characters, no control
 * characters, activation codes masked as intake masks `details`. A form posted without the click
 * before it (its link is as good) records the link's answer first.
 */
export async function commentByLink(deps: Deps, link: SatisfactionLink, input: unknown): Promise<Rated> {
  const { request, answer } = await openLink(deps, link);
  // Once given, a comment stays: a second form, whatever its text, is told so.
  const current = await findAnswer(deps.db, request.id);
  if (current?.comment != null) return { request, answer: current, recorded: false, commented: false };
  const comment = parseComment(input);
  return deps.db.transaction(async (tx) => {
    const recorded = await recordAnswer(tx, request, answer);
    const commented = await setComment(tx, request.id, maskActivationCodes(comment));
    return { request, answer: await currentAnswer(tx, request), recorded, commented };
  });
}

/**
 * What a link's page shows without changing anything: a HEAD (a mail scanner's look at the
 * link), or a comment refused for its text. `answer` is the request's, else the link's own.
 */
export async function peekByLink(
  deps: Deps,
  link: SatisfactionLink,
): Promise<{ request: RatedRequest; answer: SatisfactionAnswer; comment: string | null }> {
  const opened = await openLink(deps, link);
  const current = await findAnswer(deps.db, opened.request.id);
  return {
    request: opened.request,
    answer: current?.answer ?? opened.answer,
    comment: current?.comment ?? null,
  };
}

/** A request's answer for the console and the technician API, or null. */
export async function satisfactionOf(db: Queryable, requestId: number): Promise<SatisfactionRow | null> {
  return (await findAnswer(db, requestId)) ?? null;
}

/**
 * The request a link names, when its token signs that reference and answer (SECRET_KEY or a key
 * of SECRET_KEY_PREVIOUS). The token is checked before the database is asked, so a forged link
 * costs the same and says the same (404) whether or not the request exists; a purged request's
 * links answer nothing either.
 */
async function openLink(
  deps: Deps,
  link: SatisfactionLink,
): Promise<{ request: RatedRequest; answer: SatisfactionAnswer }> {
  const reference = normaliseReference(link.reference);
  const { answer, token } = link;
  const signed =
    reference !== null &&
    isSatisfactionAnswer(answer) &&
    typeof token === 'string' &&
    tokenSigns(deps.config, reference, answer, token);
  const request = signed ? await findRatedRequest(deps.db, reference) : undefined;
  if (!signed || !request || request.purged) throw new NotFoundError('No such link.');
  return { request, answer };
}

async function recordAnswer(tx: Queryable, request: RatedRequest, answer: SatisfactionAnswer) {
  const recorded = await insertAnswer(tx, request.id, answer);
  if (recorded)
    await insertEvent(tx, { requestId: request.id, actor: 'customer', type: 'rated', data: { answer } });
  return recorded;
}

async function currentAnswer(tx: Queryable, request: RatedRequest): Promise<SatisfactionRow> {
  const row = await findAnswer(tx, request.id);
  if (!row) throw new Error(`request ${request.id} has no answer after recording one`);
  return row;
}

function parseComment(input: unknown): string {
  const comment = typeof input === 'string' ? unifyLineBreaks(input).trim() : '';
  if (!comment) throw new ValidationError({ comment: { key: 'error.required' } });
  if (!isPlainText(comment)) throw new ValidationError({ comment: { key: 'error.control_characters' } });
  if (comment.length > MAX_COMMENT)
    throw new ValidationError({ comment: { key: 'error.too_long', params: { max: MAX_COMMENT } } });
  return comment;
}
