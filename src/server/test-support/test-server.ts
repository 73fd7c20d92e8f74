// FOR THE HTTP-LAYER TESTS ONLY: builds the server over a FakeCoordinatorApi with one token per role.
import type { FastifyInstance } from 'fastify';
import type { TokenConfig, TokenRole } from '../../config/service-config.js';
import { buildServer } from '../app.js';
import { FakeCoordinatorApi } from './fake-coordinator-api.js';

export const TOKENS: TokenConfig[] = [
  { name: 'ops', secret: 'admin-secret-0123456789', role: 'admin' },
  { name: 'viewer', secret: 'read-secret-0123456789', role: 'read' },
  { name: 'agents', secret: 'agent-secret-0123456789', role: 'agent' },
];

export function bearer(role: TokenRole): { authorization: string } {
  const t = TOKENS.find((x) => x.role === role);
  if (t === undefined) throw new Error(`no test token for ${role}`);
  return { authorization: `Bearer ${t.secret}` };
}

export const ADMIN = bearer('admin');
export const READ = bearer('read');

export async function testServer(o: { auth?: boolean } = {}): Promise<{ app: FastifyInstance; api: FakeCoordinatorApi }> {
  const api = new FakeCoordinatorApi();
  const app = await buildServer({ api, tokens: TOKENS, auth: o.auth ?? true, version: '0.0.0-test' });
  return { app, api };
}

/** The `error` of an error answer, read loosely so a test can assert on it. */
export function errorOf(body: string): { code: string; message: string } {
  const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
  return { code: String(parsed.error?.code), message: String(parsed.error?.message) };
}
