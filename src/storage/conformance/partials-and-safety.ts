// Conformance: partial large files, path safety and error classification.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { isTempName } from '../../core/temp-names.js';
import { assertMtime, exists, expectRefused, has, IS_ROOT, type It, KEEP_OWNER, lst, meta, MIB, names, nonZero, pattern, put, readAll, rejectsWith, sent, sentField, type StorageUnderTest, T1, tempNames, text } from './helpers.js';

/**
 * Writes chunk `index` and records it as a sender does: closed with the hash of its bytes,
 * then recorded with it (a storage that checks sent hashes records no other); returns the
 * hash recorded (any hex where the storage keeps it unchecked).
 */
async function writeChunk(h: StorageUnderTest, path: string, o: { size: number; chunkSize: number }, index: number, bytes: Buffer): Promise<string> {
  const w = await h.storage.openPartialWrite(path, { size: o.size, sparse: false });
  const hash = sent(h, bytes);
  try { await w.write(bytes, index * o.chunkSize); } finally { await w.close(hash); }
  const recorded = hash ?? `c0ffee${index}`; // hex, as every hash is
  await h.storage.recordChunk(path, index, recorded);
  return recorded;
}

export function partialAndSafetyTests(it: It): void {
  void describe('partial files', () => {
    const chunkSize = 64 * 1024;
    const size = 2 * chunkSize + 1000;
    const opts = (identity: string) => ({ size, sparse: false, identity, chunkSize });
    it('prepare makes a hidden file of the full size; recorded chunks survive a second prepare', async (h) => {
      const s = h.storage;
      await h.fixture.mkdir('d');
      const p = await s.preparePartial('d/big', opts('id-1'));
      assert.equal(p.recorded.size, 0);
      assert.equal(await exists(h, 'd/big'), false);
      assert.ok((await tempNames(h, 'd')).length > 0 && (await names(h, 'd')).every(isTempName));
      const r = await s.openPartialRead('d/big');
      try { assert.equal(r.size, size); } finally { await r.close(); }
      const recorded: Array<[number, string]> = [
        [0, await writeChunk(h, 'd/big', { size, chunkSize }, 0, pattern(chunkSize, 1))],
        [2, await writeChunk(h, 'd/big', { size, chunkSize }, 2, pattern(1000, 3))],
      ];
      const again = await s.preparePartial('d/big', opts('id-1'));
      assert.deepEqual([...again.recorded].sort(), recorded);
      assert.deepEqual((await readAll(await s.openPartialRead('d/big'))).subarray(0, chunkSize), pattern(chunkSize, 1), 'kept data');
      const fresh = await s.preparePartial('d/big', opts('id-2'));
      assert.equal(fresh.recorded.size, 0, 'a different identity starts afresh');
      const zeroed = await readAll(await s.openPartialRead('d/big'));
      assert.deepEqual([zeroed.length, zeroed.subarray(0, chunkSize).equals(Buffer.alloc(chunkSize))], [size, true]);
      assert.equal((await s.preparePartial('d/big', { ...opts('id-2'), chunkSize: chunkSize * 2 })).recorded.size, 0,
        'a different chunk size starts afresh');
    });
    it('two writers fill chunks at offsets; commit makes the final file with metadata and no temp names', async (h) => {
      const s = h.storage;
      await put(h, 'big', 'an older version');
      await s.preparePartial('big', opts('id'));
      const [a, b] = [await s.openPartialWrite('big', { size, sparse: false }), await s.openPartialWrite('big', { size, sparse: false })];
      const want = Buffer.concat([pattern(chunkSize, 1), pattern(chunkSize, 2), pattern(1000, 3)]);
      await Promise.all([
        b.write(want.subarray(chunkSize, 2 * chunkSize), chunkSize),
        a.write(want.subarray(2 * chunkSize), 2 * chunkSize),
        a.write(want.subarray(0, chunkSize), 0),
      ]);
      await Promise.all([a.close(), b.close()]);
      assert.equal(await text(h, 'big'), 'an older version', 'the final name waits for commit');
      assert.deepEqual(await readAll(await s.openPartialRead('big')), want);
      await s.commitPartial('big', meta(0o640, T1), KEEP_OWNER);
      assert.deepEqual(await h.fixture.read('big'), want);
      if (s.features.posixMeta) assert.equal((await lst(h, 'big')).mode, 0o640);
      assertMtime(s, (await lst(h, 'big')).mtimeNs, T1, 'big');
      assert.deepEqual(await names(h, ''), ['big']);
    });
    it('sparse chunk writes leave holes', async (h, t) => {
      if (!has(h, t, 'sparse')) return;
      const big = 8 * MIB;
      await h.storage.preparePartial('big', { size: big, sparse: true, identity: 'id', chunkSize: MIB });
      const w = await h.storage.openPartialWrite('big', { size: big, sparse: true });
      const chunk = Buffer.alloc(MIB);
      pattern(4096, 9).copy(chunk, 8192);
      for (let off = 0; off < big; off += MIB) await w.write(chunk, off);
      await w.close();
      await h.storage.commitPartial('big', meta(0o644, T1), KEEP_OWNER);
      const st = await lst(h, 'big');
      assert.equal(st.size, big);
      assert.ok(st.allocated < big / 16, `allocated ${st.allocated} of ${big}`);
    });
    it('abort removes the partial file and its record, never the final file', async (h) => {
      await put(h, 'big', 'keep');
      await h.storage.preparePartial('big', opts('id'));
      await writeChunk(h, 'big', { size, chunkSize }, 0, pattern(chunkSize, 1));
      await h.storage.abortPartial('big');
      assert.deepEqual(await names(h, ''), ['big']);
      assert.equal(await text(h, 'big'), 'keep');
      assert.equal((await h.storage.preparePartial('big', opts('id'))).recorded.size, 0);
    });
    it('sparse chunk writes still write zeros over bytes written earlier', async (h) => {
      await h.storage.preparePartial('big', { size: 8192, sparse: true, identity: 'id', chunkSize: 8192 });
      const w = await h.storage.openPartialWrite('big', { size: 8192, sparse: true });
      await w.write(Buffer.alloc(8192, 0xff), 0);
      await w.write(Buffer.alloc(8192), 0); // a chunk rewritten after a failed attempt
      await w.close();
      assert.equal(nonZero(await readAll(await h.storage.openPartialRead('big'))), 0, 'non-zero bytes read back');
    });
  });

  void describe('path safety', () => {
    it('refuses .., absolute paths, empty components and NUL in a parent with E_PATH_ESCAPE, writing nothing', async (h) => {
      await expectRefused(h, (probe, outside) => [`../${probe}`, `d/../../${probe}`, 'd/../f', `${outside}/${probe}`,
        `d//${probe}`, `//${probe}`, `d/\0x/${probe}`]);
    });
    // a backend that checks the parent, makes a temp name there, and only then checks the last name fails here
    it('refuses them in the last component (.., /, trailing slash, NUL) before touching anything', async (h) => {
      await expectRefused(h, (probe) => ['..', 'd/..', '/', `${probe}/`, `d/${probe}/`, 'd/', 'f/', `${probe}\0`, `d/\0${probe}`]);
    });
    it('refuses to write through a symlinked directory that leads out of the root', async (h, t) => {
      if (!has(h, t, 'symlinks')) return;
      // with no host outside the root, a link to an absolute path that is nowhere must be refused all the same
      const area = h.fixture.outside;
      const outside = area ? await area.makeDir('barge-conformance-outside-') : '/barge-conformance-outside';
      try {
        await h.fixture.symlink(outside, 'escape');
        await rejectsWith(() => h.storage.openWrite('escape/f', { size: 0, sparse: false }).then((w) => w.commit(meta(0o644, T1), KEEP_OWNER)),
          'E_PATH_ESCAPE', 'openWrite through a symlink');
        await rejectsWith(() => h.storage.mkdir('escape/d'), 'E_PATH_ESCAPE', 'mkdir through a symlink');
        if (area) assert.deepEqual(await area.list(outside), []);
      } finally {
        await area?.remove(outside);
      }
    });
    // issue 25: a directory the storage has used, then replaced by a symlink out of the root
    // (mv d d.moved; ln -s /outside d): a parent checked once and remembered would be followed
    it('refuses every operation below a directory swapped for a symlink after use, reading and writing nothing outside', async (h, t) => {
      if (!has(h, t, 'symlinks')) return;
      const area = h.fixture.outside;
      const outside = area ? await area.makeDir('barge-conformance-swap-') : '/barge-conformance-swap';
      try {
        await h.storage.mkdir('sw');
        const w = await h.storage.openWrite('sw/a', { size: 3, sparse: false });
        await w.write(Buffer.from('aaa'), 0);
        await w.commit(meta(0o644, T1), KEEP_OWNER, sent(h, 'aaa'));
        await h.storage.stat('sw/a');
        await h.storage.list('sw');
        await h.storage.remove('sw');
        await h.fixture.symlink(outside, 'sw');
        const buf = Buffer.alloc(4096);
        const ops: [string, () => Promise<unknown>][] = [
          ['openWrite', () => h.storage.openWrite('sw/f', { size: 1, sparse: false }).then(async (x) => { await x.write(Buffer.from('x'), 0); await x.commit(meta(0o644, T1), KEEP_OWNER, sent(h, 'x')); })],
          ['mkdir', () => h.storage.mkdir('sw/d')],
          ['symlink', () => h.storage.symlink('sw/l', 'target', meta(0o777, T1), KEEP_OWNER)],
          ['remove', () => h.storage.remove('sw/x')],
          ['setMeta', () => h.storage.setMeta('sw/x', 'file', meta(0o600, T1), KEEP_OWNER)],
          ['preparePartial', () => h.storage.preparePartial('sw/p', { size: 4, sparse: false, identity: 'i', chunkSize: 4 })],
          ['openRead', () => h.storage.openRead('sw/x')],
          ['stat', () => h.storage.stat('sw/x')],
          ['list', () => h.storage.list('sw')],
        ];
        if (h.storage.writeWhole) ops.push(['writeWhole', () => h.storage.writeWhole?.('sw/w', Buffer.from('x'), meta(0o644, T1), KEEP_OWNER, sent(h, 'x')) ?? Promise.resolve()]);
        if (h.storage.readWhole) ops.push(['readWhole', () => h.storage.readWhole?.('sw/x', buf) ?? Promise.resolve()]);
        if (h.storage.writeMany) ops.push(['writeMany', () => h.storage.writeMany?.('sw', [{ name: 'm', offset: 0, length: 1, meta: meta(0o644, T1), ...sentField(h, 'x') }], Buffer.from('x'), KEEP_OWNER) ?? Promise.resolve()]);
        if (h.storage.readMany) ops.push(['readMany', () => h.storage.readMany?.('sw', [{ name: 'x', size: 1 }], buf) ?? Promise.resolve()]);
        for (const [what, op] of ops) await rejectsWith(op, 'E_PATH_ESCAPE', `${what} below a swapped directory`);
        if (area) assert.deepEqual(await area.list(outside), []);
      } finally {
        await area?.remove(outside);
      }
    });
  });

  void describe('error classification', () => {
    it('names a missing file, directory or partial E_NOT_FOUND', async (h) => {
      const s = h.storage;
      await put(h, 'file', 'x');
      const m = meta(0o644, T1);
      await rejectsWith(() => s.openRead('missing'), 'E_NOT_FOUND', 'openRead');
      await rejectsWith(() => s.list('missing'), 'E_NOT_FOUND', 'list');
      await rejectsWith(() => s.openWrite('missing/f', { size: 1, sparse: false }), 'E_NOT_FOUND', 'openWrite');
      await rejectsWith(() => s.setMeta('missing', 'file', m, KEEP_OWNER), 'E_NOT_FOUND', 'setMeta');
      if (s.features.hardlinks) await rejectsWith(() => s.link('missing', 'new'), 'E_NOT_FOUND', 'link');
      if (s.features.symlinks) await rejectsWith(() => s.symlink('missing/l', 't', m, KEEP_OWNER), 'E_NOT_FOUND', 'symlink');
      await rejectsWith(() => s.openPartialWrite('file', { size: 1, sparse: false }).then((w) => w.close()), 'E_NOT_FOUND', 'openPartialWrite unprepared (at the open or its close)');
      await rejectsWith(() => s.openPartialRead('file'), 'E_NOT_FOUND', 'openPartialRead unprepared');
      await rejectsWith(() => s.commitPartial('file', m, KEEP_OWNER), 'E_NOT_FOUND', 'commitPartial unprepared');
      await rejectsWith(() => s.preparePartial('missing/big', { size: 1, sparse: false, identity: 'i', chunkSize: 1 }), 'E_NOT_FOUND', 'preparePartial');
      assert.deepEqual(await names(h, ''), ['file']);
    });
    // as rsync -a does for a user who is not root: a directory of the user's own that is
    // read-only (0555) is opened (u+wx) for each change and its mode put back at once
    it('makes changes inside a read-only directory of its own and puts the mode back', async (h, t) => {
      if (!has(h, t, 'posixMeta')) return;
      await h.fixture.mkdir('ro');
      await put(h, 'ro/old', 'old');
      await put(h, 'ro/swap', 'swap');
      await h.fixture.setMode('ro', 0o555);
      try {
        const w = await h.storage.openWrite('ro/f', { size: 1, sparse: false });
        await w.write(Buffer.from('x'), 0);
        await w.commit(meta(0o644, T1), KEEP_OWNER, sent(h, 'x'));
        const r = await h.storage.openWrite('ro/swap', { size: 3, sparse: false, replaces: true });
        await r.write(Buffer.from('new'), 0);
        await r.commit(meta(0o644, T1), KEEP_OWNER, sent(h, 'new'));
        await h.storage.mkdir('ro/d');
        assert.equal(await h.storage.remove('ro/old'), 1);
        assert.equal((await lst(h, 'ro')).mode, 0o555, 'the mode is put back');
        assert.deepEqual([await text(h, 'ro/f'), await text(h, 'ro/swap'), (await lst(h, 'ro/d')).type, await exists(h, 'ro/old')], ['x', 'new', 'dir', false]);
      } finally {
        await h.fixture.setMode('ro', 0o755);
      }
    }, { skip: IS_ROOT ? 'mode bits do not stop root' : false });
  });
}
