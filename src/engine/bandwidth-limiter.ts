// One byte budget shared by all worker threads (--bwlimit): a virtual clock in shared
// memory. Each caller reserves the time its bytes take at the set rate and sleeps until
// its slot begins, so the whole run never exceeds the rate, however many threads write.
// The sleep is an Atomics.wait on the run's abort cell: an interrupt (raiseAbort) wakes
// every sleeper at once, however long its slot is away (at 1 KiB/s a 256 KiB buffer
// waits over four minutes).

const SLOT = 0;
const BURST_NS = 50_000_000n; // up to 50 ms of credit after an idle spell

export class BandwidthLimiter {
  private readonly clock: BigInt64Array;

  /** abort: the run's Int32 abort cell (index abortIndex), 0 while the run goes on */
  constructor(private readonly bytesPerSecond: number, shared: SharedArrayBuffer, private readonly abort: Int32Array, private readonly abortIndex = 0) {
    this.clock = new BigInt64Array(shared, 0, 1);
  }

  static sharedMemory(): SharedArrayBuffer {
    return new SharedArrayBuffer(8);
  }

  /** blocks the calling thread until `bytes` may be sent; false when the run was aborted meanwhile */
  acquire(bytes: number): boolean {
    const cost = BigInt(Math.ceil((bytes * 1e9) / this.bytesPerSecond));
    const now = process.hrtime.bigint();
    let start: bigint;
    for (;;) {
      const prev = Atomics.load(this.clock, SLOT);
      start = prev < now - BURST_NS ? now - BURST_NS : prev;
      if (Atomics.compareExchange(this.clock, SLOT, prev, start + cost) === prev) break;
    }
    const waitMs = Number(start - now) / 1e6;
    // returns at once ('not-equal') when the abort cell is already set
    if (waitMs > 1) Atomics.wait(this.abort, this.abortIndex, 0, waitMs);
    return Atomics.load(this.abort, this.abortIndex) === 0;
  }
}
