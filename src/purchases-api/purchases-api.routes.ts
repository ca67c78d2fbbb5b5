import { Router, type Request, type Response } from 'express';
import { currentUser, requireToken } from '../auth/require-token.ts';
import { requireScope } from '../auth/token-scopes.ts';
import type { WebDeps } from '../deps.ts';
import { readLicenseNumber } from '../purchases/purchase-row.ts';
import { batchRecords, readBatchBody, readRecordBody } from './purchases-api.body.ts';
import { pushPurchases, type PushCall } from './purchases-api.service.ts';
import type { PushedRecord } from '../purchases/purchases.push.ts';

/**
 * The purchases API (README "Purchases by API"), mounted at /api/v1 before the app's own body
 * parsers: the token and its scope are checked before a byte of the body is read, and a batch
 * may be larger than the app's 64 kB.
 */
export function purchaseApiRoutes(deps: WebDeps): Router {
  const router = Router();
  router.use('/purchases', requireToken(deps), (_req, res, next) => {
    requireScope(currentUser(res), 'purchases:write');
    next();
  });

  // One record at its licence number: 201 created, 200 updated or unchanged, 422 with its fields.
  router.put('/purchases/:license_number', readRecordBody, async (req, res) => {
    const licenseNumber = readLicenseNumber(String(req.params.license_number));
    const { answers } = await push(deps, req, res, 'put', [{ value: req.body as unknown, licenseNumber }]);
    const answer = answers[0]!;
    if ('result' in answer) return void res.status(answer.result === 'created' ? 201 : 200).json(answer);
    res.status(422).json({ ...answer, message: 'The purchase record is not valid: nothing was stored.' });
  });

  // Up to 1,000 records: 200 with an answer per record, in the order sent, and the counts.
  router.post('/purchases/batch', readBatchBody, async (req, res) => {
    const records = batchRecords(req.body, Boolean(req.is('application/x-ndjson')));
    const { answers, counts } = await push(deps, req, res, 'batch', records);
    res.json({ results: answers, counts });
  });

  return router;
}

async function push(deps: WebDeps, req: Request, res: Response, via: PushCall, records: PushedRecord[]) {
  const call = { via, records, address: req.ip ?? null };
  const outcome = await pushPurchases(deps.db, deps.config.secretKey, currentUser(res), call);
  if (outcome.rematched) deps.relay.wake();
  return outcome;
}
