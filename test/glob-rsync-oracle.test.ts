// rsync decides what barge's filter patterns mean: a real tree, and for each pattern
// `rsync -a --exclude=PATTERN` (a dry run) lists what it would copy; barge's filter (the
// same rule, the tree walked with excluded directories not entered) must keep the same
// entries. The differences allowed are the documented ones: rsync compares bytes, barge
// characters, so `?` matches one `ä` in barge and `??` does in rsync; and a pattern
// rsync cannot read (an unclosed `[`), with which rsync matches nothing, barge refuses.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { PathFilter } from '../src/core/filter.js';
import { compileGlob } from '../src/core/glob.js';
import type { Entry } from '../src/core/entry.js';

const FILES = [
  'foo', 'foo.txt', 'foo.log', '.hidden', 'abc', 'X', 'A1', 'z', 'ä', 'sp ace', 'a\\b',
  'a]b', 'a[b', 'a-b', 'a!b', 'a^b', 'a*b', 'a?b', 'a:b', 'x1y', 'xay', 'xAy', 'x-y', 'x]y',
  'bar/foo', 'bar/baz/foo', 'bar/baz/qux.txt', 'a/b/c.txt', 'a/c.txt', 'x/a/b/c.txt', 'x/a/c.txt',
  'dir1/sub/deep.txt', 'dir1/file', 'dir2/file', 'tmp/x', 'q/tmp/x', 'q/sub/y',
];

const PATTERNS = [
  '*', '?', '??', '*.txt', '*.t?t', 'foo', 'foo*', '*foo', 'f*o', 'bar/foo', '/foo', '/bar/foo', 'baz/foo',
  'a/*.txt', 'a/**/c.txt', 'a/**', 'a/***', '**/c.txt', '**/foo', '**foo', 'foo**', 'bar/**/foo', 'bar/**foo',
  '*/foo', '/*/foo', '*/*/foo', 'b/c.txt', '/a/b/c.txt', '**', '**/', '/**/c.txt', 'x/**/c.txt', '**/a/**',
  '[]]', 'a[]]b', 'a[!]]b', 'a[^]]b', 'a[]-]b', 'a[-]b', 'a[!-]b', 'a[[]b', 'a[\\]]b', 'a[*]b', 'a[?]b',
  'a\\*b', 'a\\?b', 'a\\[b', 'a\\]b', 'a\\b', 'a[\\\\]b', '\\f\\o\\o',
  '[[:digit:]]', 'x[[:digit:]]y', 'x[[:alpha:]]y', '[[:upper:]]', '[[:upper:]][[:digit:]]', '[[:punct:]]',
  'a[[:punct:]]b', '[[:alnum:]]*', '[[:bogus:]]', '[[:alpha:]', 'a[[:]b', 'a[:]b', 'x[[:lower:][:digit:]]y',
  'a[', 'a[b', 'a[-', '[a-c]*', '[!a-c]*', '[c-a]*', '[a-]*', '[]-a]*', 'x[a-z]y', 'x[!a-z]y', 'x[!0-9]y',
  'x[^0-9]y', '*[', 'x[!]y', '[!]',
  '/a[!x]b/c.txt', '/a?b/c.txt', '/a*b/c.txt', '/a[/]b/c.txt', '/a**b/c.txt', '/a[!]]b/c.txt',
  'tmp/', 'tmp', 'bar/', 'baz/', '/bar/', '/baz/', 'bar/***', 'bar/baz/***', '/dir1/***', 'dir1/sub/',
  '*/', 'sub/***', '/q/***', 'q/*/', '?/', '*/*/', 'sub', '/sub', 'tmp/x', '/tmp/x', 'd*/file', 'dir?/',
  '.*', '.h*', '*.*', 'sp ace', 'sp?ace', 'a:b', 'a[:]b',
];

/** rsync compares bytes, barge characters: these patterns meet `ä` differently, on purpose */
const BYTES_NOT_CHARACTERS = new Set(['?', '??']);

const rsyncAt = ((): string | undefined => {
  try { return execFileSync('sh', ['-c', 'command -v rsync']).toString().trim() || undefined; } catch { return undefined; }
})();
const skip = rsyncAt === undefined && process.env.CI !== 'true' ? 'rsync is not installed (apt-get install rsync)' : undefined;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-glob-oracle-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const src = path.join(dir, 'src');
for (const f of FILES) {
  fs.mkdirSync(path.dirname(path.join(src, f)), { recursive: true });
  fs.writeFileSync(path.join(src, f), f);
}

/** what rsync would copy with `--exclude=pattern`, as paths (directories end in '/') */
function rsyncKeeps(pattern: string): string[] {
  const out = execFileSync('rsync', ['-a', '-n', '--out-format=%n', `--exclude=${pattern}`, `${src}/`, path.join(dir, 'dst') + '/'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l !== '' && l !== './').sort();
}

/** what barge's filter keeps with that one exclude rule, walking as the scanner does */
function bargeKeeps(pattern: string): string[] {
  const filter = new PathFilter({ rules: [{ kind: 'exclude', pattern }] }, 0n);
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const d of fs.readdirSync(path.join(src, rel), { withFileTypes: true })) {
      const r = rel === '' ? d.name : `${rel}/${d.name}`;
      const entry = { name: d.name, type: d.isDirectory() ? 'dir' : 'file', size: 1, mtimeNs: 0n } as unknown as Entry;
      if (!filter.accepts(r, entry, false)) continue;
      if (d.isDirectory()) { out.push(`${r}/`); walk(r); } else out.push(r);
    }
  };
  walk('');
  return out.sort();
}

test(`barge's filter patterns keep what rsync keeps (${PATTERNS.length} patterns on a ${FILES.length}-file tree)`, { skip }, () => {
  assert.ok(rsyncAt, 'rsync is needed: apt-get install rsync');
  const wrong: string[] = [];
  const everything = rsyncKeeps('no such name');
  for (const p of PATTERNS) {
    const theirs = rsyncKeeps(p);
    let refused = false;
    try { compileGlob(p); } catch { refused = true; }
    if (refused) {
      // barge refuses what rsync cannot read; rsync then matches nothing with it
      if (theirs.join('\n') !== everything.join('\n')) wrong.push(`'${p}': refused by barge, but rsync matched with it`);
      continue;
    }
    const ours = bargeKeeps(p);
    const onlyRsync = theirs.filter((x) => !ours.includes(x));
    const onlyBarge = ours.filter((x) => !theirs.includes(x));
    const diff = [...onlyRsync.map((x) => `-${x}`), ...onlyBarge.map((x) => `+${x}`)];
    if (BYTES_NOT_CHARACTERS.has(p)) {
      assert.deepEqual(diff.map((d) => d.slice(1)), ['ä'], `pattern '${p}' differs from rsync only on 'ä': ${diff.join(' ')}`);
    } else if (diff.length > 0) wrong.push(`'${p}': rsync keeps what barge drops: [${onlyRsync.join(', ')}]; barge keeps what rsync drops: [${onlyBarge.join(', ')}]`);
  }
  assert.deepEqual(wrong, []);
});
