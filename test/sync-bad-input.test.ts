// Bad input gets one clear line and exit code 2, and nothing is written.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runBarge } from './helpers/run-cli.js';

let work: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'barge-bad-'));
  mkdirSync(join(work, 'src/sub'), { recursive: true });
  writeFileSync(join(work, 'src/f'), 'x');
  writeFileSync(join(work, 'afile'), 'x');
});
after(() => rmSync(work, { recursive: true, force: true }));

const cases: Array<[string, (w: string) => string[], RegExp]> = [
  ['missing source', (w) => ['sync', join(w, 'nope'), join(w, 'd')], /source '.*nope' does not exist/],
  ['source is a file', (w) => ['sync', join(w, 'afile'), join(w, 'd')], /is not a directory/],
  ['destination is a file', (w) => ['sync', join(w, 'src'), join(w, 'afile')], /destination '.*afile' exists and is not a directory/],
  ['destination inside source', (w) => ['sync', join(w, 'src'), join(w, 'src/sub/d')], /is inside the source/],
  ['source inside destination', (w) => ['sync', join(w, 'src/sub'), join(w, 'src')], /is inside the destination/],
  ['same directory', (w) => ['sync', join(w, 'src'), join(w, 'src/')], /same directory/],
  ['unknown flag', (w) => ['sync', '--frobnicate', join(w, 'src'), join(w, 'd')], /unknown option '--frobnicate'/],
  ['bad size', (w) => ['sync', '--min-size', '12Q', join(w, 'src'), join(w, 'd')], /bad --min-size '12Q'/],
  ['bad rate', (w) => ['sync', '--bwlimit', 'fast', join(w, 'src'), join(w, 'd')], /bad --bwlimit 'fast'/],
  ['bad age', (w) => ['sync', '--max-age', 'old', join(w, 'src'), join(w, 'd')], /bad age 'old'/],
  ['age too large', (w) => ['sync', '--max-age', '9'.repeat(400) + 'y', join(w, 'src'), join(w, 'd')], /bad age '9+y': too large/],
  ['rate below a byte per second', (w) => ['sync', '--bwlimit', '0.5B', join(w, 'src'), join(w, 'd')], /bad --bwlimit '0.5B': less than 1 byte per second/],
  ['bad transfers', (w) => ['sync', '--transfers', '0', join(w, 'src'), join(w, 'd')], /--transfers '0'.*at least 1/],
  ['bad hash', (w) => ['sync', '--hash', 'crc', join(w, 'src'), join(w, 'd')], /crc.*invalid|Allowed choices/i],
  ['bad glob', (w) => ['sync', '--exclude', '[abc', join(w, 'src'), join(w, 'd')], /bad glob '\[abc'/],
  ['conflicting compare modes', (w) => ['sync', '--checksum', '--size-only', join(w, 'src'), join(w, 'd')], /cannot be used together/],
  ['--max-delete without --delete', (w) => ['sync', '--max-delete', '5', join(w, 'src'), join(w, 'd')], /--max-delete needs --delete/],
  ['missing --files-from', (w) => ['sync', '--files-from', join(w, 'nolist'), join(w, 'src'), join(w, 'd')], /cannot read --files-from/],
  ['missing argument', (w) => ['sync', join(w, 'src')], /missing required argument 'DST'/],
];

for (const [name, args, message] of cases) {
  test(`${name}: exit 2 with a clear line, nothing written`, async () => {
    const r = await runBarge(args(work));
    assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /^barge: /m);
    assert.ok(!existsSync(join(work, 'd')), 'no destination made');
  });
}

test('a destination that cannot be made (under /proc) is exit 2 naming it, not a hang', { skip: existsSync('/proc/self') ? undefined : 'needs Linux /proc' }, async () => {
  const r = await runBarge(['sync', join(work, 'src'), '/proc/barge-none/d'], { timeoutMs: 20_000 });
  assert.equal(r.timedOut, false, 'barge hung making the destination');
  assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /^barge: cannot create destination '\/proc\/barge-none\/d': ENOENT/m);
});
