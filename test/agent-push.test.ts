// barge sync into a lone barge agent over the data plane (real processes, real TCP):
// the tree arrives identical, a bad token or a read-only endpoint writes nothing, bytes
// changed in flight are caught by the receiver and sent again, and a killed agent's
// large file resumes from the chunks it had recorded.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AGENT_TOKEN, startLoneAgent, type LoneAgent } from './helpers/lone-agent.js';
import { makeOddTree, makeStaleDestination, patternBytes, type OddTree } from './helpers/odd-tree.js';
import { runBarge, startBarge, waitUntil } from './helpers/run-cli.js';
import { leftovers } from './helpers/service.js';
import { diffTrees } from './helpers/tree-diff.js';

let work: string;
let tree: OddTree;
let inbox: string;
let readonlyDir: string;
let agent: LoneAgent;
const env = { BARGE_TOKEN: AGENT_TOKEN };

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'barge-push-'));
  tree = makeOddTree(join(work, 'src'), { nonUtf8Names: true });
  inbox = join(work, 'inbox');
  readonlyDir = join(work, 'archive');
  mkdirSync(inbox);
  mkdirSync(readonlyDir);
  agent = await startLoneAgent(work, [`inbox=${inbox}:rw`, `archive=${readonlyDir}`]);
});
after(async () => {
  await agent.stop();
  rmSync(work, { recursive: true, force: true });
});

interface Summary { filesCopied: number; bytesResumed: number; failed: number; deleted: number; errors: { code: string; path?: string }[] }

test('a tree of every hard case arrives identical (-H -S), into a directory the push makes', async () => {
  const r = await runBarge(['sync', '-H', '-S', tree.root, agent.url('inbox', 'a/b/odd')], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(diffTrees(tree.root, join(inbox, 'a/b/odd'), { hardLinks: true, sparse: true }), []);
  assert.deepEqual(leftovers(inbox), []);
});

test('a second push copies nothing', async () => {
  const r = await runBarge(['sync', '-H', '-S', '--json', tree.root, agent.url('inbox', 'a/b/odd')], { env });
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as Summary;
  assert.equal(s.filesCopied, 0);
});

test('--delete --checksum repairs a stale destination on the agent (its files hashed there)', async () => {
  const dst = join(inbox, 'stale');
  const stale = makeStaleDestination(tree.root, dst);
  const r = await runBarge(['sync', '-H', '--delete', '--checksum', '--json', tree.root, agent.url('inbox', 'stale')], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(diffTrees(tree.root, stale.dst, { hardLinks: true }), []);
  assert.ok((JSON.parse(r.stdout) as Summary).deleted > 0);
});

test('--delete into the agent: --max-delete stops at its count; the rest goes on the next run', async () => {
  const src = join(work, 'del-src');
  mkdirSync(src);
  writeFileSync(join(src, 'keep'), 'k');
  const dst = join(inbox, 'del');
  mkdirSync(join(dst, 'extra', 'sub'), { recursive: true });
  for (const f of ['keep', 'extra/a', 'extra/sub/b', 'f1']) writeFileSync(join(dst, f), 'old');
  const limited = await runBarge(['sync', '--delete', '--max-delete', '2', '--json', src, agent.url('inbox', 'del')], { env });
  assert.equal(limited.code, 1, limited.stderr);
  const l = JSON.parse(limited.stdout) as Summary & { deletesSkipped: number };
  assert.equal(l.deleted, 2);
  assert.equal(l.deletesSkipped, 3, 'five extra entries: two went, three were skipped');
  // without the limit the rest goes, a name that is not UTF-8 among it, and the count says so
  writeFileSync(Buffer.concat([Buffer.from(join(dst, 'extra') + '/'), Buffer.from([0x78, 0xff])]), 'theirs');
  const r = await runBarge(['sync', '--delete', '--json', src, agent.url('inbox', 'del')], { env });
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as Summary;
  assert.equal(s.deleted, 4, 'the three skipped before, and the new name');
  assert.deepEqual(readdirSync(dst).sort(), ['keep']);
});

test('a wrong token fails with a clear error and writes nothing', async () => {
  const r = await runBarge(['sync', tree.root, agent.url('inbox', 'denied')], { env: { BARGE_TOKEN: 'not-the-token' } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /E_AUTH: the agent does not accept this token/);
  assert.equal(existsSync(join(inbox, 'denied')), false);
});

test('no token at all is a usage error naming BARGE_TOKEN', async () => {
  const r = await runBarge(['sync', tree.root, agent.url('inbox', 'denied')], { env: { BARGE_TOKEN: undefined } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /BARGE_TOKEN/);
  assert.equal(existsSync(join(inbox, 'denied')), false);
});

test('an endpoint served read-only refuses a push; one that does not exist is named', async () => {
  const ro = await runBarge(['sync', tree.root, agent.url('archive', 'x')], { env });
  assert.equal(ro.code, 2);
  assert.match(ro.stderr, /E_READ_ONLY: endpoint 'archive' is not writable/);
  assert.deepEqual(readdirSync(readonlyDir), []);
  const missing = await runBarge(['sync', tree.root, agent.url('nosuch')], { env });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no endpoint named 'nosuch'/);
});

test("'..' in a barge:// path is refused before connecting", async () => {
  const r = await runBarge(['sync', tree.root, agent.url('inbox', '../escape')], { env });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /'\.\.' is not allowed/);
});

function makeFiles(dir: string, files: Record<string, number>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, size] of Object.entries(files)) writeFileSync(join(dir, name), patternBytes(name, size));
}

test('a byte flipped on the wire is caught by the receiver and the file or chunk is sent again', async () => {
  const src = join(work, 'wire-src');
  makeFiles(src, { 'small.txt': 3000, 'medium.bin': 5 << 20, 'big.bin': 24 << 20 });
  const r = await runBarge(['sync', '--chunk-cutoff', '8M', '--chunk-size', '4M', src, agent.url('inbox', 'wire')], {
    env: { ...env, BARGE_TEST_WIRE_CORRUPT_ONCE: 'small.txt\nmedium.bin\nbig.bin' },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(diffTrees(src, join(inbox, 'wire')), []);
});

test('bytes changed after hashing on every attempt: the receiver refuses the file (E_CHECKSUM), nothing lands under its name', async () => {
  const src = join(work, 'always-src');
  makeFiles(src, { 'good.bin': 100_000, 'bad.bin': 200_000 });
  const r = await runBarge(['sync', '--json', src, agent.url('inbox', 'always')], { env: { ...env, BARGE_TEST_CORRUPT_ALWAYS: 'bad.bin' } });
  assert.equal(r.code, 1, r.stderr);
  const s = JSON.parse(r.stdout) as Summary;
  assert.deepEqual(s.errors.map((e) => [e.code, e.path]), [['E_CHECKSUM', 'bad.bin']]);
  assert.equal(existsSync(join(inbox, 'always/bad.bin')), false);
  assert.deepEqual(readFileSync(join(inbox, 'always/good.bin')), readFileSync(join(src, 'good.bin')));
  assert.deepEqual(leftovers(join(inbox, 'always')), []);
});

test('an agent killed mid-file: the push fails cleanly; against the restarted agent it resumes from the recorded chunks', async () => {
  const src = join(work, 'kill-src');
  makeFiles(src, { 'huge.bin': 48 << 20, 'note.txt': 100 });
  const dstDir = join(work, 'kill-inbox');
  mkdirSync(dstDir);
  const victim = await startLoneAgent(work, [`inbox=${dstDir}:rw`]);
  const flags = ['--chunk-cutoff', '8M', '--chunk-size', '4M', '--bwlimit', '24M', '--streams', '2', '--json'];
  const push = startBarge(['sync', ...flags, src, victim.url('inbox')], { env });
  const journal = (): string => {
    const j = readdirSync(dstDir).find((n) => n.endsWith('.part.log'));
    return j === undefined ? '' : readFileSync(join(dstDir, j), 'utf8');
  };
  await waitUntil(() => (journal().match(/^chunk /gm) ?? []).length >= 3, 60_000);
  victim.proc.kill('SIGKILL');
  const r1 = await push.done;
  assert.equal(r1.code, 1, r1.stderr);
  assert.ok((JSON.parse(r1.stdout) as Summary).errors.some((e) => e.code === 'E_NETWORK'), r1.stdout);
  assert.equal(existsSync(join(dstDir, 'huge.bin')), false, 'no partial file under the final name');

  const again = await startLoneAgent(work, [`inbox=${dstDir}:rw`], victim.port);
  try {
    const r2 = await runBarge(['sync', ...flags.filter((f) => f !== '--bwlimit' && f !== '24M'), src, again.url('inbox')], { env });
    assert.equal(r2.code, 0, r2.stderr);
    assert.ok((JSON.parse(r2.stdout) as Summary).bytesResumed >= 3 * (4 << 20), r2.stdout);
    assert.deepEqual(diffTrees(src, dstDir), []);
    assert.deepEqual(leftovers(dstDir), []);
  } finally {
    await again.stop();
  }
});

test('TLS: a push with the agent\'s CA lands identical; a plain-TCP client is refused and writes nothing', async () => {
  const dir = join(work, 'tls');
  mkdirSync(join(dir, 'inbox'), { recursive: true });
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=barge-test', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const tlsAgent = await startLoneAgent(dir, [`inbox=${join(dir, 'inbox')}:rw`], 0, ['--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')]);
  try {
    const src = join(work, 'wire-src');
    const plain = await runBarge(['sync', src, tlsAgent.url('inbox', 'plain')], { env: { ...env, BARGE_TEST_WIRE_CORRUPT_ONCE: undefined } });
    assert.equal(plain.code, 2);
    assert.match(plain.stderr, /cannot sync to barge:/);
    assert.equal(existsSync(join(dir, 'inbox/plain')), false);
    const r = await runBarge(['sync', '--tls-ca', join(dir, 'cert.pem'), src, tlsAgent.url('inbox', 'secure')], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(diffTrees(src, join(dir, 'inbox/secure')), []);
  } finally {
    await tlsAgent.stop();
  }
});
