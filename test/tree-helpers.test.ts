// Proves the test oracles can fail: each kind of difference barge could leave is made by hand
// and must be reported, and an exact copy made by cp -a must report nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync, existsSync, lchownSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, renameSync,
  rmSync, symlinkSync, unlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diffSnapshots, diffTrees, snapshotTree, type DiffOptions } from './helpers/tree-diff.js';
import { makeOddTree, makeStaleDestination, type OddTree } from './helpers/odd-tree.js';
import { mtimeNs, setTimeNs } from './helpers/ns-time.js';
import { BARGE_MAIN, runBarge, startNodeScript, waitUntil } from './helpers/run-cli.js';

const isRoot = process.getuid?.() === 0;
/** Everything checked, special files expected as copies (cp copies them). */
const ALL: DiffOptions = { specialFilesInSrcSkipped: false, hardLinks: true, sparse: true };

let work = '';
let src = '';
let odd: OddTree;
let copies = 0;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'barge-tree-helpers-'));
  src = join(work, 'src');
  odd = makeOddTree(src);
});

after(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

function freshCopy(): string {
  const dst = join(work, `copy-${copies++}`);
  execFileSync('cp', ['-a', '--sparse=always', '-T', '--', src, dst]);
  return dst;
}

/** Changes something inside a directory without changing the directory's mtime, so one difference stays one. */
function keepingParentTime(path: string, change: () => void): void {
  const parent = dirname(path);
  const t = mtimeNs(parent);
  change();
  setTimeNs(parent, t);
}

function assertOne(diff: string[], pattern: RegExp): void {
  assert.equal(diff.length, 1, `expected exactly one difference, got:\n${diff.join('\n')}`);
  assert.match(diff[0] ?? '', pattern);
}

void describe('makeOddTree', () => {
  void test('builds what it describes', () => {
    for (const g of odd.hardLinkGroups) {
      const inodes = new Set(g.map((p) => lstatSync(join(src, p)).ino));
      assert.equal(inodes.size, 1, `group ${g.join(', ')}`);
    }
    for (const f of odd.sparseFiles) {
      const st = lstatSync(join(src, f.path));
      assert.equal(st.size, f.size);
      assert.ok(st.blocks * 512 <= f.data.length * 4096 + 65536, `${f.path} allocates ${st.blocks * 512}`);
    }
    for (const { path, mtimeNs: ns } of odd.times) assert.equal(mtimeNs(join(src, path)), ns, path);
    for (const { path, mode } of odd.modes) assert.equal(lstatSync(join(src, path)).mode & 0o7777, mode, path);
    for (const { path, uid, gid } of odd.owners) {
      const st = lstatSync(join(src, path));
      assert.deepEqual([st.uid, st.gid], [uid, gid], path);
    }
    if (isRoot) assert.equal(lstatSync(join(src, 'owners/setuid-1234')).mode & 0o7777, 0o4755, 'setuid survives the chown');
    const types = { fifo: 'isFIFO', socket: 'isSocket', char: 'isCharacterDevice' } as const;
    for (const s of odd.specialFiles) assert.ok(lstatSync(join(src, s.path))[types[s.type]](), s.path);
    for (const l of odd.symlinks) assert.equal(readlinkSync(join(src, l.path)), l.target, l.path);
    const names = readdirSync(join(src, 'unicode'));
    assert.ok(names.includes('caf\u00e9.txt') && names.includes('cafe\u0301.txt'), 'NFC and NFD are two files');
    assert.equal(Buffer.byteLength(readdirSync(join(src, 'long')).find((n) => n.startsWith('\u00e9'))!), 255);
    assert.equal(odd.deepestFile.split('/').length, 62);
    assert.ok(existsSync(join(src, odd.deepestFile)));
    assert.ok(existsSync(join(src, 'new\nline.txt')) && existsSync(join(src, '-rf')) && existsSync(join(src, '...')));
    assert.deepEqual(readdirSync(join(src, 'empty-nested/a/b/c')), []);
    // directory times were set after their contents, so they survived
    assert.equal(mtimeNs(join(src, 'times/old-dir')), -86_400_000_000_001n);
    assert.equal(odd.notCreated.length, isRoot ? 0 : 2, odd.notCreated.join('; '));
  });

  void test('non-UTF-8 names on request', () => {
    const root = join(work, 'non-utf8-tree');
    const t = makeOddTree(root, { nonUtf8Names: true, depth: 3 });
    assert.equal(t.nonUtf8.length, 4);
    for (const rel of t.nonUtf8) assert.ok(lstatSync(Buffer.concat([Buffer.from(`${root}/`), rel])));
    const copy = join(work, 'non-utf8-copy');
    execFileSync('cp', ['-a', '--sparse=always', '-T', '--', root, copy]);
    assert.deepEqual(diffTrees(root, copy, ALL), []);
    // two names that decode to the same lossy string must stay two entries
    unlinkSync(Buffer.concat([Buffer.from(`${copy}/`), t.nonUtf8[0] as Buffer]));
    const diff = diffTrees(root, copy, { ...ALL, dirMtimes: false });
    assertOne(diff, /^missing in dst: "non-utf8\/latin1-\ufffd\.txt" \(not UTF-8, bytes [0-9a-f]+\) \(file\)$/);
  });
});

void describe('diffTrees', () => {
  void test('reports nothing for a cp -a --sparse=always copy', () => {
    const dst = freshCopy();
    assert.deepEqual(diffTrees(src, dst, ALL), []);
    assert.deepEqual(diffTrees(src, dst, { ...ALL, rootMtime: true }), []);
  });

  void test('by default expects special files to be skipped, and accepts their absence', () => {
    const dst = freshCopy();
    const diff = diffTrees(src, dst);
    assert.equal(diff.length, odd.specialFiles.length, diff.join('\n'));
    for (const s of odd.specialFiles) assert.ok(diff.some((m) => m.includes(`src has a ${s.type} there`) && m.includes(JSON.stringify(s.path))));
    for (const s of odd.specialFiles) keepingParentTime(join(dst, s.path), () => unlinkSync(join(dst, s.path)));
    assert.deepEqual(diffTrees(src, dst), []);
    // and with specialFilesInSrcSkipped: false their absence is a difference
    assert.equal(diffTrees(src, dst, { specialFilesInSrcSkipped: false }).length, odd.specialFiles.length);
  });

  void test('reports one changed byte when size and mtime still match', () => {
    const dst = freshCopy();
    const f = join(dst, 'sizes/1048577');
    const t = mtimeNs(f);
    const bytes = readFileSync(f);
    bytes[524_288] = (bytes[524_288] ?? 0) ^ 1;
    writeFileSync(f, bytes);
    setTimeNs(f, t);
    assertOne(diffTrees(src, dst, ALL), /^content differs: "sizes\/1048577"/);
    assert.deepEqual(diffTrees(src, dst, { ...ALL, content: false }), []);
  });

  void test('reports a size change', () => {
    const dst = freshCopy();
    const f = join(dst, 'sizes/4097');
    const t = mtimeNs(f);
    writeFileSync(f, readFileSync(f).subarray(0, 4096));
    setTimeNs(f, t);
    assertOne(diffTrees(src, dst, ALL), /^size differs: "sizes\/4097": src 4097, dst 4096$/);
  });

  void test('reports a changed mode, on files and directories', () => {
    const dst = freshCopy();
    chmodSync(join(dst, 'modes/0600'), 0o640);
    assertOne(diffTrees(src, dst, ALL), /^mode differs: "modes\/0600" \(file\): src 0600, dst 0640$/);
    chmodSync(join(dst, 'modes/0600'), 0o600);
    chmodSync(join(dst, 'modes/sticky-1777'), 0o777);
    assertOne(diffTrees(src, dst, ALL), /^mode differs: "modes\/sticky-1777" \(dir\): src 1777, dst 0777$/);
  });

  void test('reports a 1 ns mtime change, and ignores it at a coarser resolution', () => {
    const dst = freshCopy();
    setTimeNs(join(dst, 'times/typical'), 1_700_000_000_123_456_790n);
    assertOne(diffTrees(src, dst, ALL), /^mtime differs: "times\/typical" \(file\): src 1700000000.123456789, dst 1700000000.123456790$/);
    assert.deepEqual(diffTrees(src, dst, { ...ALL, mtimeResolutionNs: 1000n }), []);
    // before 1970 a coarse file system floors (timeval -1234567892 s + 876543 µs), it does not truncate toward zero
    setTimeNs(join(dst, 'times/typical'), 1_700_000_000_123_456_789n);
    setTimeNs(join(dst, 'times/pre-1970'), -1_234_567_891_123_457_000n);
    assert.deepEqual(diffTrees(src, dst, { ...ALL, mtimeResolutionNs: 1000n }), []);
    setTimeNs(join(dst, 'times/pre-1970'), -1_234_567_891_123_456_000n);
    assertOne(diffTrees(src, dst, { ...ALL, mtimeResolutionNs: 1000n }), /^mtime differs: "times\/pre-1970"/);
  });

  void test('reports directory and symlink mtimes unless told not to; the root only when asked', () => {
    const dst = freshCopy();
    const d = join(dst, 'deep/d00');
    setTimeNs(d, mtimeNs(d) + 1n);
    assertOne(diffTrees(src, dst, ALL), /^mtime differs: "deep\/d00" \(dir\)/);
    assert.deepEqual(diffTrees(src, dst, { ...ALL, dirMtimes: false }), []);
    setTimeNs(d, mtimeNs(d) - 1n);
    setTimeNs(join(dst, 'links/self'), 5n);
    assertOne(diffTrees(src, dst, ALL), /^mtime differs: "links\/self" \(symlink\)/);
    assert.deepEqual(diffTrees(src, dst, { ...ALL, symlinkMtimes: false }), []);
    setTimeNs(join(dst, 'links/self'), mtimeNs(join(src, 'links/self')));
    setTimeNs(dst, 42n);
    assert.deepEqual(diffTrees(src, dst, ALL), []);
    assertOne(diffTrees(src, dst, { ...ALL, rootMtime: true }), /^mtime differs: "\." \(dir\)/);
  });

  void test('reports a missing file, and a missing directory as one line', () => {
    const dst = freshCopy();
    const deepest = join(dst, odd.deepestFile);
    keepingParentTime(deepest, () => unlinkSync(deepest));
    assertOne(diffTrees(src, dst, ALL), /^missing in dst: "deep\/d00\/.*\/d59\/bottom\.txt" \(file\)$/);
    assert.deepEqual(diffTrees(src, dst, { ...ALL, ignore: (p) => p.endsWith('/bottom.txt') }), []);
    keepingParentTime(join(dst, 'unicode'), () => rmSync(join(dst, 'unicode'), { recursive: true }));
    const diff = diffTrees(src, dst, ALL);
    assert.equal(diff.length, 2, diff.join('\n'));
    assert.ok(diff.includes(`missing in dst: "unicode" (dir, and ${2 + 2 + 7} entries below)`), diff.join('\n'));
  });

  void test('reports an extra file, showing an odd name unambiguously', () => {
    const dst = freshCopy();
    const f = join(dst, 'links/extra\nname -rf');
    keepingParentTime(f, () => writeFileSync(f, 'x'));
    assertOne(diffTrees(src, dst, ALL), /^extra in dst: "links\/extra\\nname -rf" \(file\)$/);
  });

  void test('reports a changed symlink target', () => {
    const dst = freshCopy();
    const l = join(dst, 'links/dangling');
    const t = mtimeNs(l);
    keepingParentTime(l, () => {
      unlinkSync(l);
      symlinkSync('does-not-exist-either', l);
    });
    setTimeNs(l, t);
    assertOne(diffTrees(src, dst, ALL), /^symlink target differs: "links\/dangling": src "does-not-exist", dst "does-not-exist-either"$/);
  });

  void test('reports a type change and folds the subtree into it', () => {
    const dst = freshCopy();
    const d = join(dst, 'empty-nested');
    keepingParentTime(d, () => {
      rmSync(d, { recursive: true });
      writeFileSync(d, '');
    });
    assertOne(diffTrees(src, dst, ALL), /^type differs: "empty-nested": src dir, and 3 entries below, dst file$/);
  });

  void test('reports a split hard-link group only when hard links are checked', () => {
    const dst = freshCopy();
    const two = join(dst, 'hardlinks/sub/two');
    const st = lstatSync(two);
    keepingParentTime(two, () => {
      execFileSync('cp', ['-p', two, `${two}.tmp`]);
      renameSync(`${two}.tmp`, two);
    });
    assert.equal(lstatSync(two).mode, st.mode);
    assertOne(diffTrees(src, dst, ALL), /^hard-link group split in dst: "hard link three", "hardlinks\/one", "hardlinks\/sub\/two" \(one inode in src, 2 in dst\)$/);
    assert.deepEqual(diffTrees(src, dst, { ...ALL, hardLinks: false }), []);
  });

  void test('reports names joined into one inode that src keeps apart', () => {
    const dst = freshCopy();
    const a = join(dst, 'sizes/0');
    keepingParentTime(a, () => {
      unlinkSync(a);
      linkSync(join(dst, 'empty-file'), a);
    });
    const diff = diffTrees(src, dst, { ...ALL, mtime: false });
    assertOne(diff, /^dst hard-links names that are separate in src: "empty-file", "sizes\/0"/);
    assert.deepEqual(diffTrees(src, dst, { ...ALL, mtime: false, allowJoinedInDst: true }), []);
  });

  void test('reports a dense copy of a sparse file when sparseness is checked', () => {
    const dst = freshCopy();
    const f = join(dst, 'sparse/8mib');
    keepingParentTime(f, () => {
      execFileSync('cp', ['-p', '--sparse=never', f, `${f}.tmp`]);
      renameSync(`${f}.tmp`, f);
    });
    assertOne(diffTrees(src, dst, ALL), /^not sparse: "sparse\/8mib": dst allocates \d+ bytes, src \d+ \(slack 65536\)$/);
    assert.deepEqual(diffTrees(src, dst, { ...ALL, sparse: false }), []);
    assert.deepEqual(diffTrees(src, dst, { ...ALL, sparseSlackBytes: 9 * 1024 * 1024 }), []);
  });

  void test('reports a changed owner when running as root', { skip: !isRoot && 'needs root' }, () => {
    const dst = freshCopy();
    lchownSync(join(dst, 'links/to-file'), 7, 8);
    assertOne(diffTrees(src, dst, ALL), /^owner differs: "links\/to-file" \(symlink\): src 0:0, dst 7:8$/);
    assert.deepEqual(diffTrees(src, dst, { ...ALL, owner: false }), []);
  });

  void test('reports a destination that shares inodes with the source', () => {
    const dst = join(work, 'linked-copy');
    execFileSync('cp', ['-a', '-l', '-T', '--', src, dst]);
    const diff = diffTrees(src, dst, ALL);
    assert.ok(diff.some((m) => m === 'dst is the same inode as src (not a copy): "plain.txt"'), diff.slice(0, 5).join('\n'));
    // the links raised nlink on src's files; later tests want src as made
    rmSync(dst, { recursive: true });
  });

  void test('says so when the destination root is missing', () => {
    assert.deepEqual(diffTrees(src, join(work, 'nowhere')), [`dst root does not exist: ${join(work, 'nowhere')}`]);
  });
});

void describe('snapshotTree', () => {
  void test('is unchanged by reading the tree, and sees a touch, a chmod and a new file', () => {
    const dst = freshCopy();
    const before = snapshotTree(dst);
    execFileSync('cp', ['-a', '-T', '--', dst, join(work, 'read-it-all')]);
    assert.deepEqual(snapshotTree(dst), before);
    assert.deepEqual(diffSnapshots(before, snapshotTree(dst)), []);
    setTimeNs(join(dst, 'plain.txt'), mtimeNs(join(dst, 'plain.txt')) + 1n);
    chmodSync(join(dst, 'modes/0755'), 0o750);
    writeFileSync(join(dst, 'new'), '');
    const diff = diffSnapshots(before, snapshotTree(dst));
    assert.ok(diff.includes('added: "new" (file)'), diff.join('\n'));
    assert.ok(diff.some((m) => m.startsWith('changed mtimeNs: "plain.txt"')), diff.join('\n'));
    assert.ok(diff.includes('changed mode: "modes/0755": 0755 -> 0750'), diff.join('\n'));
    assert.ok(diff.some((m) => m.startsWith('changed mtimeNs: "."')), 'the root changed when "new" was made');
  });

  void test('with ctime, sees metadata set to the value it already had', () => {
    const dst = freshCopy();
    const before = snapshotTree(dst, { ctime: true, hash: false });
    chmodSync(join(dst, 'plain.txt'), lstatSync(join(dst, 'plain.txt')).mode & 0o7777);
    assert.deepEqual(diffSnapshots(snapshotTree(dst, { hash: false }), before.map(({ ctimeNs: _c, ...e }) => e)), []);
    const diff = diffSnapshots(before, snapshotTree(dst, { ctime: true, hash: false }));
    assertOne(diff, /^changed ctimeNs: "plain.txt"/);
  });
});

void describe('makeStaleDestination', () => {
  void test('leaves every promised kind of staleness, each visible to diffTrees', () => {
    const dst = join(work, 'stale');
    const s = makeStaleDestination(src, dst);
    const victim = readFileSync(s.victimFile, 'utf8');
    assert.ok(victim.length > 0 && existsSync(join(s.victimDir, 'keep.txt')));
    for (const [kind, paths] of Object.entries(s)) {
      if (Array.isArray(paths) && kind !== 'removedSpecials') assert.ok(paths.length > 0, `no ${kind} paths`);
    }
    assert.deepEqual(s.removedSpecials.sort(), odd.specialFiles.map((x) => x.path).sort());
    const diff = diffTrees(src, dst, { hardLinks: true });
    const says = (re: RegExp, p: string): void => assert.ok(diff.some((m) => re.test(m) && m.includes(JSON.stringify(p))), `${re.source} ${p}\n${diff.join('\n')}`);
    for (const p of s.sameSizeSameMtime) says(/^content differs/, p);
    for (const p of s.staleSameSize) says(/^content differs/, p);
    for (const p of s.newerInDst) says(/^content differs/, p);
    for (const p of s.partial) says(/^size differs/, p);
    for (const p of s.modeDiffers) says(/^mode differs/, p);
    // entries inside an extra directory are folded into that directory's line
    const topExtras = [...s.extraFiles, ...s.extraDirs].filter((p) => !s.extraDirs.some((d) => p.startsWith(`${d}/`)));
    for (const p of topExtras) says(/^extra in dst/, p);
    for (const p of s.fileWhereSrcHasDir) says(/^type differs: .*: src dir.*, dst file$/, p);
    for (const p of s.dirWhereSrcHasFile) says(/^type differs: .*: src file, dst dir, and 3 entries below$/, p);
    for (const p of s.symlinkWhereSrcHasFile) says(/^type differs: .*: src file, dst symlink$/, p);
    for (const p of s.symlinkWhereSrcHasDir) says(/^type differs: .*: src dir.*, dst symlink$/, p);
    // what a quick check (size + mtime) cannot see
    const quick = diffTrees(src, dst, { content: false });
    for (const p of s.sameSizeSameMtime) assert.ok(!quick.some((m) => m.includes(JSON.stringify(p))), p);
    for (const p of s.staleSameSize) assert.ok(quick.some((m) => m.startsWith('mtime differs') && m.includes(JSON.stringify(p))), p);
  });
});

void describe('run-cli', () => {
  const scripts = (): string => {
    const d = join(work, 'scripts');
    mkdirSync(d, { recursive: true });
    return d;
  };

  void test('finds the built CLI beside the compiled tests', () => {
    assert.equal(BARGE_MAIN, fileURLToPath(new URL('../src/cli/main.js', import.meta.url)));
    assert.match(BARGE_MAIN, /\/dist\/src\/cli\/main\.js$/);
    assert.equal(typeof runBarge, 'function');
  });

  void test('collects exit code and output, and passes a clean environment', async () => {
    const script = join(scripts(), 'echo.mjs');
    writeFileSync(script, `process.stdout.write(JSON.stringify([process.argv.slice(2), process.env.NODE_EXTRA_CA_CERTS ?? null, process.env.EXTRA]));
      process.stderr.write('to stderr'); process.exit(3);`);
    const saved = process.env.NODE_EXTRA_CA_CERTS;
    process.env.NODE_EXTRA_CA_CERTS = '/no/such/bundle.pem'; // node would warn on stderr if it were passed on
    try {
      const r = await startNodeScript(script, ['sync', '--dry-run', 'a b', '-rf'], { env: { EXTRA: 'yes' } }).done;
      assert.deepEqual(r, { code: 3, signal: null, timedOut: false, stdout: '[["sync","--dry-run","a b","-rf"],null,"yes"]', stderr: 'to stderr' });
    } finally {
      if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
      else process.env.NODE_EXTRA_CA_CERTS = saved;
    }
  });

  void test('lets a test interrupt a running process', async () => {
    const script = join(scripts(), 'sigint.mjs');
    writeFileSync(script, `process.on('SIGINT', () => { console.log('interrupted'); process.exit(130); });
      console.log('started'); setInterval(() => {}, 1000);`);
    const child = startNodeScript(script, []);
    await waitUntil(() => child.output().stdout.includes('started'));
    child.kill('SIGINT');
    const r = await child.done;
    assert.equal(r.code, 130);
    assert.equal(r.stdout, 'started\ninterrupted\n');
  });

  void test('kills a process that outlives its timeout', async () => {
    const script = join(scripts(), 'hang.mjs');
    writeFileSync(script, 'setInterval(() => {}, 1000);');
    const r = await startNodeScript(script, [], { timeoutMs: 200 }).done;
    assert.equal(r.timedOut, true);
    assert.equal(r.signal, 'SIGKILL');
  });
});
