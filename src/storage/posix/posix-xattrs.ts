// Reading and writing the xattrs a run carries (-A / -X) on posix storage, through the
// addon (xattrs.c). A target is a descriptor, or a path with `follow` saying whether a
// final symlink is followed (true only for a /proc/self/fd path of a held descriptor).
// Linux refuses user.* xattrs on symlinks (EPERM): a source symlink never has one.
import { carriedSet, type XattrKinds, type XattrSet, xattrChanges } from '../../core/xattrs.js';
import type { FsPath } from './fs-path.js';
import { native } from './native.js';

export function readXattrs(target: number | FsPath, follow: boolean, kinds: XattrKinds): XattrSet {
  return carriedSet(native.getXattrs(target, follow), kinds);
}

/**
 * Make the target's carried xattrs `want`'s: set what differs, remove the names of the
 * carried kinds it does not have, leave every other name. An access ACL written sets the
 * group bits of the mode to its mask: the caller chmods afterwards (which sets the mask
 * back to the same bits, for a source whose ACL and mode agree, as the kernel keeps them).
 */
export function applyXattrs(target: number | FsPath, follow: boolean, want: XattrSet): void {
  const { set, remove } = xattrChanges(native.getXattrs(target, follow), want);
  for (const name of remove) native.removeXattr(target, follow, name);
  for (const [name, value] of set) native.setXattr(target, follow, name, Buffer.from(value.buffer, value.byteOffset, value.byteLength));
}
