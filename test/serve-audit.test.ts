// The audit trail through a real `barge serve`: two admin tokens (ops and lead) submit,
// pause, resume, cancel and retry one request; the audit route, the request view and
// `barge status` name the right token for each action, in order. A read token's refused
// pause leaves no entry; with auth off the actor is the caller's address.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { runBarge, type RunResult } from './helpers/run-cli.js';
import { ADMIN_SECRET, READ_SECRET, startService, stopService, writeServiceConfig } from './helpers/service.js';

const LEAD_SECRET = 'test-lead-secret-0123456789abcdef';

interface Audit { items: { at: string; actor: string; action: string; detail: string | null }[]; total: number; nextOffset: number | null }

test('each action on a request is kept with the token that took it, in order; status shows the history', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-audit-'));
  const [src, dst] = [path.join(dir, 'src'), path.join(dir, 'dst')];
  fs.mkdirSync(src);
  fs.mkdirSync(dst);
  fs.writeFileSync(path.join(src, 'a.txt'), 'a');
  const config = writeServiceConfig(dir, src, dst, ['[[tokens]]', 'name = "lead"', `secret = "${LEAD_SECRET}"`, 'role = "admin"'].join('\n'));
  // no agent at all: the request waits for one, so every action finds it open
  const s = await startService(['--config', config, '--state-dir', path.join(dir, 'state'), '--no-local-agent']);
  const as = (secret: string) => (args: string[]): Promise<RunResult> => runBarge([...args, '--server', s.url], { env: { BARGE_TOKEN: secret }, timeoutMs: 60_000 });
  const [ops, lead, viewer] = [as(ADMIN_SECRET), as(LEAD_SECRET), as(READ_SECRET)];
  try {
    const sub = await ops(['submit', 'src:/', 'dst:/copy']);
    assert.equal(sub.code, 0, sub.stderr);
    const id = sub.stdout.trim();
    const steps: [typeof ops, string][] = [[lead, 'pause'], [ops, 'resume'], [lead, 'cancel'], [ops, 'retry'], [lead, 'pause']];
    for (const [who, action] of steps) {
      if (action === 'pause' && who === lead) {
        const refused = await viewer([action, id]);
        assert.equal(refused.code, 1, 'a read token may not act');
        assert.match(refused.stderr, /403/);
      }
      const r = await who([action, id]);
      assert.equal(r.code, 0, `${action}: ${r.stderr}`);
    }
    const want = [['ops', 'submit'], ['lead', 'pause'], ['ops', 'resume'], ['lead', 'cancel'], ['ops', 'retry'], ['lead', 'pause']];
    const audit = await s.api<Audit>('GET', `/api/requests/${id}/audit`);
    assert.equal(audit.status, 200, JSON.stringify(audit.body));
    assert.deepEqual(audit.body.items.map((e) => [e.actor, e.action]), want);
    assert.equal(audit.body.total, 6);
    assert.ok(audit.body.items.every((e) => e.detail === null && !Number.isNaN(Date.parse(e.at))));
    const times = audit.body.items.map((e) => Date.parse(e.at));
    assert.deepEqual([...times].sort((a, b) => a - b), times, 'oldest first');
    const page = await s.api<Audit>('GET', `/api/requests/${id}/audit?limit=2&offset=1`);
    assert.deepEqual(page.body.items.map((e) => [e.actor, e.action]), want.slice(1, 3));
    assert.equal(page.body.nextOffset, 3);
    assert.equal((await s.api<{ submittedBy: string }>('GET', `/api/requests/${id}`)).body.submittedBy, 'ops');
    assert.equal((await s.api('GET', '/api/requests/no-such-request/audit')).status, 404);

    const status = await viewer(['status', id]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^submitted by: +ops$/m);
    const history = status.stdout.split('\n').slice(status.stdout.split('\n').indexOf('history:') + 1);
    assert.deepEqual(history.filter((l) => l !== '').map((l) => /^ {2}\S+Z +(\w+) +by (\S+)$/.exec(l)?.slice(1).reverse()), want);
    const json = JSON.parse((await viewer(['status', id, '--json'])).stdout) as { submittedBy: string; audit: Audit['items'] };
    assert.equal(json.submittedBy, 'ops');
    assert.deepEqual(json.audit.map((e) => [e.actor, e.action]), want);
  } finally {
    await stopService(s);
  }

  // auth off (loopback only): who acted is known by address alone
  const open = await startService(['--config', writeServiceConfig(dir, src, dst), '--db', 'memory', '--no-local-agent', '--no-auth']);
  try {
    const res = await fetch(`${open.url}/api/requests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ source: 'src:/', destination: 'dst:/x' }) });
    const body = await res.json() as { id: string; request: { submittedBy: string } };
    assert.equal(res.status, 201, JSON.stringify(body));
    assert.equal(body.request.submittedBy, 'anonymous@127.0.0.1');
    const audit = await (await fetch(`${open.url}/api/requests/${body.id}/audit`)).json() as Audit;
    assert.deepEqual(audit.items.map((e) => [e.actor, e.action]), [['anonymous@127.0.0.1', 'submit']]);
  } finally {
    await stopService(open);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
