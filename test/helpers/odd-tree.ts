// Builds source trees full of the cases file copiers get wrong (odd names, links, holes,
// modes, times to the nanosecond, special files), and describes them for the tests.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { patternBytes, TreeBuilder } from './tree-builder.js';

export { patternBytes } from './tree-builder.js';
export { makeStaleDestination, type StaleDestination } from './stale-destination.js';

export type SymlinkKind = 'to-file' | 'to-dir' | 'absolute' | 'dangling' | 'self' | 'loop' | 'outside'
  | 'to-symlink' | 'to-dot' | 'to-dotdot' | 'long-target' | 'odd-target' | 'trailing-slash' | 'non-utf8-target';

export interface OddTreeOptions {
  /** Levels of nested directories under deep/. Default 60. */
  depth?: number;
  /** Also make names and a link target that are not valid UTF-8 (Node strings cannot carry them). Default false. */
  nonUtf8Names?: boolean;
  /** Make a character device (1,3, like /dev/null: harmless if a buggy copier reads or writes it). Default: when root. */
  devices?: boolean;
  /** chown a few entries to other users (needs root). Default: when root. */
  owners?: boolean;
}

export interface OddTree {
  root: string;
  /** Every regular file, each name of a hard-link group included. */
  files: string[];
  /** Every directory below the root. */
  dirs: string[];
  emptyDirs: string[];
  symlinks: Array<{ path: string; target: string; kind: SymlinkKind }>;
  /** fifos, sockets and devices: barge must report and skip them. */
  specialFiles: Array<{ path: string; type: 'fifo' | 'socket' | 'char' }>;
  hardLinkGroups: string[][];
  sparseFiles: Array<{ path: string; size: number; data: Array<[offset: number, length: number]> }>;
  /** Entries with permission bits worth checking (all entries get explicit modes). */
  modes: Array<{ path: string; mode: number }>;
  /** Entries with extreme times; every other entry has a distinct time with nanoseconds too. */
  times: Array<{ path: string; mtimeNs: bigint }>;
  owners: Array<{ path: string; uid: number; gid: number }>;
  sizes: Array<{ path: string; size: number }>;
  deepestFile: string;
  /** Names made with nonUtf8Names, as bytes relative to the root. */
  nonUtf8: Buffer[];
  /** Cases this host could not make, and why. */
  notCreated: string[];
}

const KiB = 1024;
const MiB = 1024 * KiB;

export const ODD_NAMES: readonly string[] = [
  'plain.txt', 'with space.txt', ' leading and trailing ', 'new\nline.txt', 'tab\there.txt', 'carriage\rreturn.txt',
  '-rf', '--help', '-', '...', '.hidden', 'glob*?[ab]{c,d}.txt', 'back\\slash', 'quotes\'"`$(echo x).txt',
  'colon:name', 'percent%20name', '#hash', '~tilde', 'barge:not-a-remote',
];

export const UNICODE_NAMES: readonly string[] = [
  'caf\u00e9.txt', // NFC
  'cafe\u0301.txt', // NFD: same glyphs, different bytes, a different file on Linux
  '\u{1F680}\u{1F4E6}.txt', '日本語のファイル.txt', 'Ελληνικά', 'zero\u200bwidth.txt', '\u202eright-to-left.txt',
];

export function makeOddTree(root: string, opts: OddTreeOptions = {}): OddTree {
  const isRoot = process.getuid?.() === 0;
  const depth = opts.depth ?? 60;
  const b = new TreeBuilder(root);
  const t: OddTree = {
    root, files: [], dirs: [], emptyDirs: [], symlinks: [], specialFiles: [], hardLinkGroups: [], sparseFiles: [],
    modes: [], times: [], owners: [], sizes: [], deepestFile: '', nonUtf8: [], notCreated: [],
  };
  mkdirSync(root, { recursive: true });
  const file = (rel: string, content: Buffer | string = `content of ${JSON.stringify(rel)}\n`, mode = 0o644): void => {
    b.file(rel, typeof content === 'string' ? Buffer.from(content) : content, mode);
    t.files.push(rel);
  };
  const dir = (rel: string, mode = 0o755): void => {
    b.dir(rel, mode);
    t.dirs.push(rel);
  };
  const link = (rel: string, target: string, kind: SymlinkKind): void => {
    b.symlink(rel, target);
    t.symlinks.push({ path: rel, target, kind });
  };

  for (const name of ODD_NAMES) file(name);
  dir('unicode');
  for (const name of UNICODE_NAMES) file(`unicode/${name}`);
  dir('unicode/dir-\u00e9');
  file('unicode/dir-\u00e9/in-nfc-dir');
  dir('unicode/dir-e\u0301');
  file('unicode/dir-e\u0301/in-nfd-dir');
  dir('....');
  file('..../x');

  // 255 bytes is NAME_MAX: a copier's temporary name beside such a file cannot be longer
  dir('long');
  file(`long/${'L'.repeat(251)}.txt`);
  file(`long/${'\u00e9'.repeat(127)}x`); // 255 bytes but 128 characters
  dir(`long/${'D'.repeat(255)}`);
  file(`long/${'D'.repeat(255)}/${'F'.repeat(255)}`);

  let p = 'deep';
  dir(p);
  for (let i = 0; i < depth; i++) {
    p = `${p}/d${String(i).padStart(2, '0')}`;
    dir(p);
    if (i === Math.floor(depth / 2)) file(`${p}/middle.txt`);
  }
  t.deepestFile = `${p}/bottom.txt`;
  file(t.deepestFile);

  for (const e of ['empty-dir', 'empty-nested', 'empty-nested/a', 'empty-nested/a/b', 'empty-nested/a/b/c']) dir(e);
  t.emptyDirs.push('empty-dir', 'empty-nested/a/b/c');
  file('empty-file', '');

  dir('sizes');
  for (const n of [0, 1, 4095, 4096, 4097, 65535, 65536, 65537, MiB, MiB + 1]) {
    file(`sizes/${n}`, patternBytes(`size-${n}`, n));
    t.sizes.push({ path: `sizes/${n}`, size: n });
  }

  dir('links');
  link('links/to-file', '../plain.txt', 'to-file');
  link('links/to-dir', '../unicode', 'to-dir');
  link('links/absolute', join(root, 'plain.txt'), 'absolute');
  link('links/dangling', 'does-not-exist', 'dangling');
  link('links/self', 'self', 'self');
  link('links/loop-a', 'loop-b', 'loop');
  link('links/loop-b', 'loop-a', 'loop');
  link('links/outside', '../../outside-the-tree', 'outside');
  link('links/to-symlink', 'to-file', 'to-symlink');
  link('links/to-dot', '.', 'to-dot');
  link('links/to-dotdot', '..', 'to-dotdot');
  link('links/long-target', `${'t/'.repeat(1999)}end`, 'long-target'); // 4001 bytes, PATH_MAX is 4096
  link('links/odd-target', '../new\nline.txt', 'odd-target');
  link('links/trailing-slash', '../unicode/', 'trailing-slash');
  link('links/-rf', '--help', 'to-file');

  // names of one inode in three directories, a pair in one directory, and linked empty files
  dir('hardlinks');
  dir('hardlinks/sub');
  const groups = [
    ['hardlinks/one', 'hardlinks/sub/two', 'hard link three'],
    ['hardlinks/pair-a', 'hardlinks/pair-b'],
    ['hardlinks/empty-1', 'hardlinks/empty-2'],
  ];
  const [three, pair, empty] = groups.map((g) => g[0] as string) as [string, string, string];
  file(three, patternBytes('hardlink-group', 10_000));
  file(pair, 'a pair\n', 0o600);
  file(empty, '');
  for (const g of groups) {
    for (const name of g.slice(1)) {
      b.hardlink(g[0] as string, name);
      t.files.push(name);
    }
    t.hardLinkGroups.push(g);
  }

  dir('sparse');
  const sparse = (rel: string, size: number, data: Array<[number, number]>): void => {
    b.sparse(rel, size, data);
    t.files.push(rel);
    t.sparseFiles.push({ path: rel, size, data });
  };
  sparse('sparse/8mib', 8 * MiB, [[0, 4 * KiB], [4 * MiB, 4 * KiB], [8 * MiB - 4 * KiB, 4 * KiB]]);
  sparse('sparse/all-hole', MiB, []);
  sparse('sparse/trailing-hole', 2 * MiB, [[0, 4 * KiB]]);
  sparse('sparse/leading-hole', 3 * MiB, [[3 * MiB - 100, 100]]);

  dir('modes');
  const modeFiles: Array<[string, number]> = [
    ['modes/0600', 0o600], ['modes/0755', 0o755], ['modes/0640', 0o640], ['modes/0444-read-only', 0o444],
    ['modes/4755-setuid', 0o4755], ['modes/2755-setgid', 0o2755], ['modes/0707-odd', 0o707],
  ];
  if (isRoot) modeFiles.push(['modes/0000-no-access', 0o000]);
  else t.notCreated.push('modes/0000-no-access: only root can read it back');
  for (const [rel, mode] of modeFiles) {
    file(rel, `mode ${mode.toString(8)}\n`, mode);
    t.modes.push({ path: rel, mode });
  }
  const modeDirs: Array<[string, number]> = [
    ['modes/sticky-1777', 0o1777], ['modes/read-only-0555', 0o555], ['modes/private-0700', 0o700],
    ['modes/setgid-dir-2775', 0o2775], ['modes/read-only-0555/sub-0555', 0o555],
  ];
  for (const [rel, mode] of modeDirs) {
    dir(rel, mode);
    t.modes.push({ path: rel, mode });
  }
  file('modes/sticky-1777/inside');
  file('modes/read-only-0555/inside', 'in a read-only dir\n', 0o444);
  file('modes/read-only-0555/sub-0555/deeper');
  t.emptyDirs.push('modes/private-0700');

  dir('times');
  const timed: Array<[string, bigint]> = [
    ['times/epoch', 0n],
    ['times/epoch-plus-1ns', 1n],
    ['times/pre-1970', -1_234_567_891_123_456_789n],
    ['times/typical', 1_700_000_000_123_456_789n],
    ['times/whole-second', 1_600_000_000_000_000_000n],
    ['times/after-2038', 2_147_483_648_000_000_001n],
    ['times/year-2200', 7_258_118_400_987_654_321n],
  ];
  for (const [rel, ns] of timed) {
    file(rel);
    b.time(rel, ns);
    t.times.push({ path: rel, mtimeNs: ns });
  }
  dir('times/old-dir');
  file('times/old-dir/inside');
  b.time('times/old-dir', -86_400_000_000_001n);
  t.times.push({ path: 'times/old-dir', mtimeNs: -86_400_000_000_001n });
  link('times/link-2200', '../plain.txt', 'to-file');
  b.time('times/link-2200', 7_258_118_400_000_000_001n);
  t.times.push({ path: 'times/link-2200', mtimeNs: 7_258_118_400_000_000_001n });

  dir('special');
  b.fifo('special/fifo');
  t.specialFiles.push({ path: 'special/fifo', type: 'fifo' });
  b.socket('special', 'socket');
  t.specialFiles.push({ path: 'special/socket', type: 'socket' });
  if (opts.devices ?? isRoot) {
    try {
      b.charDevice('special/char-1-3');
      t.specialFiles.push({ path: 'special/char-1-3', type: 'char' });
    } catch (err) {
      t.notCreated.push(`special/char-1-3: ${(err as Error).message.split('\n')[0]}`);
    }
  }

  if (opts.owners ?? isRoot) {
    dir('owners');
    const owned: Array<[string, number, number]> = [
      ['owners/uid-1234', 1234, 5678], ['owners/setuid-1234', 1234, 5678], ['owners/link-4321', 4321, 8765],
      ['owners/dir-1000', 1000, 1000],
    ];
    file('owners/uid-1234');
    file('owners/setuid-1234', '#!/bin/sh\n', 0o4755); // chown clears setuid: the builder chowns first
    link('owners/link-4321', 'uid-1234', 'to-file');
    dir('owners/dir-1000', 0o750);
    for (const [rel, uid, gid] of owned) {
      b.owner(rel, uid, gid);
      t.owners.push({ path: rel, uid, gid });
    }
  } else {
    t.notCreated.push('owners/: only root can chown');
  }

  if (opts.nonUtf8Names) {
    dir('non-utf8');
    const latin1 = Buffer.from('latin1-\xe9.txt', 'latin1');
    const bytesDir = Buffer.from('bytes-\xff\xfe', 'latin1');
    b.file('non-utf8/tmp-file', Buffer.from('named in Latin-1\n'), 0o644);
    b.dir('non-utf8/tmp-dir', 0o755);
    b.file('non-utf8/tmp-dir/inside', Buffer.from('inside\n'), 0o644);
    b.symlinkBytes('non-utf8/tmp-link', latin1);
    b.renameLater('non-utf8', 'tmp-file', latin1);
    b.renameLater('non-utf8', 'tmp-dir', bytesDir);
    b.renameLater('non-utf8', 'tmp-link', Buffer.from('link-to-\xe9', 'latin1'));
    t.symlinks.push({ path: 'non-utf8/link-to-\ufffd', target: latin1.toString('utf8'), kind: 'non-utf8-target' });
    const rel = (name: Buffer): Buffer => Buffer.concat([Buffer.from('non-utf8/'), name]);
    t.nonUtf8.push(rel(latin1), rel(bytesDir), Buffer.concat([rel(bytesDir), Buffer.from('/inside')]),
      rel(Buffer.from('link-to-\xe9', 'latin1')));
  }

  b.finish();
  return t;
}
