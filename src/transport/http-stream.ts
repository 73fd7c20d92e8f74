// One HTTP(S) GET whose answer is a stream that stays open (server-sent events): each piece
// of its body is handed on as it arrives, until either side closes it. The same node:http(s)
// and CA handling as http-call.ts.
import * as http from 'node:http';
import * as https from 'node:https';

export interface HttpStreamOptions {
  headers: Record<string, string>;
  /** PEM of the CA(s) to trust for https:// (else the system's) */
  ca?: string;
  /** a 2xx answer started: the stream is open */
  onOpen(): void;
  onText(text: string): void;
  /** the stream ended, was refused (`status` outside 2xx) or failed: called once */
  onEnd(why: { status?: number; error?: Error }): void;
}

/** Opens the stream; the function it returns closes it (onEnd is not called then). */
export function httpStream(url: URL, o: HttpStreamOptions): () => void {
  let over = false;
  const end = (why: { status?: number; error?: Error }): void => {
    if (over) return;
    over = true;
    o.onEnd(why);
  };
  const secure = url.protocol === 'https:';
  const options: https.RequestOptions = { method: 'GET', headers: o.headers, ...(secure && o.ca !== undefined ? { ca: o.ca } : {}) };
  const onAnswer = (res: http.IncomingMessage): void => {
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) {
      res.resume();
      end({ status });
      req.destroy();
      return;
    }
    res.setEncoding('utf8');
    o.onOpen();
    res.on('data', (t: string) => { if (!over) o.onText(t); });
    res.on('error', (e) => end({ error: e }));
    res.on('end', () => end({}));
    res.on('close', () => end({}));
  };
  const req = secure ? https.request(url, options, onAnswer) : http.request(url, options, onAnswer);
  req.on('error', (e) => end({ error: e }));
  req.end();
  return () => {
    over = true;
    req.destroy();
  };
}
