// An agent whose coordinator is down: a bounded number of log lines (one when it starts
// waiting, one per backoff step), each with a time, a level and the cause; JSON lines off a
// terminal, lines for people with --log-format human; SIGINT ends the wait (exit 130, one
// line). Once the coordinator comes up on that address, the waiting agent enrols; the
// coordinator logs agents joining, leaving and lost.
// Real processes, real TCP.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AGENT_SECRET, coordinatedConfig, startCoordinatedAgent } from './helpers/coordinated-agents.js';
import { freePort, logRecords } from './helpers/log-records.js';
import { startBarge, waitUntil, waitUntilAsync } from './helpers/run-cli.js';
import { startService, stopService } from './helpers/service.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-agent-logs-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function agentArgs(port: number, name: string, extra: string[] = []): string[] {
  fs.mkdirSync(path.join(dir, name), { recursive: true });
  return ['agent', '--coordinator', `http://127.0.0.1:${port}`, '--name', name, '--site', 'b', '--endpoint', `badger=${path.join(dir, name)}:rw`,
    '--data-listen', '127.0.0.1:0', '--transfers', '1', ...extra];
}

test('an agent whose coordinator is down waits, logging a few lines with the cause, and enrols once the coordinator is up', async () => {
  const port = await freePort();
  const json = startBarge(agentArgs(port, 'early'), { env: { BARGE_TOKEN: AGENT_SECRET }, timeoutMs: 120_000 });
  const human = startBarge(agentArgs(port, 'people', ['--log-format', 'human']), { env: { BARGE_TOKEN: AGENT_SECRET }, timeoutMs: 120_000 });
  try {
    await sleep(5_500);
    assert.equal(json.exitCode, null, `the agent waits: ${json.output().stderr}`);

    // JSON: every line parses, with level, time and msg; the waiting ones say why
    const records = logRecords(json.output().stderr);
    const waiting = records.filter((r) => /waiting for the coordinator/.test(r.msg));
    assert.ok(waiting.length >= 2 && waiting.length <= 5, `a line when it starts waiting and one per backoff step, not one per try:\n${json.output().stderr}`);
    assert.ok(records.length <= 8, `a bounded number of lines in 5 s:\n${json.output().stderr}`);
    for (const r of waiting) {
      assert.equal(r.level, 40, r.msg);
      assert.equal(r.code, 'ECONNREFUSED', r.msg);
      assert.match(r.msg, new RegExp(`connect ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
      assert.match(r.msg, /trying again in [\d.]+ s/);
    }

    // for people: time, level, who, message
    const lines = human.output().stderr.split('\n').filter((l) => l !== '');
    assert.ok(lines.length >= 2 && lines.length <= 8, human.output().stderr);
    for (const l of lines) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO |WARN ) barge agent: /);
    assert.ok(lines.some((l) => /WARN {2}barge agent: waiting for the coordinator: .*ECONNREFUSED/.test(l)), human.output().stderr);

    // SIGINT while waiting: one line saying so, exit 130
    const before = human.output().stderr;
    human.kill('SIGINT');
    const r = await human.done;
    assert.equal(r.code, 130, r.stderr);
    const last = r.stderr.slice(before.length).split('\n').filter((l) => l !== '');
    assert.equal(last.length, 1, r.stderr);
    assert.match(last[0] ?? '', /interrupted while waiting for the coordinator at http:\/\/127\.0\.0\.1:\d+/);

    // the coordinator comes up on that address: the waiting agent enrols at its next try
    const svc = await startService(['--config', coordinatedConfig(dir), '--db', 'memory', '--no-local-agent', '--listen', `127.0.0.1:${port}`, '--lease-timeout', '2s'],
      { env: { BARGE_LOG_FORMAT: 'json' } });
    try {
      await waitUntil(() => /listening on/.test(json.output().stderr), 60_000);
      const after = logRecords(json.output().stderr);
      assert.ok(after.some((x) => x.level === 30 && /^coordinator http:\/\/127\.0\.0\.1:\d+ reachable after [\d.]+ s$/.test(x.msg)), json.output().stderr);
      assert.ok(after.some((x) => /^enrolled with .* as early/.test(x.msg)), json.output().stderr);
      await waitUntilAsync(async () => (await svc.api<{ items: { id: string }[] }>('GET', '/api/agents')).body.items.some((a) => a.id === 'early'), 10_000);
      // the coordinator logged the join, naming the agent and its site
      await waitUntil(() => logRecords(svc.proc.output().stderr).some((x) => /^agent early joined from 127\.0\.0\.1 \(site b; endpoints badger/.test(x.msg)), 10_000);
      json.kill('SIGTERM');
      assert.equal((await json.done).code, 0);
      await waitUntil(() => logRecords(svc.proc.output().stderr).some((x) => x.msg.startsWith('agent early left')), 10_000);
      // an agent killed without a word: lost once silent past the lease timeout
      const doomed = await startCoordinatedAgent(svc.url, 'doomed', 'b', `badger=${path.join(dir, 'early')}:rw`);
      doomed.kill('SIGKILL');
      await doomed.done;
      await waitUntil(() => logRecords(svc.proc.output().stderr).some((x) => x.level === 40 && /^agent doomed lost: not heard from for [\d.]+ s/.test(x.msg)), 30_000);
    } finally {
      await stopService(svc);
    }
  } finally {
    for (const p of [json, human]) if (p.exitCode === null) p.kill('SIGKILL');
    await Promise.all([json.done, human.done]);
  }
});
