// Conformance: stat, listing, reading and writing whole files.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { isTempName } from '../../core/temp-names.js';
import { assertMtime, byName, has, type It, KEEP_OWNER, lacks, lst, meta, MIB, names, nonZero, OTHER_GID, OTHER_UID, pattern, PRE_EPOCH, put, readAll, readRange, sent, T1, T2, tempNames, text } from './helpers.js';

export function entryTests(it: It): void {
  void describe('stat', () => {
    it('describes a file, a directory and a symlink without following it', async (h, t) => {
      if (!has(h, t, 'symlinks')) return;
      const s = h.storage;
      await h.fixture.mkdir('d');
      await put(h, 'd/f', 'hello');
      await h.fixture.symlink('f', 'd/l');
      const f = await s.stat('d/f');
      assert.deepEqual([f?.name, f?.type, f?.size, f?.ino], ['f', 'file', 5, (await lst(h, 'd/f')).ino]);
      assert.equal((await s.stat('d'))?.type, 'dir');
      assert.equal((await s.stat(''))?.type, 'dir');
      const l = await s.stat('d/l');
      assert.deepEqual([l?.name, l?.type, l?.linkTarget], ['l', 'symlink', 'f']);
    });
    it('returns undefined for a missing name, also below a missing directory', async ({ storage: s }) => {
      assert.equal(await s.stat('missing'), undefined);
      assert.equal(await s.stat('missing/below'), undefined);
    });
    it('returns undefined for a name below a file', async (h) => {
      await put(h, 'file', 'x');
      assert.equal(await h.storage.stat('file/below'), undefined); // ENOTDIR: no such path either
    });
  });

  void describe('list', () => {
    it('lists every type with size, ns mtime, mode, owner, inode, nlink and link target', async (h, t) => {
      if (!has(h, t, 'symlinks', 'hardlinks', 'posixMeta')) return;
      const s = h.storage;
      await h.fixture.mkdir('sub');
      await put(h, 'file', pattern(1000, 1));
      await h.fixture.link('file', 'hard');
      await h.fixture.symlink('no such target', 'dangling');
      await s.setMeta('file', 'file', meta(0o4751, T1), KEEP_OWNER);
      await s.setMeta('sub', 'dir', meta(0o1770, T2), KEEP_OWNER);
      await s.setMeta('dangling', 'symlink', meta(0o777, PRE_EPOCH), KEEP_OWNER);
      const got = byName(await s.list(''));
      assert.deepEqual([...got.keys()].sort(), ['dangling', 'file', 'hard', 'sub']);
      for (const [n, e] of got) {
        const st = await lst(h, n);
        assert.equal(e.size, st.size, `${n}: size`);
        assert.equal(e.mtimeNs, st.mtimeNs, `${n}: mtime`);
        assert.equal(e.mode, st.mode, `${n}: mode`);
        assert.deepEqual([e.uid, e.gid, e.ino, e.nlink], [st.uid, st.gid, st.ino, st.nlink], `${n}: ids`);
      }
      const file = got.get('file');
      assert.deepEqual([file?.type, file?.size, file?.mode, file?.nlink], ['file', 1000, 0o4751, 2]);
      assertMtime(s, file?.mtimeNs ?? 0n, T1, 'file');
      assert.equal(got.get('hard')?.ino, file?.ino);
      assert.deepEqual([got.get('sub')?.type, got.get('sub')?.mode], ['dir', 0o1770]);
      assertMtime(s, got.get('sub')?.mtimeNs ?? 0n, T2, 'sub');
      assert.deepEqual([got.get('dangling')?.type, got.get('dangling')?.linkTarget], ['symlink', 'no such target']);
      assertMtime(s, got.get('dangling')?.mtimeNs ?? 0n, PRE_EPOCH, 'dangling');
    });
    // the part of the test above that needs neither hard links nor posix metadata, for storages without them
    it('lists every type with size, ns mtime and link target', async (h, t) => {
      if (!has(h, t, 'symlinks')) return;
      const s = h.storage;
      await h.fixture.mkdir('sub');
      await put(h, 'file', pattern(1000, 1));
      await h.fixture.symlink('no such target', 'dangling');
      await s.setMeta('file', 'file', meta(0o644, T1), KEEP_OWNER);
      await s.setMeta('sub', 'dir', meta(0o755, T2), KEEP_OWNER);
      await s.setMeta('dangling', 'symlink', meta(0o777, PRE_EPOCH), KEEP_OWNER);
      const got = byName(await s.list(''));
      assert.deepEqual([...got.keys()].sort(), ['dangling', 'file', 'sub']);
      for (const [n, e] of got) {
        const st = await lst(h, n);
        assert.deepEqual([e.type, e.size, e.mtimeNs], [st.type, st.size, st.mtimeNs], n);
      }
      assert.equal(got.get('file')?.size, 1000);
      assertMtime(s, got.get('file')?.mtimeNs ?? 0n, T1, 'file');
      assertMtime(s, got.get('sub')?.mtimeNs ?? 0n, T2, 'sub');
      assert.equal(got.get('dangling')?.linkTarget, 'no such target');
      assertMtime(s, got.get('dangling')?.mtimeNs ?? 0n, PRE_EPOCH, 'dangling');
    });
    it('keeps names with spaces, newlines and non-ASCII, and lists subdirectories', async (h) => {
      const odd = ['with space', 'new\nline', ' lead and trail ', 'ünïcødé-日本語', 'emoji-🚀', '-dash', 'back\\slash'];
      await h.fixture.mkdir('odd dir\n');
      for (const n of odd) await put(h, `odd dir\n/${n}`, n);
      const got = await h.storage.list('odd dir\n');
      assert.deepEqual(got.map((e) => e.name).sort(), [...odd].sort());
      for (const e of got) assert.equal(e.size, Buffer.byteLength(e.name), e.name);
      assert.deepEqual((await h.storage.list('')).map((e) => e.name), ['odd dir\n']);
    });
  });

  void describe('openRead', () => {
    it('reads at offsets and reports identity', async (h) => {
      const data = pattern(10_000, 7);
      await put(h, 'f', data);
      const r = await h.storage.openRead('f');
      try {
        assert.equal(r.size, 10_000);
        assert.deepEqual(await readRange(r, 4321, 100), data.subarray(4321, 4421));
        assert.deepEqual(await readRange(r, 0, 10), data.subarray(0, 10));
        const tail = Buffer.alloc(64);
        assert.equal(await r.read(tail, 64, 9_990), 10);
        assert.equal(await r.read(tail, 64, 10_000), 0);
        const st = await lst(h, 'f');
        assert.deepEqual(await r.identity(), { size: 10_000, mtimeNs: st.mtimeNs });
        await h.fixture.append('f', 'more'); // a source that changes while read must show it
        assert.equal((await r.identity()).size, 10_004);
      } finally {
        await r.close();
      }
    });
  });

  void describe('openWrite', () => {
    it('shows nothing under the final name before commit; commit sets mode and ns mtime', async (h) => {
      const s = h.storage;
      await h.fixture.mkdir('d');
      const w = await s.openWrite('d/f', { size: 10, sparse: false });
      // out of order where the storage allows it; one that hashes what arrives takes bytes in order
      const parts: Array<[string, number]> = [['world', 5], ['hello', 0]];
      if (s.features.checksSentHash) parts.reverse();
      for (const [bytes, at] of parts) await w.write(Buffer.from(bytes), at);
      assert.equal(await s.stat('d/f'), undefined);
      assert.ok((await s.list('d')).every((e) => isTempName(e.name)), 'only temp names before commit');
      assert.equal((await readAll(await w.readBack())).toString(), 'helloworld');
      await w.commit(meta(0o640, T1), KEEP_OWNER, sent(h, 'helloworld'));
      assert.equal(await text(h, 'd/f'), 'helloworld');
      const st = await lst(h, 'd/f');
      if (s.features.posixMeta) assert.equal(st.mode, 0o640);
      assertMtime(s, st.mtimeNs, T1, 'd/f');
      if (s.features.posixMeta) assert.equal(st.uid, process.getuid?.(), 'owner: false keeps the writer as owner');
      assert.deepEqual(await tempNames(h, 'd'), []);
    });
    it('sets owner and group on commit, keeping set-id bits, when features.owner', async (h, t) => {
      if (!has(h, t, 'owner')) return;
      const w = await h.storage.openWrite('f', { size: 1, sparse: false });
      await w.write(Buffer.from('x'), 0);
      await w.commit(meta(0o4755, T2), { owner: true }, sent(h, 'x'));
      const st = await lst(h, 'f');
      assert.deepEqual([st.uid, st.gid], [OTHER_UID, OTHER_GID]);
      assert.equal(st.mode, 0o4755, 'chown after chmod would clear set-uid');
    });
    it('abort leaves nothing and never touches an existing final file', async (h) => {
      await put(h, 'f', 'old');
      const w = await h.storage.openWrite('f', { size: 3, sparse: false });
      await w.write(Buffer.from('new'), 0);
      await w.abort();
      assert.deepEqual(await names(h, ''), ['f']);
      assert.equal(await text(h, 'f'), 'old');
      const w2 = await h.storage.openWrite('g', { size: 0, sparse: false });
      await w2.abort();
      assert.deepEqual(await names(h, ''), ['f']);
    });
    it('replaces an existing file atomically', async (h) => {
      await put(h, 'f', 'old content');
      const oldIno = (await lst(h, 'f')).ino;
      const oldReader = await h.storage.openRead('f');
      try {
        const w = await h.storage.openWrite('f', { size: 3, sparse: false });
        await w.write(Buffer.from('new'), 0);
        assert.equal(await text(h, 'f'), 'old content', 'old content until commit');
        await w.commit(meta(0o644, T1), KEEP_OWNER, sent(h, 'new'));
        assert.equal(await text(h, 'f'), 'new');
        // inode numbers say which names are one file: storages without hard links need not have them
        if (h.storage.features.hardlinks) assert.notEqual((await lst(h, 'f')).ino, oldIno, 'a new inode, not the old file rewritten in place');
        assert.equal((await readRange(oldReader, 0, 100)).toString(), 'old content', 'an open reader keeps the old file');
      } finally {
        await oldReader.close();
      }
      assert.deepEqual(await tempNames(h, ''), []);
    });
    it('two writers of one name do not collide; the last commit wins', async (h) => {
      const a = await h.storage.openWrite('f', { size: 1, sparse: false });
      const b = await h.storage.openWrite('f', { size: 1, sparse: false });
      await Promise.all([a.write(Buffer.from('a'), 0), b.write(Buffer.from('b'), 0)]);
      await a.commit(meta(0o644, T1), KEEP_OWNER, sent(h, 'a'));
      await b.commit(meta(0o644, T1), KEEP_OWNER, sent(h, 'b'));
      assert.equal(await text(h, 'f'), 'b');
      assert.deepEqual(await names(h, ''), ['f']);
    });
    it('sparse: true leaves holes in a mostly-zero 8 MiB file, with the full size', async (h, t) => {
      if (!has(h, t, 'sparse')) return;
      const size = 8 * MIB;
      const w = await h.storage.openWrite('sparse', { size, sparse: true });
      const island = pattern(8192, 3);
      const whole = Buffer.alloc(size); // the tail MiB stays all zero: commit must still give the full size
      for (const at of [2 * MIB, 5 * MIB]) island.copy(whole, at + 4096);
      for (let off = 0; off < size; off += MIB) await w.write(whole.subarray(off, off + MIB), off);
      await w.commit(meta(0o644, T1), KEEP_OWNER, sent(h, whole));
      const st = await lst(h, 'sparse');
      assert.equal(st.size, size);
      assert.ok(st.allocated < size / 16, `allocated ${st.allocated} of ${size}`);
      assert.equal((await h.storage.stat('sparse'))?.allocated, st.allocated);
      const r = await h.storage.openRead('sparse');
      try {
        assert.deepEqual(await readRange(r, 2 * MIB + 4096, 8192), island);
        assert.deepEqual(await readRange(r, 5 * MIB, 4096), Buffer.alloc(4096));
        assert.deepEqual(await readRange(r, size - 10, 10), Buffer.alloc(10));
      } finally { await r.close(); }
    });
    it('sparse: true still writes zeros over bytes written earlier at the same place', async (h, t) => {
      if (!lacks(h, t, 'checksSentHash', 'a range written twice is out of order for the hash of what arrived')) return;
      const w = await h.storage.openWrite('f', { size: 8192, sparse: true });
      await w.write(Buffer.alloc(8192, 0xff), 0);
      await w.write(Buffer.alloc(8192), 0); // a rewritten range (a retry) must read back as written
      assert.equal(nonZero(await readAll(await w.readBack())), 0, 'non-zero bytes read back');
      await w.commit(meta(0o644, T1), KEEP_OWNER);
      assert.equal(nonZero(await h.fixture.read('f')), 0, 'non-zero bytes after commit');
    });
  });

  void describe('whole-file fast path (optional)', () => {
    // each half on its own: a backend may have one (RemoteStorage writes whole files, reads through openRead)
    it('writeWhole makes a complete new file with its metadata', async (h, t) => {
      const s = h.storage;
      if (!s.writeWhole) { t.skip('this backend has no writeWhole'); return; }
      const data = pattern(5000, 7);
      assert.equal(await s.writeWhole('w', data, meta(0o640, T1), KEEP_OWNER, sent(h, data)), true);
      assert.deepEqual(await h.fixture.read('w'), data);
      assertMtime(s, (await lst(h, 'w')).mtimeNs, T1, 'mtime');
      if (s.features.posixMeta) assert.equal((await lst(h, 'w')).mode, 0o640);
      assert.deepEqual(await tempNames(h, ''), []);
    });
    it('readWhole reads a file whole with its identity', async (h, t) => {
      const s = h.storage;
      if (!s.readWhole) { t.skip('this backend has no readWhole'); return; }
      const data = pattern(5000, 7);
      await put(h, 'w', data);
      await s.setMeta('w', 'file', meta(0o640, T1), KEEP_OWNER);
      const buf = Buffer.alloc(8192);
      const got = await s.readWhole('w', buf);
      assert.deepEqual([got.length, got.size], [5000, 5000]);
      assertMtime(s, got.mtimeNs, T1, 'identity mtime');
      assert.deepEqual(buf.subarray(0, got.length), data);
    });
    it('writeWhole declines a name that is taken and leaves it as it was', async (h, t) => {
      const s = h.storage;
      if (!s.writeWhole) { t.skip('this backend has no writeWhole'); return; }
      await put(h, 'taken', 'mine');
      assert.equal(await s.writeWhole('taken', Buffer.from('theirs'), meta(0o644, T1), KEEP_OWNER, sent(h, 'theirs')), false);
      assert.equal(await text(h, 'taken'), 'mine');
      assert.deepEqual(await tempNames(h, ''), []);
    });
  });
}
