// The cases of test/rsync-differential.test.ts: trees written here after the intent of
// rsync's own tests (hard links, deletes, chmod, devices, files-from, filters, sparse files,
// deep paths, growing and vanishing files), none copied from it. Each case builds a source,
// optionally a destination that exists before the run (built the same way into both
// destinations, so both tools start from equal trees), and names the flags, which mean the
// same to rsync and to barge.
//
// Every source entry gets a time seconds away from the run's: rsync 3.5 leaves a directory,
// symlink or device it makes with its own time when the source's falls in the same whole
// second (it compares seconds before setting the time), where barge sets the source's.
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, mkdirSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync, linkSync } from 'node:fs';
import { join } from 'node:path';
import { makeOddTree } from './odd-tree.js';
import { patternBytes, TreeBuilder } from './tree-builder.js';
import { setTimesNs } from './ns-time.js';

/** a difference that is on purpose (documented in the README), with the reason */
export interface KnownDifference {
  /** field name of tree-listing's Difference ('missing', 'extra', 'type', 'mode', 'mtime', …) */
  field: string;
  /** the relative path, UTF-8 */
  path: RegExp;
  why: string;
}

export interface DiffCase {
  name: string;
  /** the rsync test whose intent this case follows, in words */
  intent: string;
  /** given to both tools */
  flags: string[];
  /** given to rsync only, where barge's meaning needs it spelled out (rsync -a --files-from needs -r) */
  rsyncFlags?: string[];
  /** --files-from's content (written to a file; the flag is added for both tools) */
  filesFrom?: Buffer;
  src(root: string): void;
  /** the destination before the run, made in each destination alike */
  dst?(root: string): void;
  /** for updates between runs: both tools sync, then this changes the source, then both sync again */
  change?(root: string): void;
  /** record allocated blocks (sparse files) */
  allocation?: boolean;
  /** run both tools under this umask (what they make must not depend on it) */
  umask?: string;
  needsRoot?: boolean;
  /** run both tools as nobody (through setpriv, needs root); the trees are given to nobody first */
  asNobody?: boolean;
  /** exit codes when not both 0: rsync's 23 ("some files were not transferred") is barge's 1 */
  exits?: { rsync: number; barge: number };
  known?: KnownDifference[];
}

const KiB = 1024;
const MiB = 1024 * KiB;
const text = (s: string): Buffer => Buffer.from(`${s}\n`);
const asRoot = process.getuid?.() === 0;

/** one builder per tree, run to its end; `then` for what comes after the times are set */
function build(root: string, make: (b: TreeBuilder) => void, then?: () => void): void {
  mkdirSync(root, { recursive: true });
  const b = new TreeBuilder(root);
  make(b);
  b.finish();
  then?.();
}

const ROOT_TIME_FILES_FROM = {
  field: 'mtime', path: /^$/,
  why: "barge gives DST's root the source's time; rsync --files-from without a '.' line does not send the root and leaves it",
};

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
  if (asRoot) {
    b.owner('sub/inner.txt', 1234, 5678);
    b.owner('sub/deeper', 4321, 0);
    b.owner('rel-link', 1111, 2222);
  }
}

export const CASES: DiffCase[] = [
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
    name: 'quick check update',
    intent: 'an update: a changed file is found by size or mtime; equal size and mtime is taken as equal without -c',
    flags: [],
    src: (r) => build(r, (b) => {
      b.file('changed-time', text('new'), 0o644);
      b.time('changed-time', 1_600_000_000_123_456_789n);
      b.file('same-size-time', text('new'), 0o644);
      b.time('same-size-time', 1_600_000_000_000_000_001n);
      b.file('grown', text('longer now'), 0o644);
    }),
    dst: (r) => build(r, (b) => {
      b.file('changed-time', text('old'), 0o644);
      b.time('changed-time', 1_500_000_000_000_000_000n);
      b.file('same-size-time', text('old'), 0o644);
      b.time('same-size-time', 1_600_000_000_000_000_001n);
      b.file('grown', text('short'), 0o644);
    }),
  },
  {
    name: 'checksum',
    intent: '-c: equal size and mtime but other bytes is copied; equal bytes with another mtime only gets the time',
    flags: ['-c'],
    src: (r) => build(r, (b) => {
      b.file('same-size-time', text('new'), 0o644);
      b.time('same-size-time', 1_600_000_000_000_000_001n);
      b.file('same-bytes', text('same'), 0o644);
      b.time('same-bytes', 1_600_000_000_500_000_000n);
      b.dir('d', 0o755);
      b.dir('d/e', 0o700);
      b.file('d/e/f', text('f'), 0o644);
      b.file('d/g', text('g'), 0o644);
    }),
    dst: (r) => build(r, (b) => {
      b.file('same-size-time', text('old'), 0o644);
      b.time('same-size-time', 1_600_000_000_000_000_001n);
      b.file('same-bytes', text('same'), 0o644);
      b.time('same-bytes', 1_400_000_000_000_000_000n);
    }),
  },
  {
    name: 'hard links',
    intent: '-H: groups across directories, a group partly on the destination already, a group the source split, a link to outside the tree',
    flags: ['-H'],
    src: (r) => build(r, (b) => {
      b.dir('h', 0o755);
      b.dir('other', 0o755);
      b.file('h/a', text('group one'), 0o644);
      b.hardlink('h/a', 'h/b');
      b.hardlink('h/a', 'other/c');
      b.file('x1', text('group two'), 0o600);
      b.hardlink('x1', 'other/x2');
      b.file('was-linked-1', text('same'), 0o644);
      b.file('was-linked-2', text('same'), 0o644);
      b.time('was-linked-2', 1_550_000_000_000_000_000n);
      b.time('was-linked-1', 1_550_000_000_000_000_000n);
      b.file('lonely', text('one name in the tree'), 0o644);
    }, () => linkSync(join(r, 'lonely'), join(r, '..', 'lonely-outside'))),
    dst: (r) => build(r, (b) => {
      b.dir('h', 0o755);
      b.dir('other', 0o755);
      b.file('h/a', text('group one'), 0o644); // the group's first name, up to date but alone
      b.file('other/c', text('stale'), 0o644);
      b.file('was-linked-1', text('same'), 0o644);
      b.hardlink('was-linked-1', 'was-linked-2');
      b.time('was-linked-1', 1_550_000_000_000_000_000n);
    }),
  },
  {
    name: 'deletes',
    intent: '--delete: extra files, nested extra directories, extra links, type clashes both ways; an exclude protects',
    flags: ['--delete', '--exclude', 'keep*'],
    src: (r) => build(r, (b) => {
      b.file('f', text('f'), 0o644);
      b.dir('a', 0o755);
      b.file('a/f', text('a/f'), 0o644);
      b.dir('was-file', 0o755);
      b.file('was-file/in', text('in'), 0o644);
      b.file('was-dir', text('now a file'), 0o644);
      b.file('keep-src', text('excluded in src'), 0o644);
      b.dir('link-was-dir', 0o755);
      b.symlink('dir-was-link', 'a');
    }),
    dst: (r) => build(r, (b) => {
      b.file('f', text('f'), 0o644);
      b.file('extra', text('extra'), 0o644);
      b.dir('a', 0o755);
      b.file('a/old', text('old'), 0o644);
      b.dir('a/gone', 0o755);
      b.dir('a/gone/n', 0o755);
      b.dir('a/gone/n/e', 0o555);
      b.file('a/gone/n/e/deep', text('deep'), 0o444);
      b.symlink('a/old-link', 'f');
      b.file('was-file', text('was a file'), 0o644);
      b.dir('was-dir', 0o755);
      b.dir('was-dir/sub', 0o755);
      b.file('was-dir/sub/x', text('x'), 0o644);
      b.file('keep.log', text('protected by the exclude'), 0o644);
      b.dir('keep-dir', 0o755);
      b.file('keep-dir/y', text('y'), 0o644);
      b.symlink('link-was-dir', 'a');
      b.dir('dir-was-link', 0o755);
      b.file('dir-was-link/z', text('z'), 0o644);
    }),
  },
  {
    name: 'chmod',
    intent: 'modes under umask 077: setuid, setgid and sticky bits, directories made in a setgid one, 0555 directories, 0000 files; an update that only changes modes',
    flags: [],
    umask: '077',
    src: (r) => build(r, (b) => {
      b.file('suid', text('suid'), 0o4755);
      b.file('sgid', text('sgid'), 0o2711);
      b.file('none', text('none'), 0o000);
      b.file('ro', text('ro'), 0o444);
      b.dir('setgid-dir', 0o2775);
      b.file('setgid-dir/f', text('f'), 0o664);
      b.dir('setgid-dir/plain-sub', 0o755); // mkdir in a setgid directory inherits the bit: the copy must clear it
      b.dir('setgid-dir/sgid-sub', 0o2750);
      if (asRoot) b.owner('setgid-dir/f', 0, 4242);
      b.dir('sticky', 0o1777);
      b.dir('ro-dir', 0o555);
      b.file('ro-dir/f', text('f'), 0o644);
      b.dir('ro-dir/inner', 0o555);
      b.file('mode-only', text('same bytes'), 0o600);
      b.time('mode-only', 1_600_000_000_000_000_000n);
      b.file('suid-owned', text('chown clears setuid: the mode must be set after the owner'), 0o4750);
      if (asRoot) b.owner('suid-owned', 1234, 1234);
    }, () => {
      // the root's own mode and owner (its time is set by finish(), and chmod leaves it)
      chmodSync(r, 0o750);
      if (asRoot) chownSync(r, 2345, 2345);
    }),
    dst: (r) => build(r, (b) => {
      b.file('mode-only', text('same bytes'), 0o666);
      b.time('mode-only', 1_600_000_000_000_000_000n);
      b.dir('setgid-dir', 0o755);
      b.file('setgid-dir/f', text('f'), 0o600);
      b.dir('ro-dir', 0o777);
    }, () => chmodSync(r, 0o777)),
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
    name: 'filters',
    intent: 'excludes: anchored, a name at any depth, dir/, dir/***, character classes, POSIX classes',
    flags: ['--exclude', '/top.log', '--exclude', '*.tmp', '--exclude', 'cache/', '--exclude', 'build/***',
      '--exclude', '[0-9]*.bak', '--exclude', '[[:upper:]]*', '--exclude', 'sub/x[!a-c]y'],
    src: (r) => build(r, filterTree),
  },
  {
    name: 'include before exclude',
    intent: "includes first: --include '*/' --include '*.txt' --exclude '*' keeps every directory and the .txt files",
    flags: ['--include', '*/', '--include', '*.txt', '--exclude', '*'],
    src: (r) => build(r, filterTree),
  },
  {
    name: 'sparse',
    intent: '-S: holes at the start, middle and end, a file all hole, a dense file',
    flags: ['-S'],
    allocation: true,
    src: (r) => build(r, (b) => {
      b.sparse('middle', 4 * MiB, [[0, 64 * KiB], [4 * MiB - 64 * KiB, 64 * KiB]]);
      b.sparse('leading', 2 * MiB, [[2 * MiB - 10, 10]]);
      b.sparse('trailing', 3 * MiB, [[0, 4 * KiB]]);
      b.sparse('all-hole', 5 * MiB, []);
      b.file('dense', patternBytes('dense', MiB), 0o644);
    }),
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
    name: 'size-only',
    intent: '--size-only: a file of equal size is not copied, whatever its time and bytes; another size is',
    flags: ['--size-only'],
    src: (r) => build(r, (b) => {
      b.file('same-size', text('new'), 0o644);
      b.time('same-size', 1_600_000_000_000_000_000n);
      b.file('other-size', text('newer'), 0o644);
    }),
    dst: (r) => build(r, (b) => {
      b.file('same-size', text('old'), 0o644);
      b.time('same-size', 1_400_000_000_000_000_000n);
      b.file('other-size', text('old'), 0o644);
    }),
  },
  {
    name: 'ignore-existing',
    intent: '--ignore-existing: a file the destination has is left as it is; a missing one is copied',
    flags: ['--ignore-existing'],
    src: (r) => build(r, (b) => {
      b.file('exists', text('new content'), 0o600);
      b.file('missing', text('missing'), 0o644);
      b.dir('d', 0o700);
      b.file('d/exists', text('new'), 0o644);
    }),
    dst: (r) => build(r, (b) => {
      b.file('exists', text('old'), 0o644);
      b.dir('d', 0o755);
      b.file('d/exists', text('old'), 0o644);
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
    name: 'hard links and deletes',
    intent: '-H --delete: a group loses a name, gains one, and a destination name of a group goes',
    flags: ['-H', '--delete'],
    src: (r) => build(r, (b) => {
      b.file('g1', text('group'), 0o644);
      b.hardlink('g1', 'g2');
      b.hardlink('g1', 'g-new');
    }),
    dst: (r) => build(r, (b) => {
      b.file('g1', text('group'), 0o644);
      b.hardlink('g1', 'g2');
      b.hardlink('g1', 'g3-gone');
      b.time('g1', 1_500_000_001_000_003_007n);
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
  {
    name: 'directory in the way',
    intent: 'without --delete a non-empty directory where the source has a file stays, and the run says so (rsync exit 23, barge 1)',
    flags: [],
    exits: { rsync: 23, barge: 1 },
    src: (r) => build(r, (b) => {
      b.file('x', text('a file'), 0o644);
      b.file('y', text('an empty directory makes way'), 0o644);
      b.file('z', text('copied'), 0o644);
    }),
    dst: (r) => build(r, (b) => {
      b.dir('x', 0o755);
      b.file('x/in', text('in'), 0o644);
      b.dir('y', 0o755);
    }),
  },
  {
    name: 'modes as a user',
    intent: 'a user who is not root: setgid bits of a group not the user\'s, read-only directories updated inside, owners not kept',
    flags: ['--delete'],
    needsRoot: true,
    asNobody: true,
    src: (r) => build(r, (b) => {
      b.file('sgid-other-group', text('setgid, group root'), 0o2755);
      b.owner('sgid-other-group', 65534, 0);
      b.dir('ro', 0o555);
      b.time('ro', 1_600_000_000_000_000_000n); // the destination's has the same time already
      b.file('ro/new', text('new inside a read-only directory'), 0o444);
      b.file('ro/changed', text('changed'), 0o644);
      b.dir('ro/ro-sub', 0o555);
      b.file('ro/ro-sub/f', text('f'), 0o400);
      b.dir('sgid-dir', 0o2775);
      b.file('sgid-dir/f', text('f'), 0o664);
    }),
    dst: (r) => build(r, (b) => {
      b.dir('ro', 0o555);
      b.time('ro', 1_600_000_000_000_000_000n);
      b.file('ro/changed', text('old'), 0o644);
      b.file('ro/gone', text('deleted from a read-only directory'), 0o644);
      b.dir('ro/ro-sub', 0o555);
      b.dir('ro/ro-gone', 0o555);
      b.file('ro/ro-gone/x', text('x'), 0o444);
    }),
  },
  {
    name: 'vanishing and growing between runs',
    intent: 'files that vanish or grow: the run after the change (with --delete) follows the source',
    flags: ['--delete'],
    src: (r) => build(r, (b) => {
      b.file('grows', text('short'), 0o644);
      b.file('shrinks', patternBytes('shrinks', 100 * KiB), 0o644);
      b.file('vanishes', text('here now'), 0o644);
      b.dir('vanishing-dir', 0o755);
      b.file('vanishing-dir/f', text('f'), 0o644);
      b.file('becomes-link', text('file now'), 0o644);
      b.file('group-a', text('hard linked'), 0o644);
      b.hardlink('group-a', 'group-b');
    }),
    change: (r) => {
      appendFileSync(join(r, 'grows'), patternBytes('more', 300 * KiB));
      truncateSync(join(r, 'shrinks'), 10 * KiB);
      unlinkSync(join(r, 'vanishes'));
      rmSync(join(r, 'vanishing-dir'), { recursive: true });
      unlinkSync(join(r, 'becomes-link'));
      symlinkSync('grows', join(r, 'becomes-link'));
      writeFileSync(join(r, 'appears'), text('new'));
      unlinkSync(join(r, 'group-b'));
      linkSync(join(r, 'appears'), join(r, 'group-b'));
      setTimesNs([
        [join(r, 'grows'), 1_700_000_000_000_000_001n],
        [join(r, 'becomes-link'), 1_700_000_000_000_000_002n],
        [join(r, 'appears'), 1_700_000_000_000_000_003n],
        [r, 1_700_000_000_000_000_004n],
      ]);
    },
  },
];

function filesFromTree(b: TreeBuilder): void {
  b.dir('a', 0o750);
  b.dir('a/b', 0o700);
  b.file('a/b/c.txt', text('c'), 0o644);
  b.file('a/b/d.txt', text('d, not listed'), 0o644);
  b.file('a/e.txt', text('e, not listed'), 0o644);
  b.file('top.txt', text('top'), 0o644);
  b.dir('dir', 0o755);
  b.file('dir/x', text('x'), 0o644);
  b.dir('dir/sub', 0o711);
  b.file('dir/sub/y', text('y'), 0o644);
  b.dir('other', 0o755);
  b.file('other/z', text('z, not listed'), 0o644);
}

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
