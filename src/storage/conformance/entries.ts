// Conformance: listing, reading, writing, naming and removing entries.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe } from 'node:test';
import { isBargeError } from '../../core/errors.js';
import { isTempName } from '../../core/temp-names.js';
import { abs, assertMtime, byName, exists, type It, KEEP_OWNER, lst, meta, MIB, nonZero, OTHER_GID, OTHER_UID, pattern, PRE_EPOCH, put, readAll, readRange, rejectsWith, T1, T2, tempNames } from './helpers.js';

export function entryTests(it: It): void {
  void describe('stat', () => {
    it('describes a file, a directory and a symlink without following it', async (h) => {
      const s = h.storage;
      fs.mkdirSync(abs(h, 'd'));
      put(h, 'd/f', 'hello');
      fs.symlinkSync('f', abs(h, 'd/l'));
      const f = await s.stat('d/f');
      assert.deepEqual([f?.name, f?.type, f?.size, f?.ino], ['f', 'file', 5, Number(lst(h, 'd/f').ino)]);
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
      put(h, 'file', 'x');
      assert.equal(await h.storage.stat('file/below'), undefined); // ENOTDIR: no such path either
    });
  });

  void describe('list', () => {
    it('lists every type with size, ns mtime, mode, owner, inode, nlink and link target', async (h) => {
      const s = h.storage;
      fs.mkdirSync(abs(h, 'sub'));
      put(h, 'file', pattern(1000, 1));
      fs.linkSync(abs(h, 'file'), abs(h, 'hard'));
      fs.symlinkSync('no such target', abs(h, 'dangling'));
      await s.setMeta('file', 'file', meta(0o4751, T1), KEEP_OWNER);
      await s.setMeta('sub', 'dir', meta(0o1770, T2), KEEP_OWNER);
      await s.setMeta('dangling', 'symlink', meta(0o777, PRE_EPOCH), KEEP_OWNER);
      const got = byName(await s.list(''));
      assert.deepEqual([...got.keys()].sort(), ['dangling', 'file', 'hard', 'sub']);
      for (const [n, e] of got) {
        const st = lst(h, n);
        assert.equal(e.size, Number(st.size), `${n}: size`);
        assert.equal(e.mtimeNs, st.mtimeNs, `${n}: mtime`);
        assert.equal(e.mode, Number(st.mode) & 0o7777, `${n}: mode`);
        assert.deepEqual([e.uid, e.gid, e.ino, e.nlink], [st.uid, st.gid, st.ino, st.nlink].map(Number), `${n}: ids`);
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
    it('keeps names with spaces, newlines and non-ASCII, and lists subdirectories', async (h) => {
      const names = ['with space', 'new\nline', ' lead and trail ', 'ünïcødé-日本語', 'emoji-🚀', '-dash', 'back\\slash'];
      fs.mkdirSync(abs(h, 'odd dir\n'));
      for (const n of names) put(h, `odd dir\n/${n}`, n);
      const got = await h.storage.list('odd dir\n');
      assert.deepEqual(got.map((e) => e.name).sort(), [...names].sort());
      for (const e of got) assert.equal(e.size, Buffer.byteLength(e.name), e.name);
      assert.deepEqual((await h.storage.list('')).map((e) => e.name), ['odd dir\n']);
    });
  });

  void describe('openRead', () => {
    it('reads at offsets and reports identity', async (h) => {
      const data = pattern(10_000, 7);
      put(h, 'f', data);
      const r = await h.storage.openRead('f');
      try {
        assert.equal(r.size, 10_000);
        assert.deepEqual(await readRange(r, 4321, 100), data.subarray(4321, 4421));
        assert.deepEqual(await readRange(r, 0, 10), data.subarray(0, 10));
        const tail = Buffer.alloc(64);
        assert.equal(await r.read(tail, 64, 9_990), 10);
        assert.equal(await r.read(tail, 64, 10_000), 0);
        const st = lst(h, 'f');
        assert.deepEqual(await r.identity(), { size: 10_000, mtimeNs: st.mtimeNs });
        fs.appendFileSync(abs(h, 'f'), 'more'); // a source that changes while read must show it
        assert.equal((await r.identity()).size, 10_004);
      } finally {
        await r.close();
      }
    });
  });

  void describe('openWrite', () => {
    it('shows nothing under the final name before commit; commit sets mode and ns mtime', async (h) => {
      const s = h.storage;
      fs.mkdirSync(abs(h, 'd'));
      const w = await s.openWrite('d/f', { size: 10, sparse: false });
      await w.write(Buffer.from('world'), 5);
      await w.write(Buffer.from('hello'), 0);
      assert.equal(await s.stat('d/f'), undefined);
      assert.ok((await s.list('d')).every((e) => isTempName(e.name)), 'only temp names before commit');
      assert.equal((await readAll(await w.readBack())).toString(), 'helloworld');
      await w.commit(meta(0o640, T1), KEEP_OWNER);
      assert.equal(fs.readFileSync(abs(h, 'd/f'), 'utf8'), 'helloworld');
      const st = lst(h, 'd/f');
      assert.equal(Number(st.mode) & 0o7777, 0o640);
      assertMtime(s, st.mtimeNs, T1, 'd/f');
      assert.equal(Number(st.uid), process.getuid?.(), 'owner: false keeps the writer as owner');
      assert.deepEqual(tempNames(h, 'd'), []);
    });
    it('sets owner and group on commit, keeping set-id bits, when features.owner', async (h, t) => {
      if (!h.storage.features.owner) { t.skip('storage cannot set owners'); return; }
      const w = await h.storage.openWrite('f', { size: 1, sparse: false });
      await w.write(Buffer.from('x'), 0);
      await w.commit(meta(0o4755, T2), { owner: true });
      const st = lst(h, 'f');
      assert.deepEqual([st.uid, st.gid].map(Number), [OTHER_UID, OTHER_GID]);
      assert.equal(Number(st.mode) & 0o7777, 0o4755, 'chown after chmod would clear set-uid');
    });
    it('abort leaves nothing and never touches an existing final file', async (h) => {
      put(h, 'f', 'old');
      const w = await h.storage.openWrite('f', { size: 3, sparse: false });
      await w.write(Buffer.from('new'), 0);
      await w.abort();
      assert.deepEqual(fs.readdirSync(h.rootPath), ['f']);
      assert.equal(fs.readFileSync(abs(h, 'f'), 'utf8'), 'old');
      const w2 = await h.storage.openWrite('g', { size: 0, sparse: false });
      await w2.abort();
      assert.deepEqual(fs.readdirSync(h.rootPath), ['f']);
    });
    it('replaces an existing file atomically', async (h) => {
      put(h, 'f', 'old content');
      const oldIno = lst(h, 'f').ino;
      const oldReader = await h.storage.openRead('f');
      try {
        const w = await h.storage.openWrite('f', { size: 3, sparse: false });
        await w.write(Buffer.from('new'), 0);
        assert.equal(fs.readFileSync(abs(h, 'f'), 'utf8'), 'old content', 'old content until commit');
        await w.commit(meta(0o644, T1), KEEP_OWNER);
        assert.equal(fs.readFileSync(abs(h, 'f'), 'utf8'), 'new');
        assert.notEqual(lst(h, 'f').ino, oldIno, 'a new inode, not the old file rewritten in place');
        assert.equal((await readRange(oldReader, 0, 100)).toString(), 'old content', 'an open reader keeps the old file');
      } finally {
        await oldReader.close();
      }
      assert.deepEqual(tempNames(h, ''), []);
    });
    it('two writers of one name do not collide; the last commit wins', async (h) => {
      const a = await h.storage.openWrite('f', { size: 1, sparse: false });
      const b = await h.storage.openWrite('f', { size: 1, sparse: false });
      await Promise.all([a.write(Buffer.from('a'), 0), b.write(Buffer.from('b'), 0)]);
      await a.commit(meta(0o644, T1), KEEP_OWNER);
      await b.commit(meta(0o644, T1), KEEP_OWNER);
      assert.equal(fs.readFileSync(abs(h, 'f'), 'utf8'), 'b');
      assert.deepEqual(fs.readdirSync(h.rootPath), ['f']);
    });
    it('sparse: true leaves holes in a mostly-zero 8 MiB file, with the full size', async (h, t) => {
      if (!h.storage.features.sparse) { t.skip('storage does not keep holes'); return; }
      const size = 8 * MIB;
      const w = await h.storage.openWrite('sparse', { size, sparse: true });
      const island = pattern(8192, 3);
      for (let off = 0; off < size; off += MIB) {
        const chunk = Buffer.alloc(MIB); // the tail chunk stays all zero: commit must still give the full size
        if (off === 2 * MIB || off === 5 * MIB) island.copy(chunk, 4096);
        await w.write(chunk, off);
      }
      await w.commit(meta(0o644, T1), KEEP_OWNER);
      const st = lst(h, 'sparse');
      assert.equal(Number(st.size), size);
      assert.ok(Number(st.blocks) * 512 < size / 16, `allocated ${Number(st.blocks) * 512} of ${size}`);
      assert.equal((await h.storage.stat('sparse'))?.allocated, Number(st.blocks) * 512);
      const r = await h.storage.openRead('sparse');
      try {
        assert.deepEqual(await readRange(r, 2 * MIB + 4096, 8192), island);
        assert.deepEqual(await readRange(r, 5 * MIB, 4096), Buffer.alloc(4096));
        assert.deepEqual(await readRange(r, size - 10, 10), Buffer.alloc(10));
      } finally { await r.close(); }
    });
    it('sparse: true still writes zeros over bytes written earlier at the same place', async (h) => {
      const w = await h.storage.openWrite('f', { size: 8192, sparse: true });
      await w.write(Buffer.alloc(8192, 0xff), 0);
      await w.write(Buffer.alloc(8192), 0); // a rewritten range (a retry) must read back as written
      assert.equal(nonZero(await readAll(await w.readBack())), 0, 'non-zero bytes read back');
      await w.commit(meta(0o644, T1), KEEP_OWNER);
      assert.equal(nonZero(fs.readFileSync(abs(h, 'f'))), 0, 'non-zero bytes after commit');
    });
  });

  void describe('whole-file fast path (optional)', () => {
    it('writeWhole makes a complete new file with its metadata; readWhole reads it back with its identity', async (h, t) => {
      const s = h.storage;
      if (!s.readWhole || !s.writeWhole) { t.skip('this backend has no whole-file path'); return; }
      const data = pattern(5000, 7);
      assert.equal(await s.writeWhole('w', data, meta(0o640, T1), KEEP_OWNER), true);
      assert.deepEqual(fs.readFileSync(abs(h, 'w')), data);
      assertMtime(s, lst(h, 'w').mtimeNs, T1, 'mtime');
      assert.equal(Number(lst(h, 'w').mode) & 0o7777, 0o640);
      assert.deepEqual(tempNames(h, ''), []);
      const buf = Buffer.alloc(8192);
      const got = await s.readWhole('w', buf);
      assert.deepEqual([got.length, got.size], [5000, 5000]);
      assertMtime(s, got.mtimeNs, T1, 'identity mtime');
      assert.deepEqual(buf.subarray(0, got.length), data);
    });
    it('writeWhole declines a name that is taken and leaves it as it was', async (h, t) => {
      const s = h.storage;
      if (!s.writeWhole) { t.skip('this backend has no whole-file path'); return; }
      put(h, 'taken', 'mine');
      assert.equal(await s.writeWhole('taken', Buffer.from('theirs'), meta(0o644, T1), KEEP_OWNER), false);
      assert.equal(fs.readFileSync(abs(h, 'taken'), 'utf8'), 'mine');
      assert.deepEqual(tempNames(h, ''), []);
    });
  });

  void describe('mkdir, symlink, link', () => {
    it('mkdir makes a directory and refuses one in the way', async (h) => {
      await h.storage.mkdir('d');
      await h.storage.mkdir('d/e f');
      assert.ok(lst(h, 'd/e f').isDirectory());
      await rejectsWith(() => h.storage.mkdir('d'), 'E_EXISTS', 'mkdir over a directory');
      await rejectsWith(() => h.storage.mkdir('missing/d'), 'E_NOT_FOUND', 'mkdir below a missing directory');
    });
    it('symlink creates a link with its ns mtime, and replaces a file atomically', async (h) => {
      const s = h.storage;
      await s.symlink('l', '../anything/at all', meta(0o777, T1), KEEP_OWNER);
      assert.equal(fs.readlinkSync(abs(h, 'l')), '../anything/at all');
      assertMtime(s, lst(h, 'l').mtimeNs, T1, 'l');
      put(h, 'f', 'file in the way');
      await s.symlink('f', 'target', meta(0o777, T2), KEEP_OWNER);
      assert.ok(lst(h, 'f').isSymbolicLink());
      assert.equal(fs.readlinkSync(abs(h, 'f')), 'target');
      assertMtime(s, lst(h, 'f').mtimeNs, T2, 'f');
      assert.deepEqual(fs.readdirSync(h.rootPath).sort(), ['f', 'l']);
    });
    it('symlink never follows a link in the way (to a file or a directory)', async (h) => {
      fs.mkdirSync(abs(h, 'dir'));
      put(h, 'file', 'keep');
      await h.storage.setMeta('file', 'file', meta(0o600, T1), KEEP_OWNER);
      fs.symlinkSync('dir', abs(h, 'to-dir'));
      fs.symlinkSync('file', abs(h, 'to-file'));
      await h.storage.symlink('to-dir', 'elsewhere', meta(0o777, T2), KEEP_OWNER);
      await h.storage.symlink('to-file', 'elsewhere', meta(0o777, T2), KEEP_OWNER);
      assert.equal(fs.readlinkSync(abs(h, 'to-dir')), 'elsewhere');
      assert.equal(fs.readlinkSync(abs(h, 'to-file')), 'elsewhere');
      assert.deepEqual(fs.readdirSync(abs(h, 'dir')), []);
      assert.equal(fs.readFileSync(abs(h, 'file'), 'utf8'), 'keep');
      assert.equal(lst(h, 'file').mtimeNs, T1);
      assert.deepEqual(fs.readdirSync(h.rootPath).sort(), ['dir', 'file', 'to-dir', 'to-file']);
    });
    it('symlink sets owner and group when features.owner', async (h, t) => {
      if (!h.storage.features.owner) { t.skip('storage cannot set owners'); return; }
      await h.storage.symlink('l', 't', meta(0o777, T1), { owner: true });
      assert.deepEqual([lst(h, 'l').uid, lst(h, 'l').gid].map(Number), [OTHER_UID, OTHER_GID]);
    });
    it('link makes a hard link to the same inode, replacing what is in the way', async (h, t) => {
      if (!h.storage.features.hardlinks) { t.skip('storage has no hard links'); return; }
      fs.mkdirSync(abs(h, 'd'));
      put(h, 'a', 'content');
      put(h, 'd/b', 'in the way');
      await h.storage.link('a', 'd/b');
      await h.storage.link('a', 'c');
      assert.equal(lst(h, 'd/b').ino, lst(h, 'a').ino);
      assert.equal(lst(h, 'c').ino, lst(h, 'a').ino);
      assert.equal(Number(lst(h, 'a').nlink), 3);
      assert.deepEqual([tempNames(h, ''), tempNames(h, 'd')], [[], []]);
    });
    it('link to a name that already is that file leaves no temporary name behind', async (h, t) => {
      if (!h.storage.features.hardlinks) { t.skip('storage has no hard links'); return; }
      put(h, 'a', 'content');
      fs.linkSync(abs(h, 'a'), abs(h, 'b'));
      await h.storage.link('a', 'b'); // a re-run over an already linked destination
      assert.equal(lst(h, 'b').ino, lst(h, 'a').ino);
      assert.deepEqual(fs.readdirSync(h.rootPath).sort(), ['a', 'b']);
      assert.equal(Number(lst(h, 'a').nlink), 2);
    });
  });

  void describe('remove, removeEmptyDir', () => {
    it('remove takes a file, and a symlink without touching its target', async (h) => {
      put(h, 'f', 'x');
      put(h, 'target', 'keep');
      fs.symlinkSync('target', abs(h, 'l'));
      assert.equal(await h.storage.remove('f'), 1);
      assert.equal(await h.storage.remove('l'), 1);
      assert.deepEqual(fs.readdirSync(h.rootPath), ['target']);
      assert.equal(fs.readFileSync(abs(h, 'target'), 'utf8'), 'keep');
    });
    it('remove takes a whole tree, counts what it removed, and never follows links out of it', async (h) => {
      fs.mkdirSync(abs(h, 'keep'));
      put(h, 'keep/k', 'keep');
      fs.mkdirSync(abs(h, 'tree/sub/deeper'), { recursive: true });
      put(h, 'tree/a', 'a');
      put(h, 'tree/sub/b', 'b');
      fs.symlinkSync('../../keep', abs(h, 'tree/sub/to-keep'));
      assert.equal(await h.storage.remove('tree'), 6);
      assert.deepEqual(fs.readdirSync(h.rootPath), ['keep']);
      assert.deepEqual(fs.readdirSync(abs(h, 'keep')), ['k']);
    });
    it('remove refuses the root and a missing name', async (h) => {
      put(h, 'f', 'x');
      await assert.rejects(() => h.storage.remove(''), (e: unknown) => isBargeError(e));
      assert.deepEqual(fs.readdirSync(h.rootPath), ['f']);
      await rejectsWith(() => h.storage.remove('missing'), 'E_NOT_FOUND', 'remove missing');
    });
    it('removeEmptyDir removes an empty directory and refuses a non-empty one with E_EXISTS', async (h) => {
      fs.mkdirSync(abs(h, 'empty'));
      fs.mkdirSync(abs(h, 'full'));
      put(h, 'full/f', 'x');
      await h.storage.removeEmptyDir('empty');
      assert.equal(exists(h, 'empty'), false);
      await rejectsWith(() => h.storage.removeEmptyDir('full'), 'E_EXISTS', 'removeEmptyDir non-empty');
      assert.equal(exists(h, 'full/f'), true);
      await rejectsWith(() => h.storage.removeEmptyDir('empty'), 'E_NOT_FOUND', 'removeEmptyDir missing');
    });
  });

  void describe('setMeta', () => {
    it('sets mode and ns mtime on a file and a directory', async (h) => {
      put(h, 'f', 'x');
      fs.mkdirSync(abs(h, 'd'));
      await h.storage.setMeta('f', 'file', meta(0o604, T1), KEEP_OWNER);
      await h.storage.setMeta('d', 'dir', meta(0o751, PRE_EPOCH), KEEP_OWNER);
      assert.equal(Number(lst(h, 'f').mode) & 0o7777, 0o604);
      assertMtime(h.storage, lst(h, 'f').mtimeNs, T1, 'f');
      assert.equal(Number(lst(h, 'd').mode) & 0o7777, 0o751);
      assertMtime(h.storage, lst(h, 'd').mtimeNs, PRE_EPOCH, 'd');
    });
    it('sets a symlink\'s mtime without following it, and never applies its mode', async (h) => {
      put(h, 'target', 'x');
      fs.chmodSync(abs(h, 'target'), 0o644);
      await h.storage.setMeta('target', 'file', meta(0o644, T1), KEEP_OWNER);
      fs.symlinkSync('target', abs(h, 'l'));
      await h.storage.setMeta('l', 'symlink', meta(0o600, T2), KEEP_OWNER);
      assertMtime(h.storage, lst(h, 'l').mtimeNs, T2, 'l');
      assert.equal(Number(lst(h, 'target').mode) & 0o7777, 0o644, 'the target keeps its mode');
      assert.equal(lst(h, 'target').mtimeNs, T1, 'the target keeps its mtime');
    });
    it('sets owner and group on a file, a directory and a symlink when features.owner', async (h, t) => {
      if (!h.storage.features.owner) { t.skip('storage cannot set owners'); return; }
      put(h, 'f', 'x');
      fs.mkdirSync(abs(h, 'd'));
      fs.symlinkSync('f', abs(h, 'l'));
      await h.storage.setMeta('f', 'file', meta(0o644, T1), { owner: true });
      await h.storage.setMeta('d', 'dir', meta(0o755, T1), { owner: true });
      await h.storage.setMeta('l', 'symlink', meta(0o777, T1), { owner: true });
      for (const n of ['f', 'd', 'l']) assert.deepEqual([lst(h, n).uid, lst(h, n).gid].map(Number), [OTHER_UID, OTHER_GID], n);
    });
  });

}
