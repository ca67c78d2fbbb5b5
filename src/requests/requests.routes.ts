import { Router, type Request, type Response } from 'express';
import type { WebDeps } from '../deps.ts';
import { AppError, NotFoundError, RateLimitedError, ValidationError, type FieldErrors } from '../errors.ts';
import { pageLocale } from './page-locale.ts';
import { keepFormOnFailure, renderPage } from './customer-page.ts';
import { translate } from '../i18n/i18n.ts';
import { clientAddressKey } from '../identifiers/network.ts';
import { normaliseReference } from './reference.ts';
import { fieldMessages, requestFormView } from './request-form.ts';
import { admitIntakeFrom, fileRecoveryRequest, findRequestForCustomer } from './requests.service.ts';
import { readUpload } from './upload-reader.ts';
import { customerView } from './customer-view.ts';
import { replyAsCustomer } from './customer-reply.service.ts';
import { statusPageView } from './status-page.ts';
import type { RecoveryRequestRow } from './requests.repository.ts';

interface ReplyView {
  errors?: FieldErrors;
  message?: string;
}

function bearer(req: Request): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
  return match?.[1];
}

export function requestRoutes(deps: WebDeps): Router {
  const router = Router();

  /**
   * The customer's request. Wrong references and tokens count against the client's address (by
   * clientAddressKey: an IPv6 /64 is one client) and against the reference. A blocked address is
   * refused before its token is looked at; a reference many addresses guess at refuses only wrong
   * tokens, so its customer, holding the right one, still gets in.
   */
  async function findForClient(req: Request, reference: string, token: string | undefined) {
    const clientAddress = clientAddressKey(req.ip);
    const wait = await deps.statusTokenLimits.blockedFor(clientAddress);
    if (wait !== null) throw new RateLimitedError(wait);
    try {
      return await findRequestForCustomer(deps, reference, token);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      const referenceWait = await deps.statusTokenLimits.wrong(clientAddress, normaliseReference(reference));
      if (referenceWait !== null) throw new RateLimitedError(referenceWait);
      throw error;
    }
  }

  router.get('/recover', (req, res) => {
    renderPage(req, res, deps.templates, 'recover', requestFormView(pageLocale(req), {}));
  });

  router.post('/recover', async (req, res) => {
    await admitIntakeFrom(deps, req.ip ?? 'unknown');
    const upload = await readUpload(req, res, deps.config.dataDir);
    const input = (req.body ?? {}) as Record<string, unknown>;
    const locale = pageLocale(req, { chosen: input.locale });
    const attached = upload.attachment !== undefined || upload.refusal !== undefined;
    keepFormOnFailure(res, { page: 'recover', view: { ...requestFormView(locale, input), attached } });
    try {
      const filed = await fileRecoveryRequest(deps, {
        input,
        locale,
        clientIp: req.ip ?? 'unknown',
        channel: 'form',
        attachment: upload.attachment ?? upload.refusal,
      }).finally(upload.discard); // before the answer: the client may look at once
      const statusPage = new URL(filed.statusUrl);
      res.redirect(303, `${statusPage.pathname}${statusPage.search}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      renderPage(req, res, deps.templates, 'recover', requestFormView(locale, input, error.fields), 422);
    }
  });

  /**
   * The status page: where the request stands, its outcome once closed, the conversation, and a
   * form while the customer may write (an answer, or a message that reopens a closed request).
   */
  async function renderStatus(
    req: Request,
    res: Response,
    row: RecoveryRequestRow,
    token: string,
    reply: ReplyView = {},
  ) {
    const locale = pageLocale(req, { stored: row.locale });
    res.set('Cache-Control', 'no-store');
    renderPage(
      req,
      res,
      deps.templates,
      'status',
      {
        locale,
        title: translate(locale, 'status.title', { reference: row.reference }),
        ...(await statusPageView(deps.db, row, locale)),
        replyAction: `/requests/${row.reference}/reply?token=${encodeURIComponent(token)}`,
        replyErrors: reply.errors ? fieldMessages(locale, reply.errors) : {},
        replyMessage: reply.message ?? '',
        replySent: req.query.replied === '1',
      },
      reply.errors ? 422 : 200,
    );
  }

  router.get('/requests/:reference', async (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token : undefined;
    await renderStatus(req, res, await findForClient(req, req.params.reference, token), token ?? '');
  });

  // The customer's answer to a technician's question (text and an optional proof of purchase).
  router.post('/requests/:reference/reply', async (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token : undefined;
    await findForClient(req, req.params.reference, token);
    const upload = await readUpload(req, res, deps.config.dataDir);
    const message = (req.body as Record<string, unknown> | undefined)?.message;
    try {
      const attachment = upload.attachment ?? upload.refusal;
      const done = await replyAsCustomer(deps, req.params.reference, token, { message, attachment }).finally(
        upload.discard,
      );
      res.redirect(303, `/requests/${done.reference}?token=${encodeURIComponent(token ?? '')}&replied=1`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const row = await findRequestForCustomer(deps, req.params.reference, token);
      await renderStatus(req, res, row, token ?? '', {
        errors: error.fields,
        message: typeof message === 'string' ? message : '',
      });
    }
  });

  router.post('/api/v1/recovery-requests', async (req, res) => {
    if (!req.is('application/json'))
      throw new AppError('unsupported_media_type', 415, 'Send the request as application/json.');
    const locale = pageLocale(req, { chosen: (req.body as Record<string, unknown> | undefined)?.locale });
    await admitIntakeFrom(deps, req.ip ?? 'unknown');
    try {
      const filed = await fileRecoveryRequest(deps, {
        input: req.body,
        locale,
        clientIp: req.ip ?? 'unknown',
        channel: 'api',
      });
      res.status(201).json({
        reference: filed.reference,
        status: filed.status,
        token: filed.token,
        status_url: filed.statusUrl,
      });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      res
        .status(422)
        .json({ error: error.code, message: error.message, fields: fieldMessages(locale, error.fields) });
    }
  });

  router.get('/api/v1/recovery-requests/:reference', async (req, res) => {
    const row = await findForClient(req, req.params.reference, bearer(req));
    res.set('Cache-Control', 'no-store');
    res.json(customerView(row, pageLocale(req, { stored: row.locale })));
  });

  return router;
}
