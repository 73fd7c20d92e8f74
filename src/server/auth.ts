// Bearer-token check on every route but the public ones (GET /healthz): an unknown or missing
// token is 401, a read (or agent) token on a route that changes something is 403.
import { anonymousActor } from '../core/request-audit.js';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TokenConfig, TokenRole } from '../config/service-config.js';
import { BargeError } from '../core/errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** true: the route answers without a token (health checks by load balancers) */
    public?: boolean;
  }
  interface FastifyRequest {
    /** the name of the token the request carried ([[tokens]] name), for log lines; undefined without auth */
    tokenName?: string;
  }
}

export interface KnownToken { name: string; role: TokenRole; digest: Buffer }

/** the configured tokens as the checks compare them */
export function knownTokens(tokens: readonly TokenConfig[]): KnownToken[] {
  return tokens.map((t) => ({ name: t.name, role: t.role, digest: digest(t.secret) }));
}

/** who a dashboard session cookie stands for (pages/sessions.ts); it may only read the API */
export type SessionOf = (req: FastifyRequest) => { name: string; role: TokenRole } | undefined;

/** who made a call: the name of the token it carried; anonymous@ADDRESS without one (auth off, a public route) */
export function actorOf(req: FastifyRequest): string {
  return req.tokenName ?? anonymousActor(req.ip);
}

/** Methods that only read; every other method needs an admin token. */
const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

/**
 * Secrets are compared as SHA-256 digests: equal-length buffers for timingSafeEqual, so neither the
 * secret's bytes nor its length show in the answer time.
 */
function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export function bearerSecret(header: string | undefined): string | undefined {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return m?.[1];
}

/** the calls of agents on other hosts (routes/agent-routes.ts) */
export const AGENT_ROUTE_PREFIX = '/api/agent/';

export function roleMayCall(role: TokenRole, method: string, url = ''): boolean {
  // an agent token (and an admin one) may lease and report; a read token may not
  if (url.startsWith(AGENT_ROUTE_PREFIX)) return role === 'agent' || role === 'admin';
  return role === 'admin' || READ_METHODS.has(method);
}

/** The token a request carries, or undefined when it carries none the service knows. */
export function matchToken<T extends { digest: Buffer }>(tokens: readonly T[], secret: string | undefined): T | undefined {
  if (secret === undefined) return undefined;
  const given = digest(secret);
  let found: T | undefined;
  // no early exit: every token is compared, whichever matches
  for (const t of tokens) {
    if (timingSafeEqual(t.digest, given) && found === undefined) found = t;
  }
  return found;
}

/** The role of the token a request carries, or undefined when it carries none the service knows. */
export function tokenRole(tokens: readonly { role: TokenRole; digest: Buffer }[], secret: string | undefined): TokenRole | undefined {
  return matchToken(tokens, secret)?.role;
}

function check(req: FastifyRequest, tokens: readonly KnownToken[], sessionOf: SessionOf | undefined): void {
  if (req.routeOptions.config.public === true) return;
  const url = req.routeOptions.url ?? req.url.split('?')[0] ?? '';
  // a browser's EventSource and fetch send the dashboard's cookie, not a bearer token: a session reads
  // (GET, HEAD), never changes, through the API; the dashboard's own forms carry a CSRF token for that
  const viaCookie = req.headers.authorization === undefined && READ_METHODS.has(req.method) && !url.startsWith(AGENT_ROUTE_PREFIX)
    ? sessionOf?.(req) : undefined;
  const token = viaCookie ?? matchToken(tokens, bearerSecret(req.headers.authorization));
  if (token === undefined) {
    // an operator sees who knocks with what; never the secret
    const missing = req.headers.authorization === undefined;
    req.log.warn({ route: `${req.method} ${url}`, from: req.ip }, `refused ${req.method} ${url} from ${req.ip}: ${missing ? 'no API token' : 'unknown API token'}`);
    throw new BargeError('E_AUTH', missing ? 'an API token is needed: send Authorization: Bearer <secret>' : 'unknown API token');
  }
  req.tokenName = token.name;
  if (!roleMayCall(token.role, req.method, url)) {
    const needs = url.startsWith(AGENT_ROUTE_PREFIX) ? 'an agent (or admin) token' : 'an admin token';
    req.log.warn({ route: `${req.method} ${url}`, token: token.name, role: token.role, from: req.ip },
      `refused ${req.method} ${url} from ${req.ip}: token '${token.name}' is a ${token.role} token; it needs ${needs}`);
    throw new BargeError('E_FORBIDDEN', `a ${token.role} token may not ${req.method} ${url}: it needs ${needs}`);
  }
}

/** who asked, in log lines: the token's name, or "anyone" when auth is off */
export function askedBy(req: FastifyRequest): string {
  return req.tokenName === undefined ? 'anyone (auth off)' : `token '${req.tokenName}'`;
}

/** With `auth` false (a laptop, tests) every request is treated as admin. */
export function installAuth(app: FastifyInstance, o: { tokens: readonly TokenConfig[]; auth: boolean; sessionOf?: SessionOf }): void {
  if (!o.auth) return;
  const tokens = knownTokens(o.tokens);
  app.addHook('onRequest', (req, _reply, done) => {
    try {
      check(req, tokens, o.sessionOf);
      done();
    } catch (e) {
      done(e as Error);
    }
  });
}
