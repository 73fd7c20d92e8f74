// Whether new files under a directory are best created by one thread at a time.
//
// ext4 without a journal will not reuse an inode deleted in the last minute, and it
// finds that out for each new file by scanning past every such inode of the group, one
// buffer lookup each (fs/ext4/ialloc.c, recently_deleted). Threads creating files at
// once in a group full of them slow each other down: 20,000 small files into a tree
// removed seconds before took 1.22-1.54 s with two creating threads and 1.05-1.25 s with
// one at a time (the others reading and hashing meanwhile). Into a fresh place, into
// ext4 with a journal or tmpfs, two creating threads were as fast or faster, and on
// network file systems creation is latency-bound and wants every thread: so only there.
import * as fs from 'node:fs';

const EXT4_SUPER_MAGIC = 0xef53;

/** the block device's sysfs name of a Linux dev_t, e.g. "vda" */
function blockDeviceName(dev: number): string | undefined {
  const major = Math.floor(dev / 256) & 0xfff;
  const minor = (dev & 0xff) | (Math.floor(dev / 4096) & ~0xff & 0xfffff);
  try {
    return fs.realpathSync(`/sys/dev/block/${major}:${minor}`).split('/').pop();
  } catch {
    return undefined;
  }
}

export function createsOneAtATime(dir: string): boolean {
  try {
    if (fs.statfsSync(dir).type !== EXT4_SUPER_MAGIC) return false;
    const name = blockDeviceName(fs.statSync(dir).dev);
    // journal_task names the journal thread, or says <none>
    return name !== undefined && fs.readFileSync(`/sys/fs/ext4/${name}/journal_task`, 'utf8').trim() === '<none>';
  } catch {
    return false; // not Linux, or not told: create as usual
  }
}
