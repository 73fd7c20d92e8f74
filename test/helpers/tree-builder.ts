// Creates a tree's entries one by one and applies what must come last in the right order:
// owners, modes, exact times of files, then directory times deepest first.
import { execFileSync } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import {
  chmodSync, chownSync, closeSync, ftruncateSync, lchownSync, linkSync, mkdirSync, openSync, renameSync,
  symlinkSync, writeFileSync, writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimesNs } from './ns-time.js';

/** Deterministic, incompressible bytes: no accidental runs of zeros a copier could turn into holes. */
export function patternBytes(seed: string, n: number): Buffer {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  const c = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  return Buffer.concat([c.update(Buffer.alloc(n)), c.final()]);
}

/** Creates entries and remembers what to do last: times, then directory modes and times deepest first. */
export class TreeBuilder {
  private readonly times = new Map<string, bigint>();
  private readonly dirModes: Array<[string, number]> = [];
  private readonly owners: Array<[string, number, number, 'lchown' | 'chown']> = [];
  private readonly fileModes = new Map<string, number>();
  private readonly hardlinked = new Set<string>();
  private readonly renames: Array<{ dir: string; from: string; to: Buffer }> = [];
  private readonly isDir = new Set<string>(['']);
  private next = 0n;

  constructor(private readonly root: string) {}

  private abs(rel: string): string {
    return rel === '' ? this.root : join(this.root, rel);
  }

  /** Distinct times with nanoseconds for everything not given an explicit one. */
  private defaultTime(rel: string): void {
    this.next += 1n;
    this.times.set(rel, 1_500_000_000_000_000_000n + this.next * 1_000_003_007n);
  }

  file(rel: string, content: Buffer, mode: number): void {
    writeFileSync(this.abs(rel), content, { flag: 'wx' });
    this.fileModes.set(rel, mode);
    this.defaultTime(rel);
  }

  dir(rel: string, mode: number): void {
    mkdirSync(this.abs(rel));
    this.isDir.add(rel);
    this.dirModes.push([rel, mode]);
    this.defaultTime(rel);
  }

  symlink(rel: string, target: string): void {
    symlinkSync(target, this.abs(rel));
    this.defaultTime(rel);
  }

  symlinkBytes(rel: string, target: Buffer): void {
    symlinkSync(target, Buffer.from(this.abs(rel)));
    this.defaultTime(rel);
  }

  hardlink(existing: string, rel: string): void {
    linkSync(this.abs(existing), this.abs(rel));
    this.hardlinked.add(rel); // one inode, one time: the first name's
  }

  sparse(rel: string, size: number, data: Array<[number, number]>): void {
    const fd = openSync(this.abs(rel), 'wx', 0o644);
    try {
      ftruncateSync(fd, size);
      for (const [offset, length] of data) writeSync(fd, patternBytes(`${rel}@${offset}`, length), 0, length, offset);
    } finally {
      closeSync(fd);
    }
    this.fileModes.set(rel, 0o644);
    this.defaultTime(rel);
  }

  fifo(rel: string): void {
    execFileSync('mkfifo', ['-m', '0644', '--', this.abs(rel)]);
    this.defaultTime(rel);
  }

  /**
   * libuv unlinks a unix socket's path when the server closes, so a child node listens on a
   * temporary name (relative: socket paths are limited to 108 bytes) and renames it before closing.
   */
  socket(dirRel: string, name: string): void {
    const script = `const net = require('node:net'), fs = require('node:fs');
      const s = net.createServer();
      s.listen('.sock-tmp', () => { fs.renameSync('.sock-tmp', process.argv[1]); s.close(); });`;
    execFileSync(process.execPath, ['-e', script, name], { cwd: this.abs(dirRel), stdio: ['ignore', 'ignore', 'pipe'] });
    this.defaultTime(dirRel === '' ? name : `${dirRel}/${name}`);
  }

  charDevice(rel: string): void {
    execFileSync('mknod', ['-m', '0644', '--', this.abs(rel), 'c', '1', '3'], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.defaultTime(rel);
  }

  time(rel: string, ns: bigint): void {
    this.times.set(rel, ns);
  }

  owner(rel: string, uid: number, gid: number): void {
    this.owners.push([rel, uid, gid, this.isDir.has(rel) ? 'chown' : 'lchown']);
  }

  /** For names Node cannot pass to `touch`: made under a UTF-8 name, renamed once its time is set. */
  renameLater(dir: string, from: string, to: Buffer): void {
    this.renames.push({ dir, from, to });
  }

  finish(): void {
    for (const [rel, uid, gid, how] of this.owners) {
      if (how === 'chown') chownSync(this.abs(rel), uid, gid);
      else lchownSync(this.abs(rel), uid, gid);
    }
    // after chown, which clears setuid and setgid
    for (const [rel, mode] of this.fileModes) chmodSync(this.abs(rel), mode);
    for (const [rel, mode] of this.dirModes) chmodSync(this.abs(rel), mode);
    const nonDirs = [...this.times].filter(([rel]) => !this.isDir.has(rel) && !this.hardlinked.has(rel));
    setTimesNs(nonDirs.map(([rel, ns]) => [this.abs(rel), ns]));
    // a directory's time must be set after every change inside it: deepest first, the root last
    const depthOf = (rel: string): number => (rel === '' ? -1 : rel.split('/').length);
    const dirs = [...this.isDir].sort((x, y) => depthOf(y) - depthOf(x));
    if (!this.times.has('')) this.defaultTime('');
    let batch: Array<[string, bigint]> = [];
    for (const rel of dirs) {
      const pending = this.renames.filter((r) => r.dir === rel);
      if (pending.length > 0) {
        setTimesNs(batch);
        batch = [];
        for (const r of pending) renameSync(join(this.abs(rel), r.from), Buffer.concat([Buffer.from(`${this.abs(rel)}/`), r.to]));
      }
      batch.push([this.abs(rel), this.times.get(rel)!]);
    }
    setTimesNs(batch);
  }
}
