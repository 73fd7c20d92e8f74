// The detached writes of one write handle, one at a time: slices that arrive while a
// write is on the thread pool wait and then go together, as one pwritev. Writes of one
// file in parallel only queue on its inode lock (the pool's threads spun there, measured
// with perf), and fewer, larger system calls cost less.

type Write = (parts: readonly Buffer[], position: number) => Promise<void>;

interface Waiting {
  bytes: Buffer;
  at: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** at most this many bytes, or parts, in one system call */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;
const MAX_BATCH_PARTS = 256;

export class SerialWrites {
  private readonly waiting: Waiting[] = [];
  private busy = false;

  constructor(private readonly write: Write) {}

  /** nothing written or waiting: a write elsewhere cannot overtake one of these */
  get idle(): boolean {
    return !this.busy && this.waiting.length === 0;
  }

  /** writes `bytes` at `at`; settles when they are written (they must stay as they are until then) */
  add(bytes: Buffer, at: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ bytes, at, resolve, reject });
      if (!this.busy) this.next();
    });
  }

  private next(): void {
    const first = this.waiting.shift();
    if (!first) { this.busy = false; return; }
    this.busy = true;
    // the run of contiguous slices at the head of the queue
    const batch = [first];
    let end = first.at + first.bytes.length;
    let bytes = first.bytes.length;
    for (let w = this.waiting[0]; w && w.at === end && batch.length < MAX_BATCH_PARTS && bytes + w.bytes.length <= MAX_BATCH_BYTES; w = this.waiting[0]) {
      batch.push(w);
      this.waiting.shift();
      end += w.bytes.length;
      bytes += w.bytes.length;
    }
    this.write(batch.map((w) => w.bytes), first.at).then(
      () => { for (const w of batch) w.resolve(); this.next(); },
      (e: unknown) => { for (const w of batch) w.reject(e); this.next(); },
    );
  }
}
