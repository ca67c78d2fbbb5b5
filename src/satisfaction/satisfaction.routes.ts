import { Router, type Request, type Response } from 'express';
import type { WebDeps } from '../deps.ts';
import { NotFoundError, RateLimitedError, ValidationError } from '../errors.ts';
import { translate, type Locale } from '../i18n/i18n.ts';
import { clientAddressKey } from '../identifiers/network.ts';
import { renderPage } from '../requests/customer-page.ts';
import { pageLocale } from '../requests/page-locale.ts';
import { normaliseReference } from '../requests/reference.ts';
import { fieldMessages } from '../requests/request-form.ts';
import type { SatisfactionAnswer } from './satisfaction-links.ts';
import {
  answerByLink,
  commentByLink,
  MAX_COMMENT,
  peekByLink,
  type SatisfactionLink,
} from './satisfaction.service.ts';

const PATH = '/requests/:reference/feedback/:answer';

interface PageState {
  reference: string;
  storedLocale: string;
  answer: SatisfactionAnswer;
  /** "Thank you for your answer" (this click or form counted) or "we already have your answer". */
  thanks: boolean;
  comment: string | null;
  commentedNow?: boolean;
  typed?: string;
  errors?: Record<string, string>;
}

/**
 * The satisfaction links of the emails that close a request (README "Satisfaction"): no sign-in,
 * the signed token in the query (so the request log redacts it, as it does status tokens). A link
 * that does not verify is the plain 404 page, and counts as a wrong guess against the client's
 * address and the reference, as wrong status tokens do; a blocked address is refused first.
 */
export function satisfactionRoutes(deps: WebDeps): Router {
  const router = Router();

  async function guarded<T>(req: Request, act: (link: SatisfactionLink) => Promise<T>): Promise<T> {
    const address = clientAddressKey(req.ip);
    const wait = await deps.statusTokenLimits.blockedFor(address);
    if (wait !== null) throw new RateLimitedError(wait);
    const { reference, answer } = req.params as { reference: string; answer: string };
    try {
      return await act({ reference, answer, token: req.query.token });
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      const referenceWait = await deps.statusTokenLimits.wrong(address, normaliseReference(reference));
      if (referenceWait !== null) throw new RateLimitedError(referenceWait);
      throw error;
    }
  }

  function render(req: Request, res: Response, state: PageState, status = 200) {
    const locale: Locale = pageLocale(req, { stored: state.storedLocale });
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    const lang = typeof req.query.lang === 'string' ? `&lang=${encodeURIComponent(req.query.lang)}` : '';
    res.set({ 'Cache-Control': 'no-store', 'X-Robots-Tag': 'noindex' });
    renderPage(
      req,
      res,
      deps.templates,
      'satisfaction',
      {
        locale,
        title: translate(locale, 'satisfaction.title'),
        reference: state.reference,
        recorded: state.thanks,
        answerText: translate(locale, `satisfaction.answer.${state.answer}`),
        hasComment: state.comment !== null,
        commentedNow: state.commentedNow === true,
        action: `/requests/${state.reference}/feedback/${req.params.answer as string}?token=${encodeURIComponent(token)}${lang}`,
        maxComment: MAX_COMMENT,
        comment: state.typed ?? '',
        errors: state.errors ?? {},
      },
      status,
    );
  }

  // The click: recorded on GET, as Zendesk and Help Scout do (README "Satisfaction" on mail
  // scanners). Express answers HEAD with this route too: a scanner that looks with HEAD (some do
  // before a GET) is answered without anything recorded.
  router.get(PATH, async (req, res) => {
    if (req.method === 'HEAD') {
      await guarded(req, (link) => peekByLink(deps, link));
      return void res.set('Cache-Control', 'no-store').status(200).end();
    }
    const rated = await guarded(req, (link) => answerByLink(deps, link));
    render(req, res, {
      reference: rated.request.reference,
      storedLocale: rated.request.locale,
      answer: rated.answer.answer,
      thanks: rated.recorded,
      comment: rated.answer.comment,
    });
  });

  // The optional comment. No cookie is involved: the form's address carries the link's token, which
  // a page on another site cannot know, and the pages' CSP allows forms to post to this site only.
  router.post(PATH, async (req, res) => {
    const typed = (req.body as Record<string, unknown> | undefined)?.comment;
    try {
      const rated = await guarded(req, (link) => commentByLink(deps, link, typed));
      render(req, res, {
        reference: rated.request.reference,
        storedLocale: rated.request.locale,
        answer: rated.answer.answer,
        thanks: true,
        comment: rated.answer.comment,
        commentedNow: rated.commented,
      });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const seen = await guarded(req, (link) => peekByLink(deps, link));
      const locale = pageLocale(req, { stored: seen.request.locale });
      render(
        req,
        res,
        {
          reference: seen.request.reference,
          storedLocale: seen.request.locale,
          answer: seen.answer,
          thanks: true,
          comment: null,
          typed: typeof typed === 'string' ? typed : '',
          errors: fieldMessages(locale, error.fields),
        },
        422,
      );
    }
  });

  return router;
}
