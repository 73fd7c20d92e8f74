// Names shaped like barge's temporary files (issue 28, point 9): in the source they are
// files like any other, copied and then left alone by a re-sync; in the destination only
// files barge can tell it made (named after a file beside them) are taken for its
// leftovers, and others stay without --delete.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { journalNameFor, partialNameFor, tempNameFor } from '../src/core/temp-names.js';
import { patternBytes } from './helpers/odd-tree.js';
import { runBarge } from './helpers/run-cli.js';
import { diffTrees } from './helpers/tree-diff.js';

let work: string;
let n = 0;
before(() => { work = mkdtempSync(join(tmpdir(), 'barge-temp-names-')); });
after(() => rmSync(work, { recursive: true, force: true }));

function fresh(): { src: string; dst: string } {
  n++;
  const src = join(work, `src${n}`);
  const dst = join(work, `dst${n}`);
  mkdirSync(src);
  return { src, dst };
}

const LOOKALIKES = ['.barge-0123456789abcdef-x.tmp', '.barge-0123456789abcdef.part', '.barge-0123456789abcdef.part.log'];

interface Summary { filesCopied: number; deleted: number; failed: number; metaUpdated: number }

async function sync(args: string[]): Promise<Summary> {
  const r = await runBarge(['sync', '--json', ...args]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return JSON.parse(r.stdout) as Summary;
}

test('source files named like barge temporaries are copied, and a re-sync is a no-op', async () => {
  const { src, dst } = fresh();
  mkdirSync(join(src, 'sub'));
  for (const name of LOOKALIKES) {
    writeFileSync(join(src, name), `top ${name}\n`);
    writeFileSync(join(src, 'sub', name), `sub ${name}\n`);
  }
  writeFileSync(join(src, 'plain'), 'plain\n');
  const first = await sync([src, dst]);
  assert.equal(first.filesCopied, 7);
  assert.deepEqual(diffTrees(src, dst), []);
  for (const args of [[src, dst], ['--delete', src, dst], ['-c', '--delete', src, dst]]) {
    const again = await sync(args);
    assert.deepEqual([again.filesCopied, again.deleted, again.metaUpdated], [0, 0, 0], args.join(' '));
    assert.deepEqual(diffTrees(src, dst), []);
  }
  // a changed one is updated like any file
  writeFileSync(join(src, 'sub', LOOKALIKES[1] as string), 'changed, longer\n');
  assert.equal((await sync([src, dst])).filesCopied, 1);
  assert.deepEqual(diffTrees(src, dst), []);
});

test('a destination-only file named like a barge temporary survives a sync without --delete; --delete removes it', async () => {
  const { src, dst } = fresh();
  writeFileSync(join(src, 'a'), 'a\n');
  mkdirSync(dst);
  for (const name of LOOKALIKES) writeFileSync(join(dst, name), 'not barge\'s\n');
  await sync([src, dst]);
  for (const name of LOOKALIKES) assert.equal(readFileSync(join(dst, name), 'utf8'), 'not barge\'s\n', name);
  const d = await sync(['--delete', src, dst]);
  assert.equal(d.deleted, 3);
  assert.deepEqual(readdirSync(dst), ['a']);
});

test('temporary files barge left beside a file (named after it) go without --delete', async () => {
  const { src, dst } = fresh();
  writeFileSync(join(src, 'a'), 'a\n');
  await sync([src, dst]);
  // what an interrupted run leaves: a temporary file, and a partial with its journal of a file not copied in chunks now
  const left = [tempNameFor('a'), partialNameFor('a'), journalNameFor('a')];
  for (const name of left) writeFileSync(join(dst, name), 'stale');
  await sync([src, dst]);
  assert.deepEqual(readdirSync(dst), ['a']);
});

test('a large file whose partial name a source file holds is copied whole, and both land', async () => {
  const { src, dst } = fresh();
  const MiB = 1 << 20;
  writeFileSync(join(src, 'big.bin'), patternBytes('big', 3 * MiB));
  writeFileSync(join(src, partialNameFor('big.bin')), 'a file of that name\n');
  writeFileSync(join(src, journalNameFor('other.bin')), 'and this one\n');
  writeFileSync(join(src, 'other.bin'), patternBytes('other', 3 * MiB));
  const flags = ['--chunk-cutoff', '1M', '--chunk-size', '1M'];
  const first = await sync([...flags, src, dst]);
  assert.equal(first.filesCopied, 4);
  assert.deepEqual(diffTrees(src, dst), []);
  writeFileSync(join(src, 'big.bin'), patternBytes('big2', 3 * MiB + 1));
  writeFileSync(join(src, 'other.bin'), patternBytes('other2', 3 * MiB + 1));
  assert.equal((await sync([...flags, '--delete', src, dst])).filesCopied, 2);
  assert.deepEqual(diffTrees(src, dst), []);
  assert.ok(existsSync(join(dst, partialNameFor('big.bin'))));
  assert.equal((await sync([...flags, '--delete', src, dst])).filesCopied, 0);
});
