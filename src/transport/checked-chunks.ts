// What an agent's sessions share about partial large files: each file's chunk geometry,
// learnt at its prepare-partial, and the chunks whose bytes a session checked against the
// sender's hash since. A check vouches for the bytes at one place (a byte range of one
// file), not for a hash: equal chunks (zeros, a repeated block) are checked and recorded
// each on its own, and a chunk never written cannot be recorded however its bytes look.

/** one partial file as this agent prepared it, and its checked ranges not yet recorded */
interface PreparedFile {
  size: number;
  chunkSize: number;
  /** `start \0 end \0 hash`: the bytes [start, end) arrived in order and hash to `hash` */
  checks: Set<string>;
}

export class CheckedChunks {
  /** `root \0 path` -> the file, oldest prepared first */
  private readonly files = new Map<string, PreparedFile>();
  private checks = 0;

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
    this.forget(root, path);
    this.files.set(`${root}\0${path}`, { size, chunkSize, checks: new Set() });
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
    if (!file || file.chunkSize <= 0) return false;
    const start = index * file.chunkSize;
    if (!Number.isSafeInteger(start) || start >= file.size) return false;
    const end = Math.min(file.size, start + file.chunkSize);
    if (!file.checks.delete(`${start}\0${end}\0${hash}`)) return false;
    this.checks--;
    return true;
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
