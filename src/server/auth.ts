// Bearer-token check on every route but the public ones (GET /healthz): an unknown or missing
// token is 401, a read (or agent) token on a route that changes something is 403. Each call
// is told who made it (its actor): the token's name, for the audit trail of requests.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TokenConfig, TokenRole } from '../config/service-config.js';
import { BargeError } from '../core/errors.js';
import { anonymousActor } from '../core/request-audit.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** true: the route answers without a token (health checks by load balancers) */
    public?: boolean;
  }
}

/** who made a call: the name of the token it carried; anonymous@ADDRESS without one (auth off, a public route) */
export function actorOf(req: FastifyRequest): string {
  return ACTORS.get(req) ?? anonymousActor(req.ip);
}

/** the token each call carried, by the call: no property on fastify's request object to declare */
const ACTORS = new WeakMap<FastifyRequest, string>();

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

interface KnownToken { name: string; role: TokenRole; digest: Buffer }

/** The token a request carries, or undefined when it carries none the service knows. */
export function tokenOf<T extends { digest: Buffer }>(tokens: readonly T[], secret: string | undefined): T | undefined {
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
  return tokenOf(tokens, secret)?.role;
}

function check(req: FastifyRequest, tokens: readonly KnownToken[]): void {
  if (req.routeOptions.config.public === true) return;
  const token = tokenOf(tokens, bearerSecret(req.headers.authorization));
  if (token === undefined) {
    throw new BargeError('E_AUTH', req.headers.authorization === undefined
      ? 'an API token is needed: send Authorization: Bearer <secret>' : 'unknown API token');
  }
  const role = token.role;
  const url = req.routeOptions.url ?? req.url;
  if (!roleMayCall(role, req.method, url)) {
    const needs = url.startsWith(AGENT_ROUTE_PREFIX) ? 'an agent (or admin) token' : 'an admin token';
    throw new BargeError('E_FORBIDDEN', `a ${role} token may not ${req.method} ${url}: it needs ${needs}`);
  }
  ACTORS.set(req, token.name);
}

/** With `auth` false (a laptop, tests) every request is treated as admin. */
export function installAuth(app: FastifyInstance, o: { tokens: readonly TokenConfig[]; auth: boolean }): void {
  if (!o.auth) return;
  const tokens = o.tokens.map((t) => ({ name: t.name, role: t.role, digest: digest(t.secret) }));
  app.addHook('onRequest', (req, _reply, done) => {
    try {
      check(req, tokens);
      done();
    } catch (e) {
      done(e as Error);
    }
  });
}
