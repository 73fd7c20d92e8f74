// Cases of test/rsync-differential.test.ts that update a destination (one made before the
// run, or by a first run before the source changes): quick check, -c, hard links, deletes,
// modes, --size-only, --ignore-existing, files that grow or vanish between runs. Written
// after the intent of rsync's own tests, none copied from it.
import { appendFileSync, chmodSync, chownSync, linkSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimesNs } from './ns-time.js';
import { patternBytes } from './tree-builder.js';
import { asRoot, build, filesFromTree, KiB, ROOT_TIME_FILES_FROM, text, type DiffCase } from './rsync-diff-case.js';

export const UPDATE_CASES: DiffCase[] = [
  {
    name: 'quick check update',
    intent: 'an update: a changed file is found by size or mtime (equal ones are taken as equal without -c); symlink times and targets, directory times and modes, owners only; two names of one file that the source has apart',
    flags: [],
    src: (r) => build(r, (b) => {
      b.file('changed-time', text('new'), 0o644);
      b.time('changed-time', 1_600_000_000_123_456_789n);
      b.file('same-size-time', text('new'), 0o644);
      b.time('same-size-time', 1_600_000_000_000_000_001n);
      b.file('grown', text('longer now'), 0o644);
      b.symlink('link-time', 'grown');
      b.time('link-time', 1_600_000_000_000_000_002n);
      b.symlink('link-target', 'new-target');
      b.time('link-target', 1_600_000_000_000_000_003n);
      b.dir('dir-time', 0o755);
      b.time('dir-time', 1_600_000_000_000_000_004n);
      b.dir('dir-mode', 0o700);
      b.time('dir-mode', 1_600_000_000_000_000_005n);
      b.file('was-one-a', text('a, apart now'), 0o644);
      b.file('was-one-b', text('b, apart now'), 0o644);
      if (asRoot) {
        b.file('owner-only', text('same'), 0o644);
        b.time('owner-only', 1_600_000_000_000_000_006n);
        b.owner('owner-only', 3000, 3001);
      }
    }),
    dst: (r) => build(r, (b) => {
      b.file('changed-time', text('old'), 0o644);
      b.time('changed-time', 1_500_000_000_000_000_000n);
      b.file('same-size-time', text('old'), 0o644);
      b.time('same-size-time', 1_600_000_000_000_000_001n);
      b.file('grown', text('short'), 0o644);
      b.symlink('link-time', 'grown');
      b.time('link-time', 1_500_000_000_000_000_002n);
      b.symlink('link-target', 'old-target');
      b.time('link-target', 1_600_000_000_000_000_003n);
      b.dir('dir-time', 0o755);
      b.time('dir-time', 1_500_000_000_000_000_004n);
      b.dir('dir-mode', 0o755);
      b.time('dir-mode', 1_600_000_000_000_000_005n);
      // one file under two names; the source has two files: writing one must not change the other
      b.file('was-one-a', text('joined'), 0o644);
      b.hardlink('was-one-a', 'was-one-b');
      if (asRoot) {
        b.file('owner-only', text('same'), 0o644);
        b.time('owner-only', 1_600_000_000_000_000_006n);
      }
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
      if (asRoot) b.file('none', text('none'), 0o000); // unreadable to anyone else
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
    name: 'files-from with deletes',
    intent: '--files-from --delete: deletes only inside the listed directories, never in what the list does not reach',
    flags: ['--delete'],
    rsyncFlags: ['-r'],
    filesFrom: Buffer.from('dir\na/b/c.txt\n'),
    src: (r) => build(r, filesFromTree),
    dst: (r) => build(r, (b) => {
      b.file('top-extra', text('not listed, not in the source'), 0o644);
      b.dir('dir', 0o755);
      b.file('dir/extra', text('inside a listed directory'), 0o644);
      b.dir('dir/gone', 0o755);
      b.file('dir/gone/x', text('x'), 0o644);
      b.dir('a', 0o750);
      b.file('a/extra', text('beside a listed path'), 0o644);
      b.dir('a/b', 0o700);
      b.file('a/b/extra', text('beside a listed file'), 0o644);
      b.dir('other', 0o755);
      b.file('other/z', text('old z'), 0o644);
    }),
    known: [ROOT_TIME_FILES_FROM],
  },
  {
    name: 'size limits with deletes',
    intent: '--delete --max-size: a file too large to copy is not deleted; an extra one is (rsync: even a large one)',
    flags: ['--delete', '--max-size', '1K'],
    src: (r) => build(r, (b) => {
      b.file('small', text('small'), 0o644);
      b.file('big', patternBytes('big', 2 * KiB), 0o644);
    }),
    dst: (r) => build(r, (b) => {
      b.file('big', patternBytes('old big', 3 * KiB), 0o600);
      b.file('extra-big', patternBytes('extra', 3 * KiB), 0o644);
      b.file('extra-small', text('extra'), 0o644);
    }),
    known: [{
      field: 'extra', path: /^extra-big$/,
      why: 'barge: a file a filter leaves out, size limits included, is neither copied nor deleted (README: Differences from rsync); rsync deletes it',
    }],
  },
  {
    name: 'ignore-existing with deletes',
    intent: '--ignore-existing --delete: what exists stays as it is, what is extra goes',
    flags: ['--ignore-existing', '--delete'],
    src: (r) => build(r, (b) => {
      b.file('exists', text('new'), 0o600);
      b.dir('d', 0o700);
      b.file('d/new', text('new'), 0o644);
    }),
    dst: (r) => build(r, (b) => {
      b.file('exists', text('old content'), 0o644);
      b.file('extra', text('extra'), 0o644);
      b.dir('d', 0o755);
      b.file('d/extra', text('extra'), 0o644);
    }),
  },
  {
    name: 'empty source',
    intent: '--delete from an empty source: the destination is emptied',
    flags: ['--delete'],
    src: (r) => build(r, () => {}),
    dst: (r) => build(r, (b) => {
      b.file('f', text('f'), 0o644);
      b.dir('d', 0o755);
      b.file('d/g', text('g'), 0o644);
      b.symlink('l', 'f');
    }),
  },
  {
    name: 'filters with deletes',
    intent: "--delete with --include '*/' --include '*.txt' --exclude '*': what the rules leave out stays on the destination",
    flags: ['--delete', '--include', '*/', '--include', '*.txt', '--exclude', '*', '--exclude', '/build/'],
    src: (r) => build(r, (b) => {
      b.file('a.txt', text('a'), 0o644);
      b.dir('d', 0o755);
      b.file('d/b.txt', text('b'), 0o644);
    }),
    dst: (r) => build(r, (b) => {
      b.file('extra.txt', text('an extra .txt goes'), 0o644);
      b.file('extra.log', text('excluded, so it stays'), 0o644);
      b.dir('d', 0o755);
      b.file('d/c.txt', text('goes'), 0o644);
      b.file('d/c.log', text('stays'), 0o644);
      b.dir('gone', 0o755);
      b.file('gone/x.txt', text('goes, and so does its directory'), 0o644);
      b.dir('kept', 0o755);
      b.file('kept/y.log', text('stays, and so does its directory'), 0o644);
    }),
  },
  {
    name: 'large files in chunks',
    intent: "barge's chunked copies (of files from 64 KiB here) against rsync: new, updated, sparse (-S) and hard-linked (-H) large files",
    flags: ['-S', '-H'],
    bargeFlags: ['--chunk-cutoff', '64K', '--chunk-size', '64K'],
    allocation: true,
    src: (r) => build(r, (b) => {
      b.file('new', patternBytes('new', 300 * KiB + 1), 0o644);
      b.file('updated', patternBytes('updated v2', 200 * KiB), 0o640);
      b.sparse('holes', 1024 * KiB, [[0, 4 * KiB], [512 * KiB, 70 * KiB]]);
      b.file('linked-1', patternBytes('linked', 150 * KiB), 0o644);
      b.hardlink('linked-1', 'linked-2');
    }),
    dst: (r) => build(r, (b) => {
      b.file('updated', patternBytes('updated v1', 100 * KiB), 0o644);
    }),
  },
  {
    name: 'temp-shaped names on the destination',
    intent: "names shaped like barge's temporary files on the destination, not barge's own: kept without --delete, as rsync keeps them",
    flags: [],
    src: (r) => build(r, (b) => b.file('f', text('f'), 0o644)),
    dst: (r) => build(r, (b) => {
      b.file('.barge-0123456789abcdef-f.tmp', text('not barge\'s: its hash is not of a name beside it'), 0o644);
      b.file('.barge-fedcba9876543210.part', text('nor this'), 0o644);
      b.file('.barge-fedcba9876543210.part.log', text('nor this'), 0o644);
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
