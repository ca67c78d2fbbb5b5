import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { SIGNATURE_HEADER, signatureOf } from '../integrations/signature.ts';
import type { ResolvedAddress } from './url-guard.ts';

export const DELIVERY_HEADER = 'Recovery-Desk-Delivery';

/** What one attempt got: the receiver's status, or why there was none. */
export type PostResult = { status: number; error?: undefined } | { status?: undefined; error: string };

/**
 * POSTs `body` to `url`, signed, connecting to `address` (checked by the URL guard) whatever DNS
 * says now; TLS still checks the certificate against the URL's host name. Never throws.
 */
export function postSigned(
  url: URL,
  address: ResolvedAddress,
  delivery: { id: number; body: string; secret: string },
  timeoutMs: number,
): Promise<PostResult> {
  const pinned: LookupFunction = (_host, options, callback) => {
    if (options.all) callback(null, [address]);
    else callback(null, address.address, address.family);
  };
  const headers = {
    'Content-Type': 'application/json',
    'User-Agent': 'Recovery-Desk-Webhooks',
    [SIGNATURE_HEADER]: signatureOf(delivery.secret, delivery.body, Math.floor(Date.now() / 1000)),
    [DELIVERY_HEADER]: String(delivery.id),
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const request = client.request(url, {
      method: 'POST',
      headers,
      lookup: pinned,
      agent: false,
      signal: AbortSignal.timeout(timeoutMs),
    });
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0 }));
      response.on('error', () => resolve({ status: response.statusCode ?? 0 }));
    });
    request.on('error', (error) =>
      resolve({ error: error.name === 'AbortError' ? `no answer within ${timeoutMs} ms` : error.message }),
    );
    request.end(delivery.body);
  });
}
