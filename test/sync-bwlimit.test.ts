// --bwlimit as rsync reads it (a bare number is KiB/s, 0 is no limit), and an interrupt
// that reaches a thread asleep in the limiter: at 1 KiB/s one buffer is minutes away,
// and ^C must not wait for it.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { patternBytes } from './helpers/odd-tree.js';
import { runBarge, startBarge, waitUntil } from './helpers/run-cli.js';
import { diffTrees } from './helpers/tree-diff.js';

let work: string;
before(() => { work = mkdtempSync(join(tmpdir(), 'barge-bw-')); });
after(() => rmSync(work, { recursive: true, force: true }));

function tree(name: string, files: Record<string, number>): string {
  const src = join(work, name);
  mkdirSync(src, { recursive: true });
  for (const [f, size] of Object.entries(files)) writeFileSync(join(src, f), patternBytes(f, size));
  return src;
}

/** every name under dir, at any depth (temporary files included) */
function allNames(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String) : [];
}

const cases: [string, Record<string, number>, string[]][] = [
  ['one 1 MB file', { big: 1_000_000 }, []],
  ['many small files (the batch path)', Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`s${i}`, 60_000])), []], // 2.4 MB: more than one 2 MiB batch
  ['a file copied in chunks', { big: 1_000_000 }, ['--chunk-cutoff', '256K', '--chunk-size', '256K']],
];

for (const [name, files, flags] of cases) {
  test(`^C during --bwlimit 1K (${name}) exits 130 within seconds, no temporary file left`, async () => {
    const src = tree(`int-${name.replace(/\W+/g, '-')}`, files);
    const dst = `${src}-dst`;
    // the progress line starts just after the ^C handler is installed: wait for it, not a
    // fixed time, which a slow machine could outlast before the handler is there
    const p = startBarge(['sync', '--bwlimit', '1K', '--progress', ...flags, src, dst], { timeoutMs: 60_000 });
    await waitUntil(() => p.output().stderr !== '', 30_000);
    const sent = Date.now();
    p.kill('SIGINT');
    const r = await p.done;
    const took = Date.now() - sent;
    assert.equal(r.timedOut, false, 'it exited by itself');
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /^(scanning|copying): \d+\/\d+ files?, /m, '--progress draws its line where stderr is a pipe');
    assert.ok(took < 5000, `exited ${took} ms after SIGINT`);
    const left = allNames(dst);
    assert.deepEqual(left.filter((n) => n.endsWith('.tmp')), [], 'no temporary small file');
    // (a file copied in chunks keeps its partial, .part, for the next run to resume: by design)
    // nothing half-written under a final name: what landed is whole, the 1 MB file did not
    for (const f of Object.keys(files)) {
      if (existsSync(join(dst, f))) assert.ok(readFileSync(join(dst, f)).equals(readFileSync(join(src, f))), `${f} landed torn`);
    }
    if ('big' in files) assert.ok(!existsSync(join(dst, 'big')), 'a 1 MB file cannot have landed at 1 KiB/s');
  });
}

test('a bare --bwlimit number is KiB per second, as with rsync', async () => {
  // three directories, three writes of 10 KiB: the first goes at once, each other waits
  // for its slot, about a second each at 10 KiB/s (10 bytes per second, the old reading,
  // would take an hour)
  const src = join(work, 'kib');
  for (const d of ['a', 'b', 'c']) {
    mkdirSync(join(src, d), { recursive: true });
    writeFileSync(join(src, d, 'f'), patternBytes(d, 10 * 1024));
  }
  const dst = `${src}-dst`;
  const start = Date.now();
  const r = await runBarge(['sync', '--bwlimit', '10', '--transfers', '2', src, dst], { timeoutMs: 30_000 });
  const seconds = (Date.now() - start) / 1000;
  assert.equal(r.code, 0, r.stderr);
  assert.ok(seconds >= 1.5, `30 KiB at 10 KiB/s took ${seconds} s`);
  assert.deepEqual(diffTrees(src, dst), []);
});

test('--bwlimit 0 means no limit; less than a byte per second is refused, naming the flag', async () => {
  const src = tree('zero', { f: 2 * 1024 * 1024 });
  const r = await runBarge(['sync', '--bwlimit', '0', src, `${src}-dst`], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(diffTrees(src, `${src}-dst`), []);
  for (const bad of ['0.5B', '0.0001']) {
    const no = await runBarge(['sync', '--bwlimit', bad, src, join(work, 'never')]);
    assert.equal(no.code, 2, no.stderr);
    assert.match(no.stderr, new RegExp(`bad --bwlimit '${bad.replace('.', '\\.')}': less than 1 byte per second`));
    assert.ok(!existsSync(join(work, 'never')));
  }
});
