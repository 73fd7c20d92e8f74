// What an agent's sessions share about partial large files: each file's chunk geometry,
// learnt at its prepare-partial, and the chunks whose bytes a session checked against the
// sender's hash since. A check vouches for the bytes at one place (a byte range of one
// file), not for a hash: equal chunks (zeros, a repeated block) are checked and recorded
// each on its own, and a chunk never written cannot be recorded however its bytes look.

/** checks dropped by a prepare that are remembered, at most (a record of one comes within seconds) */
const MAX_SUPERSEDED = 10_000;

/** one partial file as this agent prepared it, and its checked ranges not yet recorded */
interface PreparedFile {
  size: number;
  /** 0: not known yet (another agent of the same file system prepared the file) */
  chunkSize: number;
  /** `start \0 end \0 hash`: the bytes [start, end) arrived in order and hash to `hash` */
  checks: Set<string>;
}

export class CheckedChunks {
  /** `root \0 path` -> the file, oldest prepared first */
  private readonly files = new Map<string, PreparedFile>();
  private checks = 0;
  /** `root \0 path \0 hash` of checks a later prepare dropped (see superseded), oldest first */
  private readonly dropped = new Set<string>();

  /**
   * @param max checks kept at most, over all files; the oldest go first
   * @param maxFiles prepared files remembered at most; the oldest go first
   */
  constructor(private readonly max = 100_000, private readonly maxFiles = 10_000) {}

  /**
   * prepare-partial of a file: its chunk i is [i * chunkSize, min(size, (i + 1) * chunkSize)).
   * Checks made before are dropped: the partial file may have started afresh.
   */
  prepared(root: string, path: string, size: number, chunkSize: number): void {
    this.supersede(`${root}\0${path}`);
    this.forget(root, path);
    this.files.set(`${root}\0${path}`, { size, chunkSize, checks: new Set() });
    if (this.files.size > this.maxFiles) this.drop(this.files.keys().next().value as string);
  }

  /**
   * open-partial-write of a file this agent may not have prepared: under a coordinator the
   * chunks of one file are pushed to every agent of the destination's site, and only one of
   * them ran its prepare. Its size is known from the writer; its chunk size is learnt from
   * the first chunk recorded (see take).
   */
  opened(root: string, path: string, size: number): void {
    const k = `${root}\0${path}`;
    if (this.files.has(k)) return;
    this.files.set(k, { size, chunkSize: 0, checks: new Set() });
    if (this.files.size > this.maxFiles) this.drop(this.files.keys().next().value as string);
  }

  /** the bytes [start, end) of a partial file arrived in order and hash to `hash`; of a file not prepared here, nothing is kept */
  add(root: string, path: string, start: number, end: number, hash: string): void {
    const file = this.files.get(`${root}\0${path}`);
    if (!file || end <= start) return;
    const k = `${start}\0${end}\0${hash}`;
    if (file.checks.delete(k)) this.checks--;
    file.checks.add(k);
    this.checks++;
    while (this.checks > this.max) this.dropOldest();
  }

  /**
   * Chunk `index` of a prepared file may be recorded as `hash`: its whole range was checked
   * to hash so, and not recorded since. The check is used up.
   */
  take(root: string, path: string, index: number, hash: string): boolean {
    const file = this.files.get(`${root}\0${path}`);
    if (!file) return false;
    if (file.chunkSize <= 0) return this.takeLearning(file, index, hash);
    const start = index * file.chunkSize;
    if (!Number.isSafeInteger(start) || start >= file.size) return false;
    const end = Math.min(file.size, start + file.chunkSize);
    if (!file.checks.delete(`${start}\0${end}\0${hash}`)) return false;
    this.checks--;
    return true;
  }

  /**
   * take() of a file whose chunk size this agent has not seen: a check is chunk `index` when
   * its range is one chunk of some size c: [index * c, min(size, (index + 1) * c)). The first
   * such chunk fixes c for the file, and every later one must agree with it.
   */
  private takeLearning(file: PreparedFile, index: number, hash: string): boolean {
    for (const k of file.checks) {
      const [s, e, h] = k.split('\0');
      if (h !== hash) continue;
      const start = Number(s);
      const end = Number(e);
      // chunk 0 that is the whole file says nothing of the chunk size
      const c = index === 0 ? (end < file.size ? end : 0) : start / index;
      if (index > 0 && (!Number.isSafeInteger(c) || c <= 0 || end !== Math.min(file.size, start + c))) continue;
      if (index === 0 && start !== 0) continue;
      file.checks.delete(k);
      this.checks--;
      if (c > 0) file.chunkSize = c;
      return true;
    }
    return false;
  }

  /**
   * The chunk's check was dropped by a later prepare of its file (another run took the
   * partial over) rather than never made: its record is refused as a takeover. Asked once.
   */
  superseded(root: string, path: string, hash: string): boolean {
    return this.dropped.delete(`${root}\0${path}\0${hash}`);
  }

  /** a prepare drops the file's checks: each is remembered, a while, as superseded */
  private supersede(k: string): void {
    const file = this.files.get(k);
    if (!file) return;
    for (const c of file.checks) {
      this.dropped.add(`${k}\0${c.split('\0')[2] ?? ''}`);
      if (this.dropped.size > MAX_SUPERSEDED) this.dropped.delete(this.dropped.values().next().value as string);
    }
  }

  /** the partial file is committed or removed: nothing more of it can be recorded */
  forget(root: string, path: string): void {
    this.drop(`${root}\0${path}`);
  }

  private drop(k: string): void {
    const file = this.files.get(k);
    if (!file) return;
    this.checks -= file.checks.size;
    this.files.delete(k);
  }

  private dropOldest(): void {
    for (const file of this.files.values()) {
      const oldest = file.checks.values().next();
      if (oldest.done !== true) {
        file.checks.delete(oldest.value);
        this.checks--;
        return;
      }
    }
  }
}
