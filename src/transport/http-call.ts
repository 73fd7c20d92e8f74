// One HTTP(S) call with a text body and a text answer, for the API clients (`barge submit`
// and the rest, `barge agent --coordinator`). node:http(s), not fetch: Node's fetch can
// trust a CA of one's own only through the undici package's dispatcher; https.request
// takes `ca` as it is. Node checks the certificate against the URL's host (an IP address
// against the certificate's IP subjectAltNames).
import * as http from 'node:http';
import * as https from 'node:https';

export interface HttpCallOptions {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** the whole call, answer included, ends with a TimeoutError after this long */
  timeoutMs: number;
  /** PEM of the CA(s) to trust for https:// (else the system's) */
  ca?: string;
  /** ends the call at once, rejecting with the signal's reason */
  signal?: AbortSignal;
}

export interface HttpAnswer {
  status: number;
  statusText: string;
  text: string;
}

/** the error of a call that outlived its timeout: name 'TimeoutError', as fetch's */
function timeoutError(ms: number): Error {
  const e = new Error(`no answer within ${ms / 1000} s`);
  e.name = 'TimeoutError';
  return e;
}

export function httpCall(url: URL, o: HttpCallOptions): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const options: https.RequestOptions = { method: o.method, headers: o.headers, ...(secure && o.ca !== undefined ? { ca: o.ca } : {}) };
    const onAnswer = (res: http.IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', fail);
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', text: Buffer.concat(chunks).toString('utf8') });
      });
    };
    const req = secure ? https.request(url, options, onAnswer) : http.request(url, options, onAnswer);
    function fail(e: Error): void {
      clearTimeout(timer);
      reject(e);
    }
    const timer = setTimeout(() => req.destroy(timeoutError(o.timeoutMs)), o.timeoutMs);
    req.on('error', fail);
    const abort = (): void => { req.destroy(o.signal?.reason instanceof Error ? o.signal.reason : new Error('aborted')); };
    if (o.signal?.aborted === true) abort();
    else o.signal?.addEventListener('abort', abort, { once: true });
    req.on('close', () => o.signal?.removeEventListener('abort', abort));
    req.end(o.body);
  });
}
