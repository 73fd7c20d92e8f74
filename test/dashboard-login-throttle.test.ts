// Failed dashboard logins through a real `barge serve`: ten wrong tokens from one address, and
// the next login from it (even with the right token) is refused, 429 with Retry-After and a
// page that says why, logged once rather than a line a try; the API's tokens are untouched.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { LOGIN_FAILURES_MAX } from '../src/server/pages/login-throttle.js';
import { waitUntil } from './helpers/run-cli.js';
import { ADMIN_SECRET, makeSmallTree, startService, stopService, writeServiceConfig } from './helpers/service.js';

async function login(url: string, token: string): Promise<Response> {
  return fetch(`${url}/login`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
}

test('ten failed dashboard logins lock the address: 429, Retry-After, one log line; API tokens still work', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-login-'));
  const src = path.join(dir, 'src');
  const dst = path.join(dir, 'dst');
  makeSmallTree(src, 1, 1);
  fs.mkdirSync(dst);
  const s = await startService(['--config', writeServiceConfig(dir, src, dst), '--db', 'memory']);
  try {
    const ok = await login(s.url, ADMIN_SECRET);
    assert.equal(ok.status, 303, 'the right token logs in');
    for (let i = 0; i < LOGIN_FAILURES_MAX; i++) {
      const r = await login(s.url, `wrong-token-number-${i}`);
      assert.equal(r.status, 401, `try ${i + 1}`);
      assert.match(await r.text(), /Unknown token/);
    }
    for (const token of ['wrong-again-and-again', ADMIN_SECRET]) {
      const r = await login(s.url, token);
      assert.equal(r.status, 429, `locked, whatever the token (${token === ADMIN_SECRET ? 'the right one' : 'a wrong one'})`);
      const wait = Number(r.headers.get('retry-after'));
      assert.ok(wait > 0 && wait <= 300, `Retry-After in seconds: ${r.headers.get('retry-after')}`);
      assert.match(await r.text(), /Too many failed logins from this address: try again in \d+m\d\ds\./);
    }
    const lines = (text: string): number => s.proc.output().stderr.split('\n').filter((l) => l.includes(text)).length;
    // logged before each answer, but read from the pipe whenever it comes
    await waitUntil(() => lines('failed dashboard logins from') >= 1 && lines('refused a dashboard login') >= LOGIN_FAILURES_MAX, 10_000);
    assert.equal(lines('failed dashboard logins from'), 1, 'the lock is logged once');
    assert.equal(lines('refused a dashboard login'), LOGIN_FAILURES_MAX, 'no line for a try refused while locked');
    assert.equal((await s.api('GET', '/api/requests')).status, 200, 'the API is not throttled');
  } finally {
    await stopService(s);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
