// Where an agent writes the bytes it receives: on its event loop, right after the socket
// read, or on libuv's thread pool. On the event loop the bytes are still in this core's
// cache, and no pool threads contend in the kernel: on the 2-core benchmark machine a
// 4 GiB push from 4 streams into ext4 cost the agent 2.7-2.8 CPU s written there against
// 7.9-10.1 s on the pool (bench/results/2026-12-07-service-path-3.md). A write held back
// by writeback (tens of ms) only paces the connections, as a full pool would. But one that
// hangs on its disk (a network file system) would hold every connection and the agent's
// heartbeat: one that takes SLOW_MS or more sends the writes to the pool for BACKOFF_MS,
// then they are tried here again. (At 20 ms, ext4's writeback pauses tripped it on the
// benchmark machine, and the pool's contention came back.)
import { performance } from 'node:perf_hooks';

const SLOW_MS = 250;
const BACKOFF_MS = 10_000;

export class InlineWrites {
  private poolUntil = 0;

  constructor(private readonly now: () => number = () => performance.now(), private readonly slowMs = SLOW_MS, private readonly backoffMs = BACKOFF_MS) {}

  /** whether the next write may go on the event loop */
  get inline(): boolean {
    return this.now() >= this.poolUntil;
  }

  /** runs `write` here, timing it; a slow one sends the writes after it to the pool for a while */
  run<T>(write: () => T): T {
    const start = this.now();
    try {
      return write();
    } finally {
      if (this.now() - start >= this.slowMs) this.poolUntil = this.now() + this.backoffMs;
    }
  }
}
