// One byte budget shared by all worker threads (--bwlimit): a virtual clock in shared
// memory. Each caller reserves the time its bytes take at the set rate and sleeps until
// its slot begins, so the whole run never exceeds the rate, however many threads write.

const SLOT = 0;
const BURST_NS = 50_000_000n; // up to 50 ms of credit after an idle spell

export class BandwidthLimiter {
  private readonly clock: BigInt64Array;
  private readonly sleeper: Int32Array;

  constructor(private readonly bytesPerSecond: number, shared: SharedArrayBuffer) {
    this.clock = new BigInt64Array(shared, 0, 1);
    this.sleeper = new Int32Array(new SharedArrayBuffer(4));
  }

  static sharedMemory(): SharedArrayBuffer {
    return new SharedArrayBuffer(8);
  }

  /** blocks the calling thread until `bytes` may be sent */
  acquire(bytes: number): void {
    const cost = BigInt(Math.ceil((bytes * 1e9) / this.bytesPerSecond));
    const now = process.hrtime.bigint();
    let start: bigint;
    for (;;) {
      const prev = Atomics.load(this.clock, SLOT);
      start = prev < now - BURST_NS ? now - BURST_NS : prev;
      if (Atomics.compareExchange(this.clock, SLOT, prev, start + cost) === prev) break;
    }
    const waitMs = Number(start - now) / 1e6;
    if (waitMs > 1) Atomics.wait(this.sleeper, 0, 0, waitMs);
  }
}
