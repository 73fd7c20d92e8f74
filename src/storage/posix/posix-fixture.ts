// The conformance suite's fixture for posix storages: node:fs on the storage's root directory,
// with the root's parent as the place outside it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FixtureInfo, StorageFixture } from '../conformance/fixture.js';

function typeOf(st: fs.BigIntStats): FixtureInfo['type'] {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  return 'other';
}

export function posixFixture(root: string): StorageFixture {
  const at = (rel: string): string => (rel === '' ? root : `${root}/${rel}`);
  const outsideDir = path.dirname(root);
  return {
    put: (rel, data) => fs.promises.writeFile(at(rel), data),
    append: (rel, data) => fs.promises.appendFile(at(rel), data),
    mkdir: async (rel, opts = {}) => { await fs.promises.mkdir(at(rel), { recursive: opts.recursive ?? false }); },
    symlink: (target, rel) => fs.promises.symlink(target, at(rel)),
    link: (existing, rel) => fs.promises.link(at(existing), at(rel)),
    read: (rel) => fs.promises.readFile(at(rel)),
    async info(rel) {
      let st: fs.BigIntStats;
      try {
        st = await fs.promises.lstat(at(rel), { bigint: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
      const info: FixtureInfo = {
        type: typeOf(st), size: Number(st.size), mode: Number(st.mode) & 0o7777, mtimeNs: st.mtimeNs,
        uid: Number(st.uid), gid: Number(st.gid), ino: Number(st.ino), nlink: Number(st.nlink), allocated: Number(st.blocks) * 512,
      };
      if (info.type === 'symlink') info.linkTarget = await fs.promises.readlink(at(rel));
      return info;
    },
    list: (dir) => fs.promises.readdir(at(dir)),
    setMode: (rel, mode) => fs.promises.chmod(at(rel), mode),
    setOwner: (rel, uid, gid) => fs.promises.chown(at(rel), uid, gid),
    outside: {
      path: outsideDir,
      makeDir: (prefix) => fs.promises.mkdtemp(`${outsideDir}/${prefix}`),
      list: (absDir) => fs.promises.readdir(absDir),
      remove: (absPath) => fs.promises.rm(absPath, { recursive: true, force: true }),
    },
  };
}
