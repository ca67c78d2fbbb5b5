/**
 * A worker thread of `desk import` (see row-workers.ts): prepares each batch it is sent and
 * answers with the result, in the order the batches came.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { batchPreparer, type PreparedBatch } from './purchase-batch.ts';
import type { RowWorkerData, RowWorkerMessage } from './row-workers.ts';

const { secretKey } = workerData as RowWorkerData;
let prepare: ((message: RowWorkerMessage & { kind: 'batch' }) => PreparedBatch) | undefined;
parentPort!.on('message', (message: RowWorkerMessage) => {
  if (message.kind === 'repeated') prepare = batchPreparer(secretKey, message.lastLines);
  else parentPort!.postMessage(prepare!(message));
});
