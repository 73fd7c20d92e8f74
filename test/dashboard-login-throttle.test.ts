// Failed dashboard logins through a real `barge serve`: ten wrong tokens from one address, and
// the next login from it (even with the right token) is refused, 429 with Retry-After and a
// page that says why, logged once rather than a line a try; the API's tokens are untouched.
// X-Forwarded-For names the address only when the request comes from a trust_proxy.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { LOGIN_FAILURES_MAX } from '../src/server/pages/login-throttle.js';
import { waitUntil } from './helpers/run-cli.js';
import { ADMIN_SECRET, makeSmallTree, startService, stopService, writeServiceConfig, type Service } from './helpers/service.js';

async function login(url: string, token: string, forwardedFor?: string): Promise<Response> {
  return fetch(`${url}/login`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }) },
    body: new URLSearchParams({ token }).toString(),
  });
}

async function withService(name: string, top: string, body: (s: Service) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `barge-login-${name}-`));
  const src = path.join(dir, 'src');
  const dst = path.join(dir, 'dst');
  makeSmallTree(src, 1, 1);
  fs.mkdirSync(dst);
  const config = writeServiceConfig(dir, src, dst);
  fs.writeFileSync(config, top + fs.readFileSync(config, 'utf8')); // top-level keys before the tables
  const s = await startService(['--config', config, '--db', 'memory']);
  try {
    await body(s);
  } finally {
    await stopService(s);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function failTenTimes(url: string, forwardedFor?: string): Promise<void> {
  for (let i = 0; i < LOGIN_FAILURES_MAX; i++) {
    const r = await login(url, `wrong-token-number-${i}`, forwardedFor);
    assert.equal(r.status, 401, `try ${i + 1}`);
    assert.match(await r.text(), /Unknown token/);
  }
}

async function locked(r: Response, what: string): Promise<void> {
  assert.equal(r.status, 429, what);
  const wait = Number(r.headers.get('retry-after'));
  assert.ok(wait > 0 && wait <= 300, `Retry-After in seconds: ${r.headers.get('retry-after')}`);
  assert.match(await r.text(), /Too many failed logins from this address: try again in \d+m\d\ds\./);
}

const lines = (s: Service, text: string): number => s.proc.output().stderr.split('\n').filter((l) => l.includes(text)).length;

test('ten failed dashboard logins lock the address: 429, Retry-After, one log line; API tokens still work', async () => {
  await withService('direct', '', async (s) => {
    assert.equal((await login(s.url, ADMIN_SECRET)).status, 303, 'the right token logs in');
    await failTenTimes(s.url);
    await locked(await login(s.url, 'wrong-again-and-again'), 'a wrong token');
    await locked(await login(s.url, ADMIN_SECRET), 'the right token');
    await locked(await login(s.url, ADMIN_SECRET, '198.51.100.9'), 'X-Forwarded-For from a client that is no trusted proxy is ignored');
    // logged before each answer, but read from the pipe whenever it comes
    await waitUntil(() => lines(s, 'failed dashboard logins from') >= 1 && lines(s, 'refused a dashboard login') >= LOGIN_FAILURES_MAX, 10_000);
    assert.equal(lines(s, 'failed dashboard logins from'), 1, 'the lock is logged once');
    assert.equal(lines(s, 'refused a dashboard login'), LOGIN_FAILURES_MAX, 'no line for a try refused while locked');
    assert.equal((await s.api('GET', '/api/requests')).status, 200, 'the API is not throttled');
  });
});

test('behind a trust_proxy, the client is the address X-Forwarded-For names: one client locked, another not', async () => {
  await withService('proxied', 'trust_proxy = ["127.0.0.1"]\n', async (s) => {
    await failTenTimes(s.url, '198.51.100.7');
    await locked(await login(s.url, ADMIN_SECRET, '198.51.100.7'), 'the client that failed');
    assert.equal((await login(s.url, ADMIN_SECRET, '198.51.100.8')).status, 303, 'another client behind the same proxy logs in');
    await waitUntil(() => lines(s, 'failed dashboard logins from 198.51.100.7') === 1, 10_000);
  });
});
