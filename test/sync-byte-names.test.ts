// Names and symlink targets that are not valid UTF-8 (issue 28, points 2 and 10): barge
// carries their bytes as rsync does, locally and into a lone agent over the data plane,
// and shows each such byte as \xNN in every output. Real files, real processes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AGENT_TOKEN, startLoneAgent, type LoneAgent } from './helpers/lone-agent.js';
import { runBarge } from './helpers/run-cli.js';
import { diffSnapshots, diffTrees, snapshotTree } from './helpers/tree-diff.js';

let work: string;
let src: string;

/** a path of bytes: the parts as they are, '/' between */
function at(...parts: (string | number[])[]): Buffer {
  const bufs = parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p)));
  return Buffer.concat(bufs.flatMap((b, i) => (i === 0 ? [b] : [Buffer.from('/'), b])));
}
const CHUNKED = ['--chunk-cutoff', '1M', '--chunk-size', '1M'];
const BAD_FILE = [...Buffer.from('bad-'), 0xff];
const BAD_DIR = [0x64, 0xfe];
const TARGET = [...Buffer.from('target-'), 0xff];
/** a surrogate (U+DC80) written in UTF-8: not valid UTF-8, three bytes to carry as they are */
const SURROGATE_FILE = [0x78, 0xed, 0xb2, 0x80];

/** every name under root, as bytes, sorted: what the file system holds, with no decoding in between */
function names(root: string, rel: Buffer = Buffer.alloc(0)): string[] {
  const out: string[] = [];
  for (const n of readdirSync(rel.length === 0 ? Buffer.from(root) : at(root, [...rel]), { encoding: 'buffer' })) {
    const r = rel.length === 0 ? n : Buffer.concat([rel, Buffer.from('/'), n]);
    out.push(r.toString('hex'));
    try { out.push(...names(root, r)); } catch { /* not a directory */ }
  }
  return out.sort();
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'barge-bytes-'));
  src = join(work, 'src');
  mkdirSync(src);
  writeFileSync(at(src, BAD_FILE), 'x');
  mkdirSync(at(src, BAD_DIR));
  writeFileSync(at(src, BAD_DIR, 'f'), 'in a dir whose name is not UTF-8');
  writeFileSync(at(src, BAD_DIR, BAD_FILE), 'both');
  writeFileSync(at(src, SURROGATE_FILE), 's');
  // sent in chunks (with CHUNKED): its partial file and journal are named after it
  writeFileSync(at(src, BAD_DIR, [...Buffer.from('big-'), 0xff]), randomBytes(3 << 20));
  writeFileSync(join(src, 'good \u{1f680}'), 'g');
  symlinkSync(at(TARGET), at(src, 'l'));
  symlinkSync(at('..', BAD_FILE), at(src, BAD_DIR, [...Buffer.from('up-'), 0x80]));
});
after(() => rmSync(work, { recursive: true, force: true }));

interface Summary { filesCopied: number; metaUpdated: number; symlinksMade: number; dirsCreated: number; deleted: number; failed: number; errors: { code: string; path: string | null; message: string }[] }

test('a tree of names and a link target that are not UTF-8 is copied byte for byte, and each such byte shows as \\xNN', async () => {
  const dst = join(work, 'dst');
  const r = await runBarge(['sync', '-v', ...CHUNKED, src, dst]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(diffTrees(src, dst), []);
  assert.deepEqual(names(dst), names(src));
  assert.deepEqual(readlinkSync(at(dst, 'l'), { encoding: 'buffer' }), at(TARGET), 'the target is its bytes, not U+FFFD');
  for (const line of ['new      bad-\\xff', 'mkdir    d\\xfe/', 'new      d\\xfe/bad-\\xff', 'new      x\\xed\\xb2\\x80', 'symlink  l -> target-\\xff', 'symlink  d\\xfe/up-\\x80 -> ../bad-\\xff']) {
    assert.ok(r.stdout.split('\n').includes(line), `${line} in:\n${r.stdout}`);
  }
  assert.doesNotMatch(r.stdout + r.stderr, /\ufffd/);
  // rsync, the reference, finds nothing to do
  assert.equal(execFileSync('rsync', ['-a', '-n', '-i', `${src}/`, `${dst}/`], { encoding: 'latin1' }), '');
});

test('a second run is a no-op: nothing copied, no link made again, no metadata fixed', async () => {
  const dst = join(work, 'dst');
  const before = snapshotTree(dst);
  const r = await runBarge(['sync', '--json', src, dst]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as Summary;
  assert.deepEqual([s.filesCopied, s.symlinksMade, s.metaUpdated, s.dirsCreated, s.failed], [0, 0, 0, 0, 0]);
  assert.deepEqual(diffSnapshots(before, snapshotTree(dst)), []);
});

test('--delete removes names only the destination has, those that are not UTF-8 and directories holding them', async () => {
  const dst = join(work, 'dst');
  writeFileSync(at(dst, [...Buffer.from('gone-'), 0xfb]), 'theirs');
  mkdirSync(at(dst, [0x78, 0xfd]));
  writeFileSync(at(dst, [0x78, 0xfd], [0x79, 0xfc]), 'theirs');
  writeFileSync(at(dst, BAD_DIR, [0xc3, 0x28]), 'theirs'); // a lead byte followed by '(': not UTF-8

  const dry = await runBarge(['sync', '--delete', '-n', src, dst]);
  assert.equal(dry.code, 0, dry.stderr);
  for (const line of ['delete   gone-\\xfb', 'delete   x\\xfd/', 'delete   d\\xfe/\\xc3(']) assert.ok(dry.stdout.split('\n').includes(line), `${line} in:\n${dry.stdout}`);
  assert.ok(existsSync(at(dst, [0x78, 0xfd], [0x79, 0xfc])), 'the dry run deleted nothing');

  const r = await runBarge(['sync', '--delete', '--json', src, dst]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as Summary;
  assert.equal(s.deleted, 4, r.stdout);
  assert.deepEqual(s.errors, []);
  assert.deepEqual(diffTrees(src, dst), []);
  assert.deepEqual(names(dst), names(src));
});

test('an error about such a name shows \\xNN in its line, in --json and in --log-format json; --files-from lists names as bytes', async () => {
  const list = join(work, 'list');
  writeFileSync(list, Buffer.concat([at(BAD_DIR, BAD_FILE), Buffer.from('\n'), at([...Buffer.from('missing-'), 0xfe]), Buffer.from('\n')]));
  const dst = join(work, 'dst-listed');
  const r = await runBarge(['sync', '--files-from', list, src, dst]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^barge: E_NOT_FOUND: missing-\\xfe: listed in --files-from but not in the source$/m);
  assert.deepEqual(names(dst), [at(BAD_DIR).toString('hex'), at(BAD_DIR, BAD_FILE).toString('hex')], 'the listed name was copied');

  const j = await runBarge(['sync', '--files-from', list, '--json', src, dst]);
  const s = JSON.parse(j.stdout) as Summary;
  assert.deepEqual(s.errors.map((e) => e.path), ['missing-\\xfe']);
  const l = await runBarge(['sync', '--files-from', list, '--log-format', 'json', src, dst]);
  const logged = l.stderr.split('\n').filter((x) => x.startsWith('{')).map((x) => JSON.parse(x) as { code?: string; path?: string });
  assert.deepEqual(logged.filter((x) => x.code === 'E_NOT_FOUND').map((x) => x.path), ['missing-\\xfe']);
  assert.doesNotMatch(r.stderr + j.stdout + l.stderr, /\ufffd|\\udc/);
});

test('pushed into a lone agent over the data plane, the same tree arrives byte for byte; a re-push is a no-op; --delete works there', async () => {
  const inbox = join(work, 'inbox');
  mkdirSync(inbox);
  const agent: LoneAgent = await startLoneAgent(work, [`inbox=${inbox}:rw`]);
  const env = { BARGE_TOKEN: AGENT_TOKEN };
  try {
    const r = await runBarge(['sync', '-v', ...CHUNKED, src, agent.url('inbox', 'tree')], { env });
    assert.equal(r.code, 0, r.stderr);
    const dst = join(inbox, 'tree');
    assert.deepEqual(diffTrees(src, dst), []);
    assert.deepEqual(names(dst), names(src));
    assert.deepEqual(readlinkSync(at(dst, 'l'), { encoding: 'buffer' }), at(TARGET));
    assert.ok(r.stdout.split('\n').includes('symlink  l -> target-\\xff'), r.stdout);

    const again = await runBarge(['sync', '--json', src, agent.url('inbox', 'tree')], { env });
    assert.equal(again.code, 0, again.stderr);
    const s = JSON.parse(again.stdout) as Summary;
    assert.deepEqual([s.filesCopied, s.symlinksMade, s.metaUpdated, s.dirsCreated], [0, 0, 0, 0]);

    mkdirSync(at(dst, [0x78, 0xfd]));
    writeFileSync(at(dst, [0x78, 0xfd], [0x79, 0xfc]), 'theirs');
    const del = await runBarge(['sync', '--delete', '-v', src, agent.url('inbox', 'tree')], { env });
    assert.equal(del.code, 0, del.stderr);
    assert.ok(del.stdout.split('\n').includes('delete   x\\xfd/'), del.stdout);
    assert.deepEqual(names(dst), names(src));
  } finally {
    await agent.stop();
  }
});
