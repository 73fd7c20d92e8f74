// The ls -P parser: good lines, a file spanning tapes, malformed lines failing their path only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foldPosition, formatLsP, isLocated, parseLsP } from './ls-p.js';

const HPSS = [
  'DIRECTORY\t/home/u/alice/run1',
  'FILE\t/home/u/alice/run1/a.dat\t1048576\t1048576\t3025+0\tEA123400\t5\t0\t1\t09/30/2019\t12:00:41\t09/30/2019\t12:00:42',
  'FILE    /home/u/alice/run1/with space.dat   42   42   17+1024   EA123500   5   0   1',
  'FILE\t/home/u/alice/run1/big.dat\t9000000000\t9000000000\t900+0,1+0\tEA123600,EA123601\t5\t0\t1',
].join('\n');

void test('good lines give volume, position and size; spaces in a name; a file on two tapes is keyed by its first', () => {
  const asked = ['/home/u/alice/run1/a.dat', '/home/u/alice/run1/with space.dat', '/home/u/alice/run1/big.dat'];
  assert.deepEqual(parseLsP(HPSS, asked), [
    { path: asked[0], volume: 'EA123400', position: foldPosition(3025, 0), size: 1048576 },
    { path: asked[1], volume: 'EA123500', position: foldPosition(17, 1024), size: 42 },
    { path: asked[2], volume: 'EA123600', position: foldPosition(900, 0), size: 9000000000 },
  ]);
  assert.ok(foldPosition(3025, 0) > foldPosition(17, 1024) && foldPosition(17, 1024) > foldPosition(17, 0), 'positions order as section, then offset');
});

void test('the sim\'s lines parse back to what was printed', () => {
  const [got] = parseLsP(`${formatLsP('/arch/x y', 7, 12, 0, 'VOL003')}\n`, ['/arch/x y']);
  assert.deepEqual(got, { path: '/arch/x y', volume: 'VOL003', position: foldPosition(12, 0), size: 7 });
});

void test('a malformed line fails its path only, naming the line; a path with no line says so and shows unmatched lines', () => {
  const out = [
    'FILE\t/a/good\t10\t10\t1+0\tV1',
    'FILE\t/a/nosize\tten\t10\t1+0\tV1',
    'FILE\t/a/nopos\t10\t10\tsomewhere\tV1',
    'FILE\t/a/short\t10\t10',
    'FILE\t/zzz/stray\t1\t1\t1+0\tV9',
  ].join('\n');
  const got = parseLsP(out, ['/a/good', '/a/nosize', '/a/nopos', '/a/short', '/a/missing']);
  assert.ok(isLocated(got[0] as never));
  const messages = got.slice(1).map((g) => ('error' in g ? `${g.error.code} ${g.error.retryable} ${g.error.message}` : 'located'));
  assert.match(messages[0] ?? '', /^E_ARCHIVE false malformed ls -P line \(size "ten" is not a byte count\): "FILE\\t\/a\/nosize/);
  assert.match(messages[1] ?? '', /position "somewhere" is not SECTION\+OFFSET/);
  assert.match(messages[2] ?? '', /expected size, size, section\+offset and volume after the path, got 2 field/);
  assert.match(messages[3] ?? '', /no FILE line for it; lines matching no path asked for: "FILE\\t\/zzz\/stray/);
  assert.ok(got.slice(1).every((g) => 'error' in g && g.path === g.error.path));
});

void test('a path that is a prefix of another is not matched to its line', () => {
  const got = parseLsP('FILE\t/a/bc\t5\t5\t2+0\tV2\n', ['/a/b', '/a/bc']);
  assert.ok('error' in (got[0] as object));
  assert.deepEqual(got[1], { path: '/a/bc', volume: 'V2', position: foldPosition(2, 0), size: 5 });
});
