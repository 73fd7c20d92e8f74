// The operator's web dashboard at / (docs in README, "Web dashboard"): server-rendered pages,
// htmx for the parts that refresh or act, uPlot for the charts, the API's server-sent events
// for live numbers. Registered in its own fastify scope, so its form parser does not reach the API.
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TokenConfig } from '../../config/service-config.js';
import { BargeError } from '../../core/errors.js';
import { REQUEST_ACTIONS } from '../../core/request-states.js';
import type { CoordinatorApi } from '../coordinator-api.js';
import { errorAnswer } from '../error-handling.js';
import { agentsBody } from './agents-page.js';
import { assetRoutes } from './assets.js';
import { html, page, PAGE_CSP, type Html } from './html.js';
import { loginRoutes } from './login-routes.js';
import { overviewBody, overviewLive } from './overview-page.js';
import { actionsPart, auditPart, counters, errorsPart, manifestPart, requestBody, stagingPart } from './request-page.js';
import { requestList, requestsBody, type ListQuery } from './requests-page.js';
import { actor, sessionOf, viewer, type GuardOptions } from './session-guard.js';
import type { Session } from './sessions.js';
import { priorityOf, specOf } from './submit-form.js';

export interface DashboardOptions extends GuardOptions {
  api: CoordinatorApi;
  tokens: readonly TokenConfig[];
  now?: () => number;
}

const HTML = 'text/html; charset=utf-8';
/** pages answer without a bearer token (the session cookie stands for it) and stay out of the OpenAPI document */
const PAGE = { config: { public: true }, schema: { hide: true } };

const isHtmx = (req: FastifyRequest): boolean => req.headers['hx-request'] === 'true';

/** a form's fields; none when a POST came without a body */
function fieldsOf(req: FastifyRequest): Record<string, unknown> {
  return typeof req.body === 'object' && req.body !== null ? req.body as Record<string, unknown> : {};
}

/**
 * a POST from another site is refused even with a session (SameSite=Strict and the CSRF token are
 * the main guards); hosts are compared, not schemes: behind a TLS proxy the page is https and this
 * server sees http
 */
function sameOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try { return new URL(origin).host === req.host; } catch { return false; }
}

function failure(req: FastifyRequest, reply: FastifyReply, e: unknown, s: Session | undefined, o: DashboardOptions): FastifyReply {
  const a = errorAnswer(e);
  if (a.internal) req.log.error({ err: e }, 'dashboard call failed');
  const text = html`<p class="error" role="alert"><code>${a.body.error.code}</code> ${a.body.error.message}</p>`;
  // htmx (4) swaps error answers into the page too, so the message shows where the form is
  return reply.status(a.status).type(HTML).send(isHtmx(req) ? text.text : page('Error', s, text, { auth: o.auth }));
}

export async function dashboard(app: FastifyInstance, o: DashboardOptions): Promise<void> {
  const now = o.now ?? Date.now;
  await app.register(formbody);
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      void reply.header('content-security-policy', PAGE_CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'same-origin');
    }
    done(null, payload);
  });
  assetRoutes(app);
  loginRoutes(app, o.tokens, o);

  /** a full page (or, asked by htmx, its fragment) for the viewer */
  const pageRoute = (url: string, title: (req: FastifyRequest) => string, body: (req: FastifyRequest, s: Session) => Promise<Html>, current?: string): void => {
    app.get(url, PAGE, async (req, reply) => {
      const s = viewer(req, reply, o);
      if (s === undefined) return reply;
      try {
        const b = await body(req, s);
        return reply.type(HTML).header('cache-control', 'no-store').send(page(title(req), s, b, { ...(current ? { current } : {}), auth: o.auth }));
      } catch (e) { return failure(req, reply, e, s, o); }
    });
  };
  const fragmentRoute = (url: string, body: (req: FastifyRequest, s: Session) => Promise<Html>): void => {
    app.get(url, PAGE, async (req, reply) => {
      const s = sessionOf(req, o);
      if (s === undefined) return reply.status(401).type('text/plain').send('not logged in');
      try {
        return reply.type(HTML).header('cache-control', 'no-store').send((await body(req, s)).text);
      } catch (e) { return failure(req, reply, e, s, o); }
    });
  };
  const idOf = (req: FastifyRequest): string => (req.params as { id: string }).id;

  pageRoute('/', () => 'Overview', () => overviewBody(o.api, now()), '/');
  pageRoute('/requests', () => 'Requests', (req, s) => requestsBody(o.api, req.query as ListQuery, s, now()), '/requests');
  pageRoute('/requests/:id', (req) => `Request ${idOf(req)}`, async (req, s) => requestBody(o.api, await o.api.get(idOf(req)), s));
  pageRoute('/agents', () => 'Agents and sites', async () => html`<div id="agents-live" hx-get="/ui/agents" hx-trigger="every 3s" hx-swap="innerHTML">${await agentsBody(o.api, now())}</div>`, '/agents');
  fragmentRoute('/ui/overview', () => overviewLive(o.api, now()));
  fragmentRoute('/ui/agents', () => agentsBody(o.api, now()));
  fragmentRoute('/ui/requests', (req) => requestList(o.api, req.query as ListQuery, now()));
  fragmentRoute('/ui/requests/:id/actions', async (req, s) => actionsPart(await o.api.get(idOf(req)), s));
  fragmentRoute('/ui/requests/:id/counters', async (req) => counters(await o.api.get(idOf(req))));
  fragmentRoute('/ui/requests/:id/staging', async (req) => stagingPart(await o.api.get(idOf(req))));
  fragmentRoute('/ui/requests/:id/errors', (req) => errorsPart(o.api, idOf(req)));
  fragmentRoute('/ui/requests/:id/audit', (req) => auditPart(o.api, idOf(req)));
  fragmentRoute('/ui/requests/:id/manifest', (req) => {
    const n = Number((req.query as { offset?: string }).offset ?? 0);
    return manifestPart(o.api, idOf(req), Number.isInteger(n) && n >= 0 ? n : 0);
  });

  /** an admin's action: checked (origin, session, role, CSRF), done through the api, then the page reloads */
  const actionRoute = (url: string, act: (req: FastifyRequest, s: Session) => Promise<{ done: string; to: string }>): void => {
    app.post(url, PAGE, async (req, reply) => {
      const s = sessionOf(req, o);
      try {
        if (!sameOrigin(req)) throw new BargeError('E_FORBIDDEN', 'a dashboard action must come from a page of this coordinator');
        const who = actor(req, o);
        const { done, to } = await act(req, who);
        req.log.info({ token: who.name, via: 'dashboard' }, `${done} by token '${who.name}' (dashboard)`);
        if (isHtmx(req)) return reply.header('hx-redirect', to).type(HTML).send(html`<p class="ok">${done}</p>`.text);
        return reply.redirect(to, 303);
      } catch (e) { return failure(req, reply, e, s, o); }
    });
  };
  actionRoute('/ui/submit', async (req, s) => {
    const v = await o.api.submit(specOf(fieldsOf(req)), s.name);
    return { done: `request ${v.id} submitted: ${v.source} -> ${v.destination}`, to: `/requests/${encodeURIComponent(v.id)}` };
  });
  actionRoute('/ui/requests/:id/act', async (req, s) => {
    const id = idOf(req);
    const body = fieldsOf(req);
    const to = `/requests/${encodeURIComponent(id)}`;
    if (body.action === 'priority') {
      const v = await o.api.setPriority(id, priorityOf(body), s.name);
      return { done: `request ${id}: priority ${v.priority}`, to };
    }
    const action = REQUEST_ACTIONS.find((a) => a === body.action);
    if (action === undefined) throw new BargeError('E_BAD_INPUT', `action: expected one of ${[...REQUEST_ACTIONS, 'priority'].join(', ')}`);
    await o.api.act(id, action, s.name);
    return { done: `request ${id}: ${action}`, to };
  });
}
