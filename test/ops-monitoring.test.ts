// The monitoring in ops/ against a real coordinator and a real agent: `barge serve` (SQLite, no
// built-in agent) and one `barge agent --coordinator` move a small tree, one file of which the
// agent cannot write (its file-size limit lowered with prlimit: EFBIG, a per-file error), so the
// counters and the errors by code are there. A second `barge serve` (its built-in agent, which
// stages archives) syncs a small archive endpoint on the tape simulator, so the staging series
// are there too (they appear once a request from an archive ran). Then: the three /metrics pass
// `promtool check metrics`;
// ops/prometheus passes `promtool check config`, `check rules` and its rule unit tests; and
// every metric the alert rules and the Grafana dashboard query is in those scrapes, and the
// dashboard's queries parse as PromQL.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { AGENT_SECRET, startCoordinatedAgent } from './helpers/coordinated-agents.js';
import { patternBytes } from './helpers/odd-tree.js';
import { promqlMetricNames, sampleNames } from './helpers/promql-names.js';
import { runBarge, waitUntilAsync, type BargeProcess } from './helpers/run-cli.js';
import { ADMIN_SECRET, makeSmallTree, startService, stopService, writeServiceConfig, type Service } from './helpers/service.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OPS = join(ROOT, 'ops');

const promtoolAt = ((): string | undefined => {
  try { return execFileSync('sh', ['-c', 'command -v promtool']).toString().trim() || undefined; } catch { return undefined; }
})();
// under CI=true a missing promtool fails the tests that need it (promtool() throws), not skips them
const skip = promtoolAt === undefined && process.env.CI !== 'true' ? 'promtool is not installed (apt-get install prometheus)' : undefined;

function promtool(args: string[], input?: string, cwd?: string): { status: number | null; out: string } {
  if (promtoolAt === undefined) throw new Error('promtool is not installed (apt-get install prometheus; .ci/run installs it)');
  const r = spawnSync(promtoolAt, args, { encoding: 'utf8', cwd, timeout: 60_000, ...(input === undefined ? {} : { input }) });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

let work: string;
let svc: Service | undefined;
let agent: BargeProcess | undefined;
let archiveSvc: Service | undefined;
const scraped = { coordinator: '', agent: '', archive: '' };

/** a coordinator with its built-in agent and an archive endpoint (sim driver): one request from it, then its scrape */
async function scrapeArchiveCoordinator(dir: string): Promise<string> {
  const [ns, buffer, dst] = [join(dir, 'archive'), join(dir, 'buffer'), join(dir, 'dst')];
  makeSmallTree(ns, 3, 8);
  mkdirSync(dst);
  const config = join(dir, 'barge.toml');
  writeFileSync(config, [
    '[endpoints.tape]', 'kind = "archive"', 'site = "here"', `path = ${JSON.stringify(ns)}`, 'driver = "sim"',
    `buffer = ${JSON.stringify(buffer)}`, 'buffer_quota = "1MiB"', 'drives = 2', 'volumes = 3', 'scale = 0',
    '[endpoints.dst]', `path = ${JSON.stringify(dst)}`, 'write = true', 'site = "here"',
    '[[tokens]]', 'name = "ops"', `secret = "${ADMIN_SECRET}"`, 'role = "admin"',
  ].join('\n') + '\n');
  archiveSvc = await startService(['--config', config, '--state-dir', join(dir, 'state')]);
  const s = archiveSvc;
  const sub = await s.api<{ id: string }>('POST', '/api/requests', { source: 'tape:/', destination: 'dst:/copy' });
  assert.equal(sub.status, 201, JSON.stringify(sub.body));
  await waitUntilAsync(async () => (await s.api<{ state: string }>('GET', `/api/requests/${sub.body.id}`)).body.state === 'succeeded', 120_000);
  const res = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_SECRET}` } });
  assert.equal(res.status, 200);
  return res.text();
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'barge-ops-'));
  const [src, dst] = [join(work, 'src'), join(work, 'dst')];
  makeSmallTree(src, 4, 10);
  writeFileSync(join(src, 'too-large.bin'), patternBytes('too-large', 256 * 1024));
  mkdirSync(dst);
  const agentToken = ['[[tokens]]', 'name = "agents"', `secret = "${AGENT_SECRET}"`, 'role = "agent"'].join('\n');
  const config = writeServiceConfig(work, src, dst, agentToken);
  svc = await startService(['--config', config, '--state-dir', join(work, 'state'), '--no-local-agent']);
  agent = await startCoordinatedAgent(svc.url, 'ops-1', 'here', `src=${src}`, {}, ['--endpoint', `dst=${dst}:rw`]);
  // files above 64 KiB cannot be written by the agent (EFBIG; Node ignores SIGXFSZ): a real per-file error
  execFileSync('prlimit', ['--pid', String(agent.pid), '--fsize=65536:65536']);
  const sub = await runBarge(['submit', '--server', svc.url, 'src:/', 'dst:/copy'], { env: { BARGE_TOKEN: ADMIN_SECRET } });
  assert.equal(sub.code, 0, sub.stderr);
  const id = sub.stdout.trim();
  const service = svc;
  await waitUntilAsync(async () => ['succeeded', 'failed', 'canceled'].includes((await service.api<{ state: string }>('GET', `/api/requests/${id}`)).body.state), 120_000);
  const coordinator = await fetch(`${svc.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_SECRET}` } });
  assert.equal(coordinator.status, 200);
  scraped.coordinator = await coordinator.text();
  const agentUrl = /metrics at (http:\/\/\S+\/metrics)/.exec(agent.output().stderr)?.[1];
  assert.ok(agentUrl, `the agent says where its metrics are: ${agent.output().stderr}`);
  scraped.agent = await (await fetch(agentUrl)).text();
  scraped.archive = await scrapeArchiveCoordinator(mkdtempSync(join(work, 'tape-')));
});

after(async () => {
  if (agent && agent.exitCode === null) agent.kill('SIGTERM');
  await agent?.done;
  if (svc) await stopService(svc);
  if (archiveSvc) await stopService(archiveSvc);
  rmSync(work, { recursive: true, force: true });
});

test('the transfer left its marks: files copied by the agent, the too-large file counted under its code', () => {
  assert.match(scraped.agent, /^barge_agent_files_copied_total [1-9]\d*$/m, scraped.agent);
  assert.match(scraped.coordinator, /^barge_task_errors_total\{code="E_\w+"\} [1-9]\d*$/m, scraped.coordinator);
  assert.match(scraped.coordinator, /^barge_agents\{state="alive"\} 1$/m);
  assert.match(scraped.coordinator, /^barge_database_up 1$/m);
  // the archive's request: volumes mounted, bytes staged, the buffer's quota and the files by stage state, per endpoint
  assert.match(scraped.archive, /^barge_archive_mounts_total\{endpoint="tape"\} [1-9]\d*$/m, scraped.archive);
  assert.match(scraped.archive, /^barge_archive_staged_bytes_total\{endpoint="tape"\} [1-9]\d*$/m);
  assert.match(scraped.archive, /^barge_archive_buffer_bytes\{endpoint="tape",kind="quota"\} 1048576$/m);
  assert.match(scraped.archive, /^barge_archive_files\{endpoint="tape",state="released"\} \d+$/m);
});

test('promtool check metrics refuses a gauge named like a counter (the check is real)', { skip }, () => {
  const r = promtool(['check', 'metrics'], '# HELP odd_total a gauge\n# TYPE odd_total gauge\nodd_total 1\n');
  assert.notEqual(r.status, 0, r.out);
  assert.match(r.out, /non-counter metrics should not have "_total" suffix/);
});

test('the coordinator\'s /metrics and the agent\'s pass promtool check metrics', { skip }, () => {
  for (const [who, text] of Object.entries(scraped)) {
    const r = promtool(['check', 'metrics'], text);
    assert.equal(r.status, 0, `${who}: ${r.out}`);
    assert.equal(r.out.trim(), '', `${who}: ${r.out}`);
  }
});

test('ops/prometheus: promtool check config and check rules are clean, and the rules\' unit tests pass', { skip }, () => {
  // the example reads the coordinator's token from a file beside it, which promtool wants to exist
  const dir = mkdtempSync(join(work, 'prometheus-'));
  for (const f of ['prometheus.yml', 'barge-alerts.yml']) copyFileSync(join(OPS, 'prometheus', f), join(dir, f));
  writeFileSync(join(dir, 'barge-read-token'), 'a-read-token\n', { mode: 0o600 });
  const config = promtool(['check', 'config', 'prometheus.yml'], undefined, dir);
  assert.equal(config.status, 0, config.out);
  assert.match(config.out, /SUCCESS: 1 rule files found/);
  const rules = promtool(['check', 'rules', 'barge-alerts.yml'], undefined, join(OPS, 'prometheus'));
  assert.equal(rules.status, 0, rules.out);
  assert.match(rules.out, /SUCCESS: \d+ rules found/);
  const unit = promtool(['test', 'rules', 'barge-alerts.test.yml'], undefined, join(OPS, 'prometheus'));
  assert.equal(unit.status, 0, unit.out);
  assert.match(unit.out, /SUCCESS/);
});

/** every metric name a set of expressions reads that no scrape holds */
function missing(exprs: string[], alsoKnown: string[] = []): string[] {
  const known = new Set([...Object.values(scraped).flatMap((t) => [...sampleNames(t)]), ...alsoKnown]);
  return [...new Set(exprs.flatMap(promqlMetricNames))].filter((n) => !known.has(n)).sort();
}

test('the name extraction reads what a query reads, and only that', () => {
  assert.deepEqual(promqlMetricNames('histogram_quantile(0.9, sum by (le) (rate(barge_lease_seconds_bucket{job="x"}[$__rate_interval])))'), ['barge_lease_seconds_bucket']);
  assert.deepEqual(promqlMetricNames('max(barge_queue_depth) > 0 unless on() max(barge_tasks{state="leased"}) > 1e3 offset 5m'), ['barge_queue_depth', 'barge_tasks']);
  assert.deepEqual(missing(['sum(rate(barge_no_such_metric_total[5m]))']), ['barge_no_such_metric_total']);
});

test('every metric the alert rules read is in a real scrape (up is Prometheus\' own)', () => {
  const text = readFileSync(join(OPS, 'prometheus', 'barge-alerts.yml'), 'utf8');
  const exprs = [...text.matchAll(/^\s+expr: (.+)$/gm)].map((m) => m[1] ?? '');
  assert.equal(exprs.length, [...text.matchAll(/^\s+- alert: /gm)].length, 'one single-line expr per alert');
  assert.deepEqual(missing(exprs, ['up']), []);
});

interface Panel { type: string; title: string; targets?: { expr: string }[]; panels?: Panel[] }

test('every metric the Grafana dashboard queries is in a real scrape', () => {
  const dash = JSON.parse(readFileSync(join(OPS, 'grafana', 'barge.json'), 'utf8')) as { uid: string; panels: Panel[] };
  const panels = dash.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  assert.ok(exprs.length >= 20, `the dashboard's queries: ${exprs.length}`);
  for (const p of panels.filter((x) => x.type !== 'row')) assert.ok((p.targets ?? []).length > 0, `${p.title} queries something`);
  const names = new Set(exprs.flatMap(promqlMetricNames));
  // what the issue asks the dashboard to show, by the metric that shows it
  for (const n of ['barge_agent_bytes_copied_total', 'barge_agent_files_copied_total', 'barge_task_errors_total', 'barge_queue_depth',
    'barge_requests', 'barge_lease_seconds_bucket', 'barge_agents', 'barge_archive_mounts_total', 'barge_archive_buffer_bytes',
    'barge_archive_files', 'barge_archive_staged_bytes_total', 'barge_archive_seek_seconds_total']) {
    assert.ok(names.has(n), `the dashboard shows ${n}`);
  }
  assert.deepEqual(missing(exprs), []);
});

test('every query of the Grafana dashboard is valid PromQL (promtool parses it as a recording rule)', { skip }, () => {
  const dash = JSON.parse(readFileSync(join(OPS, 'grafana', 'barge.json'), 'utf8')) as { panels: Panel[] };
  const exprs = dash.panels.flatMap((p) => [p, ...(p.panels ?? [])]).flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  // Grafana fills $__rate_interval in before Prometheus sees the query
  const rules = exprs.map((e, i) => `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(e.replaceAll('$__rate_interval', '1m'))}`);
  const file = join(mkdtempSync(join(work, 'dashboard-')), 'queries.yml');
  writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
  const r = promtool(['check', 'rules', file]);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, new RegExp(`SUCCESS: ${exprs.length} rules found`));
  // and a query that is not PromQL fails the same check
  writeFileSync(file, 'groups:\n  - name: dashboard\n    rules:\n      - record: dashboard:broken\n        expr: "sum(rate(barge_files_copied_total[1m])"\n');
  assert.notEqual(promtool(['check', 'rules', file]).status, 0);
});
