// A small typed client of the coordinator's HTTP API (docs/api.md) over node:http(s)
// (transport/http-call.ts: a CA of one's own for https://): bearer token, JSON both
// ways, error answers turned into ServerError.
import { BargeError, ERROR_CODES, type ErrorCode } from '../../core/errors.js';
import { codeOfStatus } from '../../core/error-codes.js';
import type {
  AgentView, AuditEntryView, EndpointView, Listing, Page, RequestAction, RequestError, RequestState, RequestView, SubmitAnswer, SubmitBody,
} from './api-types.js';
import type { RequestPlan } from '../../core/request-types.js';
import type { Connection } from './client-options.js';
import { httpCall, type HttpAnswer } from '../../transport/http-call.js';
import { httpStream } from '../../transport/http-stream.js';
import { EventStreamParser } from '../../core/event-stream-parser.js';
import { tlsProblem } from '../../transport/tls-problem.js';

const TIMEOUT_MS = 30_000;

/** The server answered with a status outside 2xx; `status` is the HTTP status. */
export class ServerError extends BargeError {
  constructor(readonly status: number, readonly serverCode: string, message: string) {
    super(serverCode in ERROR_CODES ? serverCode as ErrorCode : 'E_INTERNAL', `server: ${status} ${serverCode}: ${message}`);
  }
}

const NET_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is `barge serve` running there?)',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** a plan walks the whole source before it answers: a large tree takes minutes */
const PLAN_TIMEOUT_MS = 60 * 60_000;

function unreachable(baseUrl: string, e: unknown, timeoutMs: number): BargeError {
  if (e instanceof Error && e.name === 'TimeoutError') {
    return new BargeError('E_IO', `the coordinator at ${baseUrl} did not answer within ${timeoutMs / 1000}s`);
  }
  const tls = tlsProblem(e, '--tls-ca FILE or BARGE_CA');
  const code = e instanceof Error && 'code' in e ? String((e as { code: unknown }).code) : undefined;
  let why = tls ?? (code !== undefined ? NET_REASONS[code] ?? (e as Error).message : e instanceof Error ? e.message : String(e));
  // an HTTPS server drops a plain HTTP request without a word
  if (code === 'ECONNRESET' && baseUrl.startsWith('http:')) why += ' (if the server speaks HTTPS, use https://)';
  return new BargeError('E_IO', `cannot reach the coordinator at ${baseUrl}: ${why}`, { cause: e });
}

function errorOf(status: number, statusText: string, text: string, hint: string): ServerError {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    const err = body.error;
    if (typeof err?.code === 'string') {
      return new ServerError(status, err.code, (typeof err.message === 'string' ? err.message : JSON.stringify(err.message ?? '')) + hint);
    }
  } catch { /* not JSON: a proxy's page, say */ }
  return new ServerError(status, 'HTTP', `${statusText || 'error'}${text.trim() === '' ? '' : ` (${text.trim().slice(0, 200)})`}${hint}`);
}

export class ApiClient {
  constructor(private readonly conn: Connection) {}

  get baseUrl(): string { return this.conn.baseUrl; }

  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = TIMEOUT_MS): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.conn.token !== undefined) headers.authorization = `Bearer ${this.conn.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: HttpAnswer;
    try {
      res = await httpCall(new URL(this.conn.baseUrl + path), {
        method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), timeoutMs,
        ...(this.conn.ca === undefined ? {} : { ca: this.conn.ca }),
      });
    } catch (e) {
      throw unreachable(this.conn.baseUrl, e, timeoutMs);
    }
    const text = res.text;
    if (res.status < 200 || res.status > 299) {
      const hint = codeOfStatus(res.status) === 'E_AUTH' && this.conn.token === undefined ? ' (no token given: set BARGE_TOKEN or use --token-file)' : '';
      throw errorOf(res.status, res.statusText, text, hint);
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new BargeError('E_INTERNAL', `server: ${res.status} answer to ${method} ${path} is not JSON: ${text.slice(0, 200)}`);
    }
  }

  submit(body: SubmitBody): Promise<SubmitAnswer> {
    return this.call('POST', '/api/requests', body);
  }

  /** the plan of a request (POST /api/requests?dryRun=1): nothing is queued; `rate`: bytes/s to reckon the transfer at */
  plan(body: SubmitBody, rate?: number): Promise<RequestPlan> {
    return this.call('POST', `/api/requests?dryRun=1${rate === undefined ? '' : `&rate=${rate}`}`, body, PLAN_TIMEOUT_MS);
  }

  requests(q: { states?: readonly RequestState[]; limit?: number; offset?: number } = {}): Promise<Page<RequestView>> {
    const params = new URLSearchParams();
    if (q.states && q.states.length > 0) params.set('state', q.states.join(','));
    if (q.limit !== undefined) params.set('limit', String(q.limit));
    if (q.offset !== undefined && q.offset > 0) params.set('offset', String(q.offset));
    const qs = params.toString();
    return this.call('GET', `/api/requests${qs === '' ? '' : `?${qs}`}`);
  }

  /** every page of GET /api/requests, following nextOffset */
  async allRequests(states: readonly RequestState[]): Promise<RequestView[]> {
    const out: RequestView[] = [];
    let offset: number | null = 0;
    while (offset !== null) {
      const page: Page<RequestView> = await this.requests({ states, offset });
      out.push(...page.items);
      offset = page.items.length === 0 ? null : page.nextOffset;
    }
    return out;
  }

  /**
   * Follows GET /api/events: `onView` gets each request's view as it changes. `onOpen` once
   * the stream is open; `onEnd` once when it ends or cannot be had (an older coordinator, a
   * proxy that buffers). Returns the function that closes it.
   */
  requestEvents(h: { onOpen(): void; onView(v: RequestView): void; onEnd(): void }): () => void {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.conn.token !== undefined) headers.authorization = `Bearer ${this.conn.token}`;
    const parser = new EventStreamParser();
    return httpStream(new URL(this.conn.baseUrl + '/api/events'), {
      headers, ...(this.conn.ca === undefined ? {} : { ca: this.conn.ca }),
      onOpen: () => h.onOpen(),
      onText: (text) => {
        for (const e of parser.push(text)) {
          if (e.event !== 'request') continue;
          try { h.onView(JSON.parse(e.data) as RequestView); } catch { /* not a view: skipped */ }
        }
      },
      onEnd: () => h.onEnd(),
    });
  }

  request(id: string): Promise<RequestView> {
    return this.call('GET', `/api/requests/${encodeURIComponent(id)}`);
  }

  errors(id: string, limit: number): Promise<Page<RequestError>> {
    return this.call('GET', `/api/requests/${encodeURIComponent(id)}/errors?limit=${limit}`);
  }

  audit(id: string, limit: number): Promise<Page<AuditEntryView>> {
    return this.call('GET', `/api/requests/${encodeURIComponent(id)}/audit?limit=${limit}`);
  }

  agents(): Promise<{ items: AgentView[] }> {
    return this.call('GET', '/api/agents');
  }

  act(id: string, action: RequestAction, body?: { keepPartial: boolean }): Promise<RequestView> {
    return this.call('POST', `/api/requests/${encodeURIComponent(id)}/${action}`, body);
  }

  setPriority(id: string, priority: number): Promise<RequestView> {
    return this.call('POST', `/api/requests/${encodeURIComponent(id)}/priority`, { priority });
  }

  endpoints(): Promise<{ items: EndpointView[] }> {
    return this.call('GET', '/api/endpoints');
  }

  ls(endpoint: string, path: string): Promise<Listing> {
    return this.call('GET', `/api/endpoints/${encodeURIComponent(endpoint)}/ls?path=${encodeURIComponent(path)}`);
  }
}
