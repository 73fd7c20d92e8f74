// The request routes of docs/api.md: submit, list, show one, its errors and manifest, and the
// cancel/pause/resume/retry actions; each is one call of the CoordinatorApi.
import type { CoordinatorApi } from '../coordinator-api.js';
import type { RequestAction } from '../../core/request-types.js';
import type { Page } from '../../state/state-store.js';
import type { RequestState } from '../../core/request-states.js';
import type { TypedApp } from '../typed-app.js';
import { actorOf, askedBy } from '../auth.js';
import { Type } from 'typebox';
import {
  AuditEntrySchema, DEFAULT_LIMIT, DEFAULT_PRIORITY, ERROR_RESPONSES, ManifestEntrySchema, PagingQuery, RequestIdParams, RequestListQuery, RequestSpecBody, RequestViewSchema,
  PlanSchema, StoredErrorSchema, SubmitAnswer, SubmitQuery, pageOf,
} from '../schemas.js';

/** A million file paths of a hundred bytes each, with room to spare; other routes keep fastify's 1 MiB. */
export const SUBMIT_BODY_LIMIT = 128 * 1024 * 1024;
const ACTIONS: readonly RequestAction[] = ['cancel', 'pause', 'resume', 'retry'];
const CancelBody = Type.Object({
  keepPartial: Type.Optional(Type.Boolean({ description: 'keep the partial files of large files for a retry to resume (default: as submitted, else false)' })),
}, { additionalProperties: false });
const ACTION_DOC: Record<RequestAction, string> = {
  cancel: 'from queued, running, finalizing or paused; queued tasks are dropped, tasks in flight are told to stop, and agents remove the partial files of its large files unless keepPartial (in this body, else as submitted) is true',
  pause: 'from queued, running or finalizing; no new task starts, tasks in flight finish',
  resume: 'from paused',
  retry: 'from failed or canceled; the request starts again from a fresh walk',
};

function withNextOffset<T>(page: Page<T>, offset: number): Page<T> & { nextOffset: number | null } {
  const end = offset + page.items.length;
  return { items: page.items, total: page.total, nextOffset: page.items.length > 0 && end < page.total ? end : null };
}

/** ["running", "queued,paused"] -> ["running", "queued", "paused"]; the schema has checked each name. */
function statesOf(state: string[] | undefined): RequestState[] | undefined {
  if (state === undefined) return undefined;
  return [...new Set(state.flatMap((s) => s.split(',')))] as RequestState[];
}

export function requestRoutes(app: TypedApp, api: CoordinatorApi): void {
  app.post('/api/requests', {
    bodyLimit: SUBMIT_BODY_LIMIT,
    schema: {
      operationId: 'submitRequest', summary: 'Submit a request (admin), or plan one (dryRun)', tags: ['requests'], body: RequestSpecBody, querystring: SubmitQuery,
      description: 'Queues a copy of a source to a destination (endpoint:path each) with the sync options; answers 201 with its id and view. ' +
        'With dryRun=1 it queues nothing: it answers 200 with the plan, what the request would copy (files, bytes, for an archive source the volumes to mount) and an estimate of how long.',
      response: { 200: PlanSchema, 201: SubmitAnswer, ...ERROR_RESPONSES },
    },
  }, async (req, reply) => {
    const spec = { ...req.body, priority: req.body.priority ?? DEFAULT_PRIORITY };
    if (req.query.dryRun === '1' || req.query.dryRun === 'true') {
      const plan = await api.plan(spec, req.query.rate === undefined ? {} : { rate: req.query.rate });
      req.log.info({ source: plan.source, destination: plan.destination, token: req.tokenName }, `plan asked by ${askedBy(req)}: ${plan.source} -> ${plan.destination}`);
      return reply.status(200).send(plan);
    }
    const view = await api.submit(spec, actorOf(req));
    req.log.info({ request: view.id, source: view.source, destination: view.destination, token: req.tokenName },
      `request ${view.id} submitted by ${askedBy(req)}: ${view.source} -> ${view.destination}`);
    return reply.status(201).send({ id: view.id, request: view });
  });

  app.get('/api/requests', {
    schema: {
      operationId: 'listRequests', summary: 'List requests, newest first', tags: ['requests'], querystring: RequestListQuery,
      description: 'A page of requests, newest first, of the states asked for (all when none); nextOffset is where the next page starts.',
      response: { 200: pageOf(RequestViewSchema), ...ERROR_RESPONSES },
    },
  }, async (req) => {
    const { limit = DEFAULT_LIMIT, offset = 0 } = req.query;
    const states = statesOf(req.query.state);
    const page = await api.list(states === undefined ? { limit, offset } : { states, limit, offset });
    return withNextOffset(page, offset);
  });

  app.get('/api/requests/:id', {
    schema: {
      operationId: 'getRequest', summary: 'Show one request', tags: ['requests'], params: RequestIdParams,
      description: 'Its state, phase, options, counts of files and bytes, and what it waits for.',
      response: { 200: RequestViewSchema, ...ERROR_RESPONSES },
    },
  }, (req) => api.get(req.params.id));

  app.get('/api/requests/:id/errors', {
    schema: {
      operationId: 'listRequestErrors', summary: "A request's per-file errors", tags: ['requests'], params: RequestIdParams, querystring: PagingQuery,
      description: 'A page of the files that failed: path, error code (docs/errors.md), message and when.',
      response: { 200: pageOf(StoredErrorSchema), ...ERROR_RESPONSES },
    },
  }, async (req) => {
    const { limit = DEFAULT_LIMIT, offset = 0 } = req.query;
    const page = await api.errors(req.params.id, limit, offset);
    const items = page.items.map((e) => ({ path: e.path, code: e.code, message: e.message, at: new Date(e.at).toISOString() }));
    return withNextOffset({ items, total: page.total }, offset);
  });

  app.get('/api/requests/:id/manifest', {
    schema: {
      operationId: 'listRequestManifest', summary: 'What a request moved', tags: ['requests'], params: RequestIdParams, querystring: PagingQuery,
      description: 'A page of the files the request copied, with their sizes and hashes.',
      response: { 200: pageOf(ManifestEntrySchema), ...ERROR_RESPONSES },
    },
  }, async (req) => {
    const { limit = DEFAULT_LIMIT, offset = 0 } = req.query;
    return withNextOffset(await api.manifest(req.params.id, limit, offset), offset);
  });

  app.get('/api/requests/:id/audit', {
    schema: {
      operationId: 'listRequestAudit', summary: "Who submitted a request and took each action on it, oldest first", tags: ['requests'], params: RequestIdParams,
      description: 'The audit trail: each entry names the token that acted, the action and when.',
      querystring: PagingQuery, response: { 200: pageOf(AuditEntrySchema), ...ERROR_RESPONSES },
    },
  }, async (req) => {
    const { limit = DEFAULT_LIMIT, offset = 0 } = req.query;
    const page = await api.audit(req.params.id, limit, offset);
    const items = page.items.map((e) => ({ ...e, at: new Date(e.at).toISOString() }));
    return withNextOffset({ items, total: page.total }, offset);
  });

  app.post('/api/requests/:id/cancel', {
    schema: {
      operationId: 'cancelRequest', summary: 'Cancel a request (admin)', description: ACTION_DOC.cancel,
      tags: ['requests'], params: RequestIdParams, body: CancelBody, response: { 200: RequestViewSchema, ...ERROR_RESPONSES },
    },
    // the body is optional: none is {} (a POST without one is how cancel has always been asked)
    preValidation: (req, _reply, done) => { req.body ??= {}; done(); },
  }, async (req) => {
    const view = await api.act(req.params.id, 'cancel', actorOf(req), req.body.keepPartial === undefined ? {} : { keepPartial: req.body.keepPartial });
    req.log.info({ request: view.id, action: 'cancel', token: req.tokenName }, `request ${view.id}: cancel asked by ${askedBy(req)}`);
    return view;
  });
  for (const action of ACTIONS.filter((a) => a !== 'cancel')) {
    app.post(`/api/requests/:id/${action}`, {
      schema: {
        operationId: `${action}Request`, summary: `${action[0]?.toUpperCase() ?? ''}${action.slice(1)} a request (admin)`, description: ACTION_DOC[action],
        tags: ['requests'], params: RequestIdParams, response: { 200: RequestViewSchema, ...ERROR_RESPONSES },
      },
    }, async (req) => {
      const view = await api.act(req.params.id, action, actorOf(req));
      // the state it leads to is logged as a change of the request; this line says who asked
      req.log.info({ request: view.id, action, token: req.tokenName }, `request ${view.id}: ${action} asked by ${askedBy(req)}`);
      return view;
    });
  }
}
