// Cases of test/rsync-differential.test.ts that update a destination made before the run:
// quick check, -c, hard links, modes, --size-only, --ignore-existing, large files in chunks,
// temp-shaped names. Deletes and type clashes: rsync-diff-deletes.ts. Written after the
// intent of rsync's own tests, none copied from it.
import { chmodSync, chownSync, linkSync } from 'node:fs';
import { join } from 'node:path';
import { patternBytes } from './tree-builder.js';
import { asRoot, build, KiB, text, type DiffCase } from './rsync-diff-case.js';

import { DELETE_CASES } from './rsync-diff-deletes.js';

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
  ...DELETE_CASES,
];
