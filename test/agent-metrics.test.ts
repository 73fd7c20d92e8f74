// `barge agent --metrics-listen`: a real agent process serves Prometheus text that counts
// what its data plane did: a push (a session, its bytes), a wrong token (a refusal), and
// a --checksum push whose destination files are hashed on the agent (few bytes sent).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AGENT_TOKEN, startLoneAgent, type LoneAgent } from './helpers/lone-agent.js';
import { patternBytes } from './helpers/odd-tree.js';
import { runBarge } from './helpers/run-cli.js';

let work: string;
let agent: LoneAgent;
let metricsUrl: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'barge-agent-metrics-'));
  mkdirSync(join(work, 'inbox'));
  agent = await startLoneAgent(work, [`inbox=${join(work, 'inbox')}:rw`], 0, ['--metrics-listen', '127.0.0.1:0']);
  const m = /metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(agent.proc.output().stderr);
  assert.ok(m, `the agent says where its metrics are: ${agent.proc.output().stderr}`);
  metricsUrl = m[1] ?? '';
});
after(async () => {
  await agent.stop();
  rmSync(work, { recursive: true, force: true });
});

async function scrape(): Promise<Map<string, number>> {
  const r = await fetch(metricsUrl);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
  const out = new Map<string, number>();
  for (const line of (await r.text()).split('\n')) {
    const m = /^(barge_agent_\w+|process_cpu_seconds_total) (\S+)$/.exec(line);
    if (m) out.set(m[1] ?? '', Number(m[2]));
  }
  return out;
}

test('GET /metrics counts sessions, refusals and the bytes a push brought', async () => {
  const before0 = await scrape();
  assert.equal(before0.get('barge_agent_sessions_total'), 0);
  assert.equal(before0.get('barge_agent_received_bytes_total'), 0);
  assert.ok((before0.get('process_cpu_seconds_total') ?? 0) > 0, 'Node process metrics too');

  const src = join(work, 'src');
  mkdirSync(src);
  const size = 3 * 1024 * 1024 + 5;
  writeFileSync(join(src, 'data.bin'), patternBytes('metrics', size));
  const ok = await runBarge(['sync', src, agent.url('inbox', 'got')], { env: { BARGE_TOKEN: AGENT_TOKEN } });
  assert.equal(ok.code, 0, ok.stderr);
  const denied = await runBarge(['sync', src, agent.url('inbox', 'denied')], { env: { BARGE_TOKEN: 'not-the-token' } });
  assert.equal(denied.code, 2);

  const after1 = await scrape();
  assert.ok((after1.get('barge_agent_sessions_total') ?? 0) >= 1, 'the push opened a session');
  assert.ok((after1.get('barge_agent_refused_total') ?? 0) >= 1, 'the wrong token was refused');
  assert.ok((after1.get('barge_agent_received_bytes_total') ?? 0) >= size, `received at least the file: ${String(after1.get('barge_agent_received_bytes_total'))}`);
  assert.ok((after1.get('barge_agent_sent_bytes_total') ?? 0) > 0);
  assert.equal(after1.get('barge_agent_checksum_errors_total'), 0);
  assert.equal(after1.get('barge_agent_protocol_errors_total'), 0);
  assert.ok(after1.has('barge_agent_connections'));
});

test('--checksum and --verify against the agent hash its files there: digests come back, not the bytes', async () => {
  const src = join(work, 'src-sum');
  const dst = join(work, 'inbox', 'sum');
  mkdirSync(src);
  const size = 4 * 1024 * 1024 + 3;
  writeFileSync(join(src, 'same.bin'), patternBytes('sum-same', size));
  writeFileSync(join(src, 'differs.bin'), patternBytes('sum-differs', size));
  const env = { BARGE_TOKEN: AGENT_TOKEN };
  const first = await runBarge(['sync', src, agent.url('inbox', 'sum')], { env });
  assert.equal(first.code, 0, first.stderr);
  // the destination's times differ from the source's, so only content can say they are equal;
  // one file also differs in its bytes, at the same size
  const old = new Date('2001-02-03T04:05:06Z');
  utimesSync(join(dst, 'same.bin'), old, old);
  writeFileSync(join(dst, 'differs.bin'), patternBytes('sum-other', size));
  utimesSync(join(dst, 'differs.bin'), old, old);

  const before1 = await scrape();
  const r = await runBarge(['sync', '--checksum', '--json', src, agent.url('inbox', 'sum')], { env });
  assert.equal(r.code, 0, r.stderr);
  const sent = (await scrape()).get('barge_agent_sent_bytes_total')! - before1.get('barge_agent_sent_bytes_total')!;
  assert.ok(sent < 256 * 1024, `the agent sent ${sent} bytes for two files of ${size} it hashed itself`);
  const summary = JSON.parse(r.stdout) as { filesCopied: number };
  assert.equal(summary.filesCopied, 1, 'only the file whose bytes differ is copied');
  assert.ok(readFileSync(join(dst, 'differs.bin')).equals(patternBytes('sum-differs', size)));
  assert.equal(statSync(join(dst, 'same.bin')).mtimeMs, statSync(join(src, 'same.bin')).mtimeMs, 'the equal file got its time back');

  // --verify reads what was written back where it was written
  const before2 = await scrape();
  const v = await runBarge(['sync', '--verify', src, agent.url('inbox', 'verified')], { env });
  assert.equal(v.code, 0, v.stderr);
  const sentV = (await scrape()).get('barge_agent_sent_bytes_total')! - before2.get('barge_agent_sent_bytes_total')!;
  assert.ok(sentV < 256 * 1024, `the agent sent ${sentV} bytes to verify two files of ${size}`);
  assert.ok(readFileSync(join(work, 'inbox', 'verified', 'same.bin')).equals(patternBytes('sum-same', size)));
});

test('anything but GET /metrics is 404', async () => {
  assert.equal((await fetch(metricsUrl.replace('/metrics', '/other'))).status, 404);
  assert.equal((await fetch(metricsUrl, { method: 'POST' })).status, 404);
});

test('a --metrics-listen that cannot be bound is a usage error naming the flag', async () => {
  const port = Number(new URL(metricsUrl).port);
  const r = await runBarge(['agent', '--token-file', join(work, 'agent.token'), '--endpoint', `x=${work}`, '--data-listen', '127.0.0.1:0',
    '--metrics-listen', `127.0.0.1:${port}`]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--metrics-listen: cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
});
