// Conformance: the optional fast paths: many small files (readMany / writeMany) and the
// writers' in-kernel copy (copyFrom).
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { ManyWrite, Storage } from '../storage.js';
import { has, IS_ROOT, type It, KEEP_OWNER, lst, meta, names, OTHER_GID, OTHER_UID, pattern, PRE_EPOCH, put, rejectsWith, T1, T2, tempNames, text } from './helpers.js';

type Many = Required<Pick<Storage, 'readMany' | 'writeMany'>>;

function many(s: Storage): Many | undefined {
  return s.readMany && s.writeMany ? { readMany: s.readMany.bind(s), writeMany: s.writeMany.bind(s) } : undefined;
}

/** the files laid out one after another in one buffer, as a caller of writeMany does */
function layout(files: { name: string; data: Buffer; mode: number; mtimeNs: bigint }[]): { buf: Buffer; writes: ManyWrite[] } {
  const buf = Buffer.concat(files.map((f) => f.data));
  let at = 0;
  const writes = files.map((f) => {
    const w = { name: f.name, offset: at, length: f.data.length, meta: meta(f.mode, f.mtimeNs) };
    at += f.data.length;
    return w;
  });
  return { buf, writes };
}

export function manyFilesTests(it: It): void {
  void describe('many small files (optional)', () => {
    it('writeMany makes each file complete with its bytes, mode and ns mtime; readMany reads them back', async (h, t) => {
      const m = many(h.storage);
      if (!m) { t.skip('this backend has no many-files path'); return; }
      // 0o777 and 0o666 are cut by the usual umask, 0o4755 and 0o2750 carry set-id bits:
      // each must come out as asked whatever open() would have made of it
      const umask = process.umask(0o022);
      try {
        await h.fixture.mkdir('d');
        const files = [
          { name: 'a', data: pattern(5000, 1), mode: 0o640, mtimeNs: T1 },
          { name: 'empty', data: Buffer.alloc(0), mode: 0o600, mtimeNs: T2 },
          { name: 'all', data: pattern(100, 2), mode: 0o777, mtimeNs: PRE_EPOCH },
          { name: 'rw', data: pattern(1, 3), mode: 0o666, mtimeNs: T1 },
          { name: 'suid', data: pattern(70, 4), mode: 0o4755, mtimeNs: T2 },
          { name: 'sgid', data: pattern(9, 5), mode: 0o2750, mtimeNs: T1 },
          { name: 'with space \u00e9', data: pattern(4096, 6), mode: 0o644, mtimeNs: T2 },
        ];
        const { buf, writes } = layout(files);
        assert.deepEqual(await m.writeMany('d', writes, buf, KEEP_OWNER), files.map(() => true));
        for (const f of files) {
          const st = await lst(h, `d/${f.name}`);
          assert.deepEqual(await h.fixture.read(`d/${f.name}`), f.data, `${f.name}: bytes`);
          if (h.storage.features.posixMeta) assert.equal(st.mode.toString(8), f.mode.toString(8), `${f.name}: mode`);
          assert.equal(st.mtimeNs, f.mtimeNs, `${f.name}: mtime`);
        }
        assert.deepEqual(await tempNames(h, 'd'), []);
        const back = Buffer.alloc(64 * 1024);
        const got = await m.readMany('d', files.map((f) => ({ name: f.name, size: f.data.length })), back);
        let at = 0;
        files.forEach((f, i) => {
          const r = got[i];
          assert.ok(r, `${f.name}: read`);
          assert.deepEqual([r.offset, r.length, r.size, r.mtimeNs], [at, f.data.length, f.data.length, f.mtimeNs], f.name);
          assert.deepEqual(back.subarray(r.offset, r.offset + r.length), f.data, `${f.name}: bytes read`);
          at += f.data.length + 1; // each gets one byte to spare
        });
      } finally { process.umask(umask); }
    });
    it('readMany reads a file that grew longer than listed, and leaves out what it cannot read or fit', async (h, t) => {
      const m = many(h.storage);
      if (!m) { t.skip('this backend has no many-files path'); return; }
      await put(h, 'grew', pattern(300, 1));
      await put(h, 'ok', pattern(10, 2));
      await put(h, 'big', pattern(2000, 3));
      if (h.storage.features.symlinks) await h.fixture.symlink('ok', 'link'); // else 'link' is missing: not read either
      await h.fixture.mkdir('dir');
      const got = await m.readMany('', [
        { name: 'grew', size: 100 }, { name: 'gone', size: 5 }, { name: 'link', size: 10 }, { name: 'dir', size: 0 },
        { name: 'ok', size: 10 }, { name: 'big', size: 2000 },
      ], Buffer.alloc(1024));
      assert.deepEqual(got.map((r) => r === undefined ? undefined : [r.length, r.size]),
        [[101, 300], undefined, undefined, undefined, [10, 10], undefined]);
    });
    it('writeMany declines a name that is taken, leaves it as it was, and still makes the others', async (h, t) => {
      const m = many(h.storage);
      if (!m) { t.skip('this backend has no many-files path'); return; }
      await put(h, 'taken', 'mine');
      await h.fixture.mkdir('taken-dir');
      const { buf, writes } = layout([
        { name: 'first', data: pattern(10, 1), mode: 0o644, mtimeNs: T1 },
        { name: 'taken', data: Buffer.from('theirs'), mode: 0o644, mtimeNs: T1 },
        { name: 'taken-dir', data: Buffer.from('x'), mode: 0o644, mtimeNs: T1 },
        { name: 'last', data: pattern(20, 2), mode: 0o644, mtimeNs: T2 },
      ]);
      assert.deepEqual(await m.writeMany('', writes, buf, KEEP_OWNER), [true, false, false, true]);
      assert.equal(await text(h, 'taken'), 'mine');
      assert.equal((await lst(h, 'taken-dir')).type, 'dir');
      assert.deepEqual(await h.fixture.read('last'), pattern(20, 2));
      assert.deepEqual(await tempNames(h, ''), []);
    });
    it('refuses names that are not one component, and directories that are not under the root', async (h, t) => {
      const m = many(h.storage);
      if (!m) { t.skip('this backend has no many-files path'); return; }
      await h.fixture.mkdir('d');
      const w = (name: string): ManyWrite[] => [{ name, offset: 0, length: 1, meta: meta(0o644, T1) }];
      for (const bad of ['../x', 'a/b', '..', '.', '', 'x\0y']) {
        await rejectsWith(() => m.writeMany('d', w(bad), Buffer.from('x'), KEEP_OWNER), 'E_PATH_ESCAPE', `writeMany name ${JSON.stringify(bad)}`);
        await rejectsWith(() => m.readMany('d', [{ name: bad, size: 1 }], Buffer.alloc(8)), 'E_PATH_ESCAPE', `readMany name ${JSON.stringify(bad)}`);
      }
      for (const bad of ['..', 'd/..', '/', 'd/']) {
        await rejectsWith(() => m.writeMany(bad, w('x'), Buffer.from('x'), KEEP_OWNER), 'E_PATH_ESCAPE', `writeMany dir ${JSON.stringify(bad)}`);
      }
      assert.deepEqual(await names(h, 'd'), []);
    });
    it('sets owner and group when asked (as root), also where the directory would give another group', async (h, t) => {
      const m = many(h.storage);
      if (!m) { t.skip('this backend has no many-files path'); return; }
      if (!IS_ROOT) { t.skip('needs root'); return; }
      if (!has(h, t, 'posixMeta')) return;
      // a set-gid directory of another group: a new file would get that group, not ours
      await h.fixture.mkdir('sg');
      await h.fixture.setOwner('sg', 0, OTHER_GID);
      await h.fixture.setMode('sg', 0o2775);
      const mine = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
      const { buf, writes } = layout([
        { name: 'theirs', data: pattern(10, 1), mode: 0o644, mtimeNs: T1 },
        { name: 'mine', data: pattern(10, 2), mode: 0o2755, mtimeNs: T1 },
        { name: 'dir-group', data: pattern(10, 3), mode: 0o644, mtimeNs: T1 },
      ]);
      const owners = [{ uid: OTHER_UID, gid: OTHER_GID }, mine, { uid: mine.uid, gid: OTHER_GID }];
      writes.forEach((x, i) => { x.meta = { ...x.meta, ...owners[i] }; });
      for (const dir of ['', 'sg']) {
        assert.deepEqual(await m.writeMany(dir, writes, buf, { owner: true }), [true, true, true], dir);
        for (const [i, x] of writes.entries()) {
          const st = await lst(h, dir === '' ? x.name : `${dir}/${x.name}`);
          assert.deepEqual([st.uid, st.gid], [owners[i]?.uid, owners[i]?.gid], `${dir}/${x.name}: owner`);
          assert.equal(st.mode, x.meta.mode, `${dir}/${x.name}: mode after chown`);
        }
      }
      // without owner: ours, wherever the directory would not say otherwise
      const { buf: b2, writes: w2 } = layout([{ name: 'plain', data: pattern(5, 4), mode: 0o644, mtimeNs: T1 }]);
      w2.forEach((x) => { x.meta = { ...x.meta, uid: OTHER_UID, gid: OTHER_GID }; });
      assert.deepEqual(await m.writeMany('', w2, b2, KEEP_OWNER), [true]);
      assert.deepEqual([(await lst(h, 'plain')).uid, (await lst(h, 'plain')).gid], [mine.uid, mine.gid]);
    });
  });
}

/** the optional in-kernel copy of writers (copyFrom) */
export function copyFromTests(it: It): void {
  void describe('copyFrom (optional)', () => {
    it('a writer copies a range of another file of the storage to the same place, short only at its end', async (h, t) => {
      const s = h.storage;
      const src = pattern(300_000, 9);
      await put(h, 'src', src);
      const w = await s.openWrite('dst', { size: src.length, sparse: false });
      if (!w.copyFrom) { await w.abort(); t.skip('this backend has no in-kernel copy'); return; }
      const r = await s.openRead('src');
      try {
        assert.equal(await w.copyFrom(r, 0, 100_000), 100_000);
        await w.write(src.subarray(100_000, 200_000), 100_000);
        assert.equal(await w.copyFrom(r, 200_000, 150_000), 100_000, 'the source ends at 300,000');
        await w.commit(meta(0o644, T1), KEEP_OWNER);
      } finally { await r.close(); }
      assert.deepEqual(await h.fixture.read('dst'), src);
    });
    it('a sparse writer and a chunk writer: holes are left to write(), chunks are copied in place', async (h, t) => {
      const s = h.storage;
      const src = pattern(200_000, 4);
      await put(h, 'src', src);
      const sparse = await s.openWrite('sparse', { size: src.length, sparse: true });
      const r = await s.openRead('src');
      try {
        if (!sparse.copyFrom) { t.skip('this backend has no in-kernel copy'); return; }
        assert.equal(await sparse.copyFrom(r, 0, 1000), undefined, 'sparse writing finds zeros itself');
        await sparse.abort();
        await s.preparePartial('big', { size: src.length, sparse: false, identity: 'id', chunkSize: 100_000 });
        const c = await s.openPartialWrite('big', { size: src.length, sparse: false });
        try {
          assert.equal(await c.copyFrom?.(r, 100_000, 100_000), 100_000);
          await c.write(src.subarray(0, 100_000), 0);
        } finally { await c.close(); }
        await s.commitPartial('big', meta(0o600, T1), KEEP_OWNER);
      } finally { await r.close(); }
      assert.deepEqual(await h.fixture.read('big'), src);
    });
  });
}
