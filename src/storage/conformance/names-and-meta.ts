// Conformance: making directories and links, removing entries, and setting metadata.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { isBargeError } from '../../core/errors.js';
import { assertMtime, exists, has, type It, KEEP_OWNER, lst, meta, names, OTHER_GID, OTHER_UID, PRE_EPOCH, put, rejectsWith, T1, T2, tempNames, text } from './helpers.js';

export function nameAndMetaTests(it: It): void {
  void describe('mkdir, symlink, link', () => {
    it('mkdir makes a directory and refuses one in the way', async (h) => {
      await h.storage.mkdir('d');
      await h.storage.mkdir('d/e f');
      assert.equal((await lst(h, 'd/e f')).type, 'dir');
      await rejectsWith(() => h.storage.mkdir('d'), 'E_EXISTS', 'mkdir over a directory');
      await rejectsWith(() => h.storage.mkdir('missing/d'), 'E_NOT_FOUND', 'mkdir below a missing directory');
    });
    it('symlink creates a link with its ns mtime, and replaces a file atomically', async (h, t) => {
      if (!has(h, t, 'symlinks')) return;
      const s = h.storage;
      await s.symlink('l', '../anything/at all', meta(0o777, T1), KEEP_OWNER);
      assert.equal((await lst(h, 'l')).linkTarget, '../anything/at all');
      assertMtime(s, (await lst(h, 'l')).mtimeNs, T1, 'l');
      await put(h, 'f', 'file in the way');
      await s.symlink('f', 'target', meta(0o777, T2), KEEP_OWNER);
      assert.equal((await lst(h, 'f')).type, 'symlink');
      assert.equal((await lst(h, 'f')).linkTarget, 'target');
      assertMtime(s, (await lst(h, 'f')).mtimeNs, T2, 'f');
      assert.deepEqual((await names(h, '')).sort(), ['f', 'l']);
    });
    it('symlink never follows a link in the way (to a file or a directory)', async (h, t) => {
      if (!has(h, t, 'symlinks')) return;
      await h.fixture.mkdir('dir');
      await put(h, 'file', 'keep');
      await h.storage.setMeta('file', 'file', meta(0o600, T1), KEEP_OWNER);
      await h.fixture.symlink('dir', 'to-dir');
      await h.fixture.symlink('file', 'to-file');
      await h.storage.symlink('to-dir', 'elsewhere', meta(0o777, T2), KEEP_OWNER);
      await h.storage.symlink('to-file', 'elsewhere', meta(0o777, T2), KEEP_OWNER);
      assert.equal((await lst(h, 'to-dir')).linkTarget, 'elsewhere');
      assert.equal((await lst(h, 'to-file')).linkTarget, 'elsewhere');
      assert.deepEqual(await names(h, 'dir'), []);
      assert.equal(await text(h, 'file'), 'keep');
      assert.equal((await lst(h, 'file')).mtimeNs, T1);
      assert.deepEqual((await names(h, '')).sort(), ['dir', 'file', 'to-dir', 'to-file']);
    });
    it('symlink sets owner and group when features.owner', async (h, t) => {
      if (!has(h, t, 'symlinks', 'owner')) return;
      await h.storage.symlink('l', 't', meta(0o777, T1), { owner: true });
      assert.deepEqual([(await lst(h, 'l')).uid, (await lst(h, 'l')).gid], [OTHER_UID, OTHER_GID]);
    });
    it('link makes a hard link to the same inode, replacing what is in the way', async (h, t) => {
      if (!has(h, t, 'hardlinks')) return;
      await h.fixture.mkdir('d');
      await put(h, 'a', 'content');
      await put(h, 'd/b', 'in the way');
      await h.storage.link('a', 'd/b');
      await h.storage.link('a', 'c');
      assert.equal((await lst(h, 'd/b')).ino, (await lst(h, 'a')).ino);
      assert.equal((await lst(h, 'c')).ino, (await lst(h, 'a')).ino);
      assert.equal((await lst(h, 'a')).nlink, 3);
      assert.deepEqual([await tempNames(h, ''), await tempNames(h, 'd')], [[], []]);
    });
    it('link to a name that already is that file leaves no temporary name behind', async (h, t) => {
      if (!has(h, t, 'hardlinks')) return;
      await put(h, 'a', 'content');
      await h.fixture.link('a', 'b');
      await h.storage.link('a', 'b'); // a re-run over an already linked destination
      assert.equal((await lst(h, 'b')).ino, (await lst(h, 'a')).ino);
      assert.deepEqual((await names(h, '')).sort(), ['a', 'b']);
      assert.equal((await lst(h, 'a')).nlink, 2);
    });
  });

  void describe('remove, removeEmptyDir', () => {
    it('remove takes a file, and a symlink without touching its target', async (h, t) => {
      if (!has(h, t, 'symlinks')) return;
      await put(h, 'f', 'x');
      await put(h, 'target', 'keep');
      await h.fixture.symlink('target', 'l');
      assert.equal(await h.storage.remove('f'), 1);
      assert.equal(await h.storage.remove('l'), 1);
      assert.deepEqual(await names(h, ''), ['target']);
      assert.equal(await text(h, 'target'), 'keep');
    });
    it('remove takes a whole tree, counts what it removed, and never follows links out of it', async (h, t) => {
      if (!has(h, t, 'symlinks')) return;
      await h.fixture.mkdir('keep');
      await put(h, 'keep/k', 'keep');
      await h.fixture.mkdir('tree/sub/deeper', { recursive: true });
      await put(h, 'tree/a', 'a');
      await put(h, 'tree/sub/b', 'b');
      await h.fixture.symlink('../../keep', 'tree/sub/to-keep');
      assert.equal(await h.storage.remove('tree'), 6);
      assert.deepEqual(await names(h, ''), ['keep']);
      assert.deepEqual(await names(h, 'keep'), ['k']);
    });
    it('remove refuses the root and a missing name', async (h) => {
      await put(h, 'f', 'x');
      await assert.rejects(() => h.storage.remove(''), (e: unknown) => isBargeError(e));
      assert.deepEqual(await names(h, ''), ['f']);
      await rejectsWith(() => h.storage.remove('missing'), 'E_NOT_FOUND', 'remove missing');
    });
    it('removeEmptyDir removes an empty directory and refuses a non-empty one with E_EXISTS', async (h) => {
      await h.fixture.mkdir('empty');
      await h.fixture.mkdir('full');
      await put(h, 'full/f', 'x');
      await h.storage.removeEmptyDir('empty');
      assert.equal(await exists(h, 'empty'), false);
      await rejectsWith(() => h.storage.removeEmptyDir('full'), 'E_EXISTS', 'removeEmptyDir non-empty');
      assert.equal(await exists(h, 'full/f'), true);
      await rejectsWith(() => h.storage.removeEmptyDir('empty'), 'E_NOT_FOUND', 'removeEmptyDir missing');
    });
  });

  void describe('setMeta', () => {
    it('sets mode and ns mtime on a file and a directory', async (h) => {
      const posix = h.storage.features.posixMeta;
      await put(h, 'f', 'x');
      await h.fixture.mkdir('d');
      await h.storage.setMeta('f', 'file', meta(0o604, T1), KEEP_OWNER);
      await h.storage.setMeta('d', 'dir', meta(0o751, PRE_EPOCH), KEEP_OWNER);
      if (posix) assert.equal((await lst(h, 'f')).mode, 0o604);
      assertMtime(h.storage, (await lst(h, 'f')).mtimeNs, T1, 'f');
      if (posix) assert.equal((await lst(h, 'd')).mode, 0o751);
      assertMtime(h.storage, (await lst(h, 'd')).mtimeNs, PRE_EPOCH, 'd');
    });
    it('sets a symlink\'s mtime without following it, and never applies its mode', async (h, t) => {
      if (!has(h, t, 'symlinks')) return;
      const posix = h.storage.features.posixMeta;
      await put(h, 'target', 'x');
      if (posix) await h.fixture.setMode('target', 0o644);
      await h.storage.setMeta('target', 'file', meta(0o644, T1), KEEP_OWNER);
      await h.fixture.symlink('target', 'l');
      await h.storage.setMeta('l', 'symlink', meta(0o600, T2), KEEP_OWNER);
      assertMtime(h.storage, (await lst(h, 'l')).mtimeNs, T2, 'l');
      if (posix) assert.equal((await lst(h, 'target')).mode, 0o644, 'the target keeps its mode');
      assert.equal((await lst(h, 'target')).mtimeNs, T1, 'the target keeps its mtime');
    });
    it('sets owner and group on a file, a directory and a symlink when features.owner', async (h, t) => {
      if (!has(h, t, 'symlinks', 'owner')) return;
      await put(h, 'f', 'x');
      await h.fixture.mkdir('d');
      await h.fixture.symlink('f', 'l');
      await h.storage.setMeta('f', 'file', meta(0o644, T1), { owner: true });
      await h.storage.setMeta('d', 'dir', meta(0o755, T1), { owner: true });
      await h.storage.setMeta('l', 'symlink', meta(0o777, T1), { owner: true });
      for (const n of ['f', 'd', 'l']) assert.deepEqual([(await lst(h, n)).uid, (await lst(h, n)).gid], [OTHER_UID, OTHER_GID], n);
    });
  });
}
