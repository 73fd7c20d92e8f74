// Cases of test/rsync-differential.test.ts where the destination has what the source has
// not: --delete (with filters, --files-from, size limits, --ignore-existing, -H), a
// directory in the way without it, files that grow or vanish between runs. Written after
// the intent of rsync's own tests, none copied from it.
import { appendFileSync, linkSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimesNs } from './ns-time.js';
import { patternBytes } from './tree-builder.js';
import { build, filesFromTree, KiB, ROOT_TIME_FILES_FROM, text, type DiffCase } from './rsync-diff-case.js';

export const DELETE_CASES: DiffCase[] = [
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
