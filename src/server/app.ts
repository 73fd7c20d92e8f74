// The fastify app of `barge serve`: auth, error answers, OpenAPI and every route of docs/api.md,
// built but not listening (the caller listens; tests inject).
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { TokenConfig } from '../config/service-config.js';
import type { CoordinatorApi } from './coordinator-api.js';
import { installAuth } from './auth.js';
import { formatSchemaErrors, frameworkErrorReply, installErrorHandling } from './error-handling.js';
import { agentRoutes } from './routes/agent-routes.js';
import { endpointRoutes } from './routes/endpoints.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { requestRoutes } from './routes/requests.js';
import { openApiHeader } from './openapi-header.js';
import { requestExtraRoutes } from './routes/request-extras.js';
import { ERROR_RESPONSES } from './schemas.js';
import { dashboard } from './pages/dashboard.js';
import { SESSION_COOKIE, SessionStore } from './pages/sessions.js';

export interface ServerOptions {
  api: CoordinatorApi;
  tokens: TokenConfig[];
  /** false: no token is asked for and every caller is admin (a laptop, tests) */
  auth: boolean;
  /** barge's version, shown in the OpenAPI document */
  version: string;
  /** the service's pino logger (cli hands it); without one the app logs nothing (tests) */
  logger?: FastifyBaseLogger;
  /** PEM certificate and key: the API speaks HTTPS only */
  https?: { cert: string; key: string };
  /** reverse proxies (addresses, CIDR ranges) whose X-Forwarded-For names the client; none: the peer is the client */
  trustProxy?: string[];
}

/** the API call's line, at debug: agents poll for leases several times a minute, and info is for what an operator acts on */
function logCalls(app: FastifyInstance): void {
  app.addHook('onResponse', (req, reply, done) => {
    // a bug is logged at error where it happens (error-handling.ts), a refused token at warn by auth.ts, and
    // a database that is away by the coordinator's loops: a 503 per call would bury those lines
    req.log.debug({ route: `${req.method} ${req.routeOptions.url ?? req.url}`, status: reply.statusCode, ms: Math.round(reply.elapsedTime), token: req.tokenName },
      `${req.method} ${req.url} ${reply.statusCode}`);
    done();
  });
}

export async function buildServer(o: ServerOptions): Promise<FastifyInstance> {
  // with https fastify's type is FastifyInstance<https.Server>; routes and hooks are the same
  const app = Fastify({
    ...(o.https ? { https: { cert: o.https.cert, key: o.https.key } } : {}),
    // only the named proxies: X-Forwarded-For from anyone else is ignored (it could be made up)
    ...(o.trustProxy && o.trustProxy.length > 0 ? { trustProxy: o.trustProxy } : {}),
    ...(o.logger === undefined ? { logger: false } : { loggerInstance: o.logger, logController: new LogController({ disableRequestLogging: true }) }),
    // request ids may be 128 characters; fastify's default refuses path parameters above 100 with 414
    routerOptions: { maxParamLength: 256 },
    // unknown properties are refused (400), not silently dropped as fastify's default would
    ajv: { customOptions: { removeAdditional: false } },
    schemaErrorFormatter: formatSchemaErrors,
    frameworkErrors: frameworkErrorReply,
  });
  installErrorHandling(app);
  if (o.logger !== undefined) logCalls(app);
  // the dashboard's session cookie: it also lets the browser's EventSource and fetch read the API
  await app.register(cookie);
  const sessions = new SessionStore();
  const guard = { sessions, auth: o.auth, secure: o.https !== undefined };
  installAuth(app, { ...o, sessionOf: (req) => sessions.get(req.cookies[SESSION_COOKIE]) });
  await app.register(swagger, { openapi: openApiHeader(o.version) });

  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  typed.get('/api/openapi.json', {
    schema: {
      operationId: 'getOpenApi', summary: 'This API as OpenAPI 3', tags: ['health'],
      description: 'This document, generated from the schemas each route checks its input and output with.',
      response: { 200: Type.Unknown({ description: 'the OpenAPI 3 document' }), ...ERROR_RESPONSES },
    },
  }, () => app.swagger());
  requestRoutes(typed, o.api);
  requestExtraRoutes(typed, o.api);
  endpointRoutes(typed, o.api);
  eventRoutes(typed, o.api);
  healthRoutes(typed, o.api);
  metricsRoutes(typed, o.api);
  agentRoutes(typed, o.api);
  await app.register(dashboard, { ...guard, api: o.api, tokens: o.tokens });
  return app;
}
