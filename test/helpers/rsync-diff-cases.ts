// Cases of test/rsync-differential.test.ts copied into empty destinations, written after
// the intent of rsync's own tests (devices, files-from, filters, sparse files, deep paths,
// hard links), none copied from it. Updates of existing destinations: rsync-diff-updates.ts.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { makeOddTree } from './odd-tree.js';
import { setTimesNs } from './ns-time.js';
import { patternBytes, type TreeBuilder } from './tree-builder.js';
import { asRoot, build, filesFromTree, KiB, MiB, ROOT_TIME_FILES_FROM, text, type DiffCase } from './rsync-diff-case.js';
import { UPDATE_CASES } from './rsync-diff-updates.js';

export type { DiffCase, KnownDifference } from './rsync-diff-case.js';

const DEVICES_SKIPPED = 'barge reports and skips fifos, sockets and devices (README: barge sync); rsync -a copies them as root';

/** plain files, empty ones, nested and empty directories, symlinks of every kind, owners */
function basics(b: TreeBuilder): void {
  b.file('empty', Buffer.alloc(0), 0o644);
  b.file('one-byte', Buffer.from('x'), 0o644);
  b.file('mib', patternBytes('mib', MiB + 7), 0o640);
  b.dir('sub', 0o755);
  b.file('sub/inner.txt', text('inner'), 0o600);
  b.dir('sub/empty-dir', 0o700);
  b.dir('sub/deeper', 0o750);
  b.file('sub/deeper/leaf', text('leaf'), 0o444);
  b.symlink('rel-link', 'sub/inner.txt');
  b.symlink('up-link', '../outside');
  b.symlink('abs-link', '/etc/hostname');
  b.symlink('dangling', 'no/such/thing');
  b.symlink('dir-link', 'sub');
  b.symlink('sub/deeper/back', '../..');
  b.symlinkBytes('odd-target', Buffer.from([0x74, 0xff, 0x2f, 0xc3]));
  b.file('name with space', text('space'), 0o644);
  b.file('new\nline', text('newline'), 0o644);
  b.file('latin1-tmp', text('latin-1 name'), 0o644);
  b.renameLater('', 'latin1-tmp', Buffer.from([0x63, 0x61, 0x66, 0xe9]));
  // shaped like barge's own temporary files: for rsync and barge alike, files like any other
  b.file('.barge-0123456789abcdef-x.tmp', text('temp-shaped'), 0o644);
  b.file('.barge-0123456789abcdef.part', text('partial-shaped'), 0o644);
  if (asRoot) {
    b.owner('sub/inner.txt', 1234, 5678);
    b.owner('sub/deeper', 4321, 0);
    b.owner('rel-link', 1111, 2222);
  }
}

const COPY_CASES: DiffCase[] = [
  {
    name: 'basics',
    intent: 'a plain -a copy: files, empty files and directories, symlinks (relative, absolute, dangling, to a directory), owners',
    flags: [],
    src: (r) => build(r, basics),
  },
  {
    name: 'odd tree',
    intent: 'every awkward entry at once: odd and non-UTF-8 names, extreme times, holes, modes, specials, deep nesting',
    flags: ['-H'],
    src: (r) => { makeOddTree(r, { nonUtf8Names: true }); },
    known: [
      { field: 'missing', path: /^special\/(fifo|socket|char-1-3)$/, why: DEVICES_SKIPPED },
    ],
  },
  {
    name: 'devices',
    intent: 'devices and specials as root: character and block devices, a fifo, a socket',
    flags: [],
    needsRoot: true,
    src: (r) => build(r, (b) => {
      b.file('plain', text('plain'), 0o644);
      b.charDevice('char-1-3');
      b.fifo('fifo');
      b.socket('', 'socket');
    }, () => {
      execFileSync('mknod', ['-m', '0600', join(r, 'block-7-200'), 'b', '7', '200']);
      setTimesNs([[join(r, 'block-7-200'), 1_400_000_000_000_000_001n], [r, 1_400_000_000_000_000_002n]]);
    }),
    known: [{ field: 'missing', path: /^(char-1-3|block-7-200|fifo|socket)$/, why: DEVICES_SKIPPED }],
  },
  {
    name: 'files-from with . and nested paths',
    intent: "--files-from: a '.' line (the whole tree) beside nested listed paths",
    flags: [],
    rsyncFlags: ['-r'],
    filesFrom: Buffer.from('a/b/c.txt\n.\ndir\n'),
    src: (r) => build(r, filesFromTree),
  },
  {
    name: 'files-from nested paths',
    intent: '--files-from: nested listed paths make their parents, a listed directory brings its subtree (rsync: with -r), duplicates',
    flags: [],
    rsyncFlags: ['-r'],
    filesFrom: Buffer.from('a/b/c.txt\ndir\n# a comment\ntop.txt\ndir/sub/y\na/b/c.txt\n'),
    src: (r) => build(r, filesFromTree),
    known: [ROOT_TIME_FILES_FROM],
  },
  {
    name: 'files-from without -r',
    intent: '--files-from as rsync -a reads it without -r: a listed directory is made, but not filled',
    flags: [],
    filesFrom: Buffer.from('a/b/c.txt\ndir\n'),
    src: (r) => build(r, filesFromTree),
    known: [{
      field: 'extra', path: /^dir\/(x|sub)$/,
      why: 'barge: a listed directory brings its whole subtree (README: Filters); rsync -a --files-from needs -r for that',
    }, ROOT_TIME_FILES_FROM],
  },
  {
    name: 'files-from through a symlink',
    intent: '--files-from listing a path through a symlink to a directory (rsync makes the directory and copies the file)',
    flags: [],
    rsyncFlags: ['-r'],
    filesFrom: Buffer.from('dir-link/inner\n'),
    src: (r) => build(r, (b) => {
      b.dir('sub', 0o755);
      b.file('sub/inner', text('inner'), 0o644);
      b.symlink('dir-link', 'sub');
    }),
    known: [ROOT_TIME_FILES_FROM, {
      field: 'missing', path: /^dir-link(\/inner)?$/,
      why: 'rsync follows the symlink in the listed path and makes dir-link a directory; barge does not turn a link into a directory: it names it (E_UNSUPPORTED, exit 1) and copies nothing there (README, Differences from rsync)',
    }],
    exits: { rsync: 0, barge: 1 },
  },
  {
    name: 'files-from comment lines',
    intent: "--files-from: rsync skips lines that start with '#' or ';' as comments",
    flags: [],
    rsyncFlags: ['-r'],
    filesFrom: Buffer.from('# a comment\n; another comment\n;semi\nplain\n'),
    src: (r) => build(r, (b) => {
      b.file(';semi', text('a name that rsync reads as a comment line'), 0o644);
      b.file('plain', text('plain'), 0o644);
    }),
    known: [ROOT_TIME_FILES_FROM],
  },
  {
    name: 'filters',
    intent: 'excludes: anchored, a name at any depth, dir/, dir/***, character classes, POSIX classes',
    flags: ['--exclude', '/top.log', '--exclude', '*.tmp', '--exclude', 'cache/', '--exclude', 'build/***',
      '--exclude', '[0-9]*.bak', '--exclude', '[[:upper:]]*', '--exclude', 'sub/x[!a-c]y'],
    src: (r) => build(r, filterTree),
  },
  {
    name: 'filter rule prefixes',
    intent: "patterns that start with '+ ' or '- ', which rsync reads as a rule's prefix (include or exclude the rest)",
    flags: ['--exclude', '+ plus', '--exclude', '- minus'],
    src: (r) => build(r, (b) => {
      for (const f of ['+ plus', '- minus', 'plus', 'minus', 'other']) b.file(f, text(f), 0o644);
    }),
    known: [{
      field: 'missing', path: /^[+-] (plus|minus)$/,
      why: "barge: a pattern is only a pattern, so '+ plus' excludes the file of that name; rsync reads '+ ' as include, '- ' as exclude",
    }, {
      field: 'extra', path: /^minus$/,
      why: "rsync reads '- minus' as an exclude of 'minus' (README: Differences from rsync)",
    }],
  },
  {
    name: 'include before exclude',
    intent: "includes first: --include '*/' --include '*.txt' --exclude '*' keeps every directory and the .txt files",
    flags: ['--include', '*/', '--include', '*.txt', '--exclude', '*'],
    src: (r) => build(r, filterTree),
  },
  {
    name: 'far times',
    intent: 'times past 2262 (beyond 64-bit nanoseconds) and before 1910 on files, directories and symlinks',
    flags: [],
    src: (r) => build(r, (b) => {
      b.dir('d-2300', 0o755);
      b.time('d-2300', 10_413_792_000_123_456_789n);
      b.file('d-2300/f-2400', text('f'), 0o644);
      b.time('d-2300/f-2400', 13_569_465_600_000_000_001n);
      b.symlink('l-2300', 'd-2300');
      b.time('l-2300', 10_413_792_000_999_999_999n);
      b.file('f-1906', text('old'), 0o644);
      b.time('f-1906', -2_000_000_000_000_000_001n);
    }),
  },
  {
    name: 'sparse',
    intent: '-S: holes at the start, middle and end, a file all hole, a dense file; a dense file on the destination updated',
    flags: ['-S'],
    allocation: true,
    src: (r) => build(r, (b) => {
      b.sparse('middle', 4 * MiB, [[0, 64 * KiB], [4 * MiB - 64 * KiB, 64 * KiB]]);
      b.sparse('leading', 2 * MiB, [[2 * MiB - 10, 10]]);
      b.sparse('trailing', 3 * MiB, [[0, 4 * KiB]]);
      b.sparse('all-hole', 5 * MiB, []);
      b.file('dense', patternBytes('dense', MiB), 0o644);
    }),
    // an older, dense copy of one of them: the update must leave holes too
    dst: (r) => build(r, (b) => b.file('middle', patternBytes('old middle', 3 * MiB), 0o644)),
  },
  {
    name: 'deep paths',
    intent: 'paths deep and long: 60 levels, names of 255 bytes (ASCII and UTF-8), a path of PATH_MAX in the destination',
    flags: [],
    src: (r) => build(r, (b) => {
      let p = '';
      for (let i = 0; i < 60; i++) {
        p = p === '' ? `d${i}` : `${p}/d${i}`;
        b.dir(p, 0o755);
      }
      b.file(`${p}/bottom`, text('60 levels down'), 0o644);
      b.file('n'.repeat(255), text('255 bytes'), 0o644);
      b.file(`${'\u00e9'.repeat(127)}x`, text('255 bytes of UTF-8'), 0o644);
      b.dir('long', 0o755);
      // the destination roots are 6 bytes longer than the source's ('dst-rsync', 'dst-barge'
      // beside 'src'): this file's path in them is 4095 bytes, PATH_MAX less its NUL
      const relMax = 4095 - (r.length + 6) - 1;
      let q = 'long';
      while (relMax - q.length > 256) {
        q = `${q}/${'p'.repeat(200)}`;
        b.dir(q, 0o755);
      }
      const last = relMax - q.length - 1;
      b.file(`${q}/${'f'.repeat(last)}`, text('at PATH_MAX'), 0o644);
    }),
  },
  {
    name: 'size limits',
    intent: '--min-size and --max-size: only regular files between the limits (K = 1024); directories and links always',
    flags: ['--min-size', '1K', '--max-size', '2K'],
    src: (r) => build(r, (b) => {
      for (const n of [0, 1023, 1024, 1500, 2048, 2049, 10_000]) b.file(`f${n}`, patternBytes(`f${n}`, n), 0o644);
      b.dir('d', 0o755);
      b.file('d/small', text('small'), 0o644);
      b.symlink('link', 'f10000');
    }),
  },
  {
    name: 'hard links filtered',
    intent: '-H with an exclude: a group keeps the names that are copied, an excluded name is not linked in',
    flags: ['-H', '--exclude', 'skip-*'],
    src: (r) => build(r, (b) => {
      b.file('keep-1', text('group'), 0o644);
      b.hardlink('keep-1', 'skip-2');
      b.hardlink('keep-1', 'keep-3');
      b.file('skip-4', text('pair'), 0o644);
      b.hardlink('skip-4', 'keep-5');
    }),
  },
  {
    name: 'hard links through files-from',
    intent: '-H --files-from: only the listed names of a group are made, linked to each other',
    flags: ['-H'],
    rsyncFlags: ['-r'],
    filesFrom: Buffer.from('a/one\nb/two\n'),
    src: (r) => build(r, (b) => {
      b.dir('a', 0o755);
      b.dir('b', 0o755);
      b.file('a/one', text('group'), 0o644);
      b.hardlink('a/one', 'b/two');
      b.hardlink('a/one', 'b/three');
    }),
    known: [ROOT_TIME_FILES_FROM],
  },
];

export const CASES: DiffCase[] = [...COPY_CASES, ...UPDATE_CASES];

function filterTree(b: TreeBuilder): void {
  for (const f of ['top.log', 'a.tmp', '1.bak', 'x1.bak', 'README', 'Makefile', 'lower.txt', 'notes.txt']) b.file(f, text(f), 0o644);
  b.dir('sub', 0o755);
  for (const f of ['top.log', 'b.tmp', '22.bak', 'xay', 'xdy', 'x-y.txt', 'Upper.txt']) b.file(`sub/${f}`, text(f), 0o644);
  b.dir('cache', 0o755);
  b.file('cache/x.txt', text('cache'), 0o644);
  b.dir('sub/cache', 0o755);
  b.file('sub/cache/y', text('sub cache'), 0o644);
  b.file('sub/cache2', text('a file named like the dir'), 0o644);
  b.dir('build', 0o755);
  b.dir('build/out', 0o755);
  b.file('build/out/z.txt', text('z'), 0o644);
  b.dir('build2', 0o755);
  b.file('build2/q.txt', text('q'), 0o644);
  b.dir('empty', 0o755);
}
