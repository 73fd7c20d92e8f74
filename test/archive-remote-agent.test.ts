// Issue 29: an archive on the coordinator's host synced to a destination on another host, on SQLite and PostgreSQL.
// The destination endpoint is `local_agent = false` (its path is on the agents' hosts), so
// the built-in agent, which stages the archive, reads each staged file from the buffer and
// pushes it to a `barge agent` enrolled to the coordinator over real TCP. 200 files on 4
// volumes, 2 drives, a buffer of about a sixth of the bytes (several sessions a volume):
// the tree at the agent's directory is identical, the buffer (watched from outside the
// process) stays within its quota and ends empty, each volume is mounted once, and every
// copy went through the agent's data plane; no file left the buffer before it was whole at
// the destination. Submitted before the agent is up, the request says it waits for one.
// Afterwards `ls` and a plan of the same request ask the agent for the destination.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { AGENT_SECRET, startCoordinatedAgent } from './helpers/coordinated-agents.js';
import { waitUntilAsync, type BargeProcess } from './helpers/run-cli.js';
import { ADMIN_SECRET, startService, stopService } from './helpers/service.js';
import { diffTrees } from './helpers/tree-diff.js';
import { createTestDatabase, pgSkipReason, type TestDatabase } from './helpers/postgres-db.js';

const FILES = 200;
const VOLUMES = 4;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-archive-remote-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** the files in the buffer now; undefined when a directory went away under the walk (a release pruned it): look again later */
function listBuffer(buffer: string): string[] | undefined {
  if (!fs.existsSync(buffer)) return [];
  try {
    return fs.readdirSync(buffer, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  } catch {
    return undefined;
  }
}

function bufferFiles(buffer: string): string[] {
  for (;;) {
    const got = listBuffer(buffer);
    if (got !== undefined) return got;
  }
}

function bytesOf(files: readonly string[]): number {
  let n = 0;
  for (const f of files) {
    try { n += fs.statSync(f).size; } catch { /* released meanwhile */ }
  }
  return n;
}

async function metric(url: string, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_SECRET}` } })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  assert.ok(line, `${name}{${labels}} in /metrics`);
  return Number(line.split(' ').at(-1));
}

/** the whole case under `root`, the coordinator on the database `db` names (none: SQLite in its state directory) */
async function remoteCase(root: string, db: string[]): Promise<void> {
  const ns = path.join(root, 'archive');
  const buffer = path.join(root, 'buffer');
  const far = path.join(root, 'host-b', 'far'); // the agent's host: the coordinator never opens it
  let bytes = 0;
  for (let i = 0; i < FILES; i++) {
    const sub = path.join(ns, `d${i % 4}`);
    fs.mkdirSync(sub, { recursive: true });
    const body = `${i} `.repeat(200 + ((i * 37) % 800));
    fs.writeFileSync(path.join(sub, `f${i}.dat`), body);
    bytes += Buffer.byteLength(body);
  }
  fs.mkdirSync(far, { recursive: true });
  const quota = Math.floor(bytes / 6);
  const config = path.join(root, 'barge.toml');
  fs.writeFileSync(config, [
    '[endpoints.tape]', 'kind = "archive"', 'site = "a"', `path = ${JSON.stringify(ns)}`, 'driver = "sim"',
    `buffer = ${JSON.stringify(buffer)}`, `buffer_quota = ${quota}`, 'drives = 2', `volumes = ${VOLUMES}`, 'seed = 3', 'scale = 0.00001',
    // where the agent's host has it; the built-in agent does not serve it
    '[endpoints.far]', `path = "/nowhere/on/this/host"`, 'write = true', 'site = "b"', 'local_agent = false',
    '[[tokens]]', 'name = "ops"', `secret = "${ADMIN_SECRET}"`, 'role = "admin"',
    '[[tokens]]', 'name = "agents"', `secret = "${AGENT_SECRET}"`, 'role = "agent"',
  ].join('\n') + '\n');
  const s = await startService(['--config', config, '--state-dir', path.join(root, 'state'), ...db]);
  let agent: BargeProcess | undefined;
  let peak = 0;
  // a file that leaves the buffer must be at the destination whole already: released only once pushed
  const seen = new Set<string>();
  const early: string[] = [];
  let released = 0;
  const watch = setInterval(() => {
    const listed = listBuffer(buffer);
    if (listed === undefined) return;
    peak = Math.max(peak, bytesOf(listed));
    const now = new Set(listed.map((f) => path.relative(buffer, f)).filter((f) => !f.startsWith('.barge-staging')));
    for (const f of seen) {
      if (now.has(f)) continue;
      seen.delete(f);
      released++;
      let there: Buffer | undefined;
      try { there = fs.readFileSync(path.join(far, 'copy', f)); } catch { /* not there */ }
      if (there === undefined || !there.equals(fs.readFileSync(path.join(ns, f)))) early.push(f);
    }
    for (const f of now) seen.add(f);
  }, 5);
  try {
    const r = await s.api<{ id: string }>('POST', '/api/requests', { source: 'tape:/', destination: 'far:/copy' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    // no agent serves the destination yet: the request says it waits for one (staging goes on into the buffer)
    let v: { state: string; message: string | null; files: { copied: number }; waiting?: { reason: string } } | undefined;
    await waitUntilAsync(async () => {
      v = (await s.api<typeof v>('GET', `/api/requests/${r.body.id}`)).body;
      return v?.waiting !== undefined;
    }, 30_000, 50);
    assert.match(v?.waiting?.reason ?? '', /no live agent with a data address reaches the destination endpoint 'far'/);
    agent = await startCoordinatedAgent(s.url, 'site-b', 'b', `far=${far}:rw`);
    await waitUntilAsync(async () => {
      v = (await s.api<typeof v>('GET', `/api/requests/${r.body.id}`)).body;
      return ['succeeded', 'failed', 'canceled'].includes(v?.state ?? '');
    }, 120_000, 50);
    assert.equal(v?.state, 'succeeded', JSON.stringify(v));
    assert.equal(v?.files.copied, FILES);
    assert.deepEqual(diffTrees(ns, path.join(far, 'copy')), []);
    assert.equal(fs.existsSync('/nowhere/on/this/host'), false, 'the coordinator wrote nothing at the configured path');
    await waitUntilAsync(() => Promise.resolve(bufferFiles(buffer).length === 0), 10_000);
    assert.deepEqual(early, [], 'no file left the buffer before it was whole at the destination');
    assert.ok(released > FILES / 2, `the watch saw ${released} files leave the buffer`);
    assert.ok(peak > 0, 'the buffer was used');
    assert.ok(peak <= quota, `buffer peak ${peak} <= quota ${quota}`);
    assert.ok(await metric(s.url, 'barge_archive_buffer_bytes', 'kind="peak"') <= quota);
    assert.ok(quota / 2 < bytes / VOLUMES, 'a volume holds more than a session: several sessions a volume');
    assert.equal(await metric(s.url, 'barge_archive_mounts_total', 'endpoint="tape"'), VOLUMES, 'each volume mounted once');
    assert.equal(await metric(s.url, 'barge_archive_files_read_total', 'endpoint="tape"'), FILES);
    // the bytes went through the agent's data plane: it counts what it received
    const agentMetrics = /metrics at (http:\/\/[^\s;"]+)/.exec(agent.output().stderr)?.[1];
    assert.ok(agentMetrics, agent.output().stderr);
    // the coordinator asks the agent for the destination: a listing, and a plan (the archive here, the copy there, all up to date)
    const ls = await s.api<{ items: { name: string }[] }>('GET', '/api/endpoints/far/ls?path=%2Fcopy');
    assert.equal(ls.status, 200, JSON.stringify(ls.body));
    assert.deepEqual(ls.body.items.map((e) => e.name), ['d0', 'd1', 'd2', 'd3']);
    const plan = await s.api<{ files: { found: number; toCopy: number; upToDate: number } }>('POST', '/api/requests?dryRun=1', { source: 'tape:/', destination: 'far:/copy' });
    assert.equal(plan.status, 200, JSON.stringify(plan.body));
    assert.deepEqual([plan.body.files.found, plan.body.files.toCopy, plan.body.files.upToDate], [FILES, 0, FILES]);
    const text = await (await fetch(agentMetrics)).text();
    const received = Number(/^barge_agent_received_bytes_total (\d+)/m.exec(text)?.[1] ?? 0);
    assert.ok(received >= bytes, `the agent's data plane received ${received} bytes, the files are ${bytes} (${agentMetrics})`);
  } finally {
    clearInterval(watch);
    // SIGKILL: a SIGTERM waits out the agent's lease long poll (up to 10 s), which is not under test here
    if (agent) { agent.kill('SIGKILL'); await agent.done; }
    await stopService(s);
  }
}

const TITLE = 'an archive staged by the built-in agent, pushed to a remote agent: identical there, buffer within its quota and empty, one mount a volume';

test(`${TITLE} (SQLite)`, () => remoteCase(path.join(dir, 'sqlite'), []));

const pgDb = await createTestDatabase('archive_remote');
after(async () => { await pgDb?.drop(); });
test(`${TITLE} (PostgreSQL)`, { skip: pgDb === undefined ? pgSkipReason() : undefined }, () => remoteCase(path.join(dir, 'pg'), ['--db', (pgDb as TestDatabase).url]));
