// The buffers one connection reads into, reused. Node allocates a fresh 64 KiB buffer
// for every socket read: at gigabytes a second that is tens of thousands of allocations,
// each of fresh pages the kernel must fault in and zero, then collect. A connection that
// reads into its own buffers instead (net.Socket's `onread`) reads up to a buffer's size
// at once and touches the same memory again. A buffer goes back to the pool only once
// nothing holds a slice of it: storage writes on the thread pool may still be copying
// from it after the read that filled it has been handled.

export interface ReadBuffer {
  readonly bytes: Buffer;
  /** holders: the read being handled, and every storage write of a slice not yet settled */
  refs: number;
}

export class ReadBuffers {
  private readonly free: ReadBuffer[] = [];
  private current: ReadBuffer | undefined;

  /**
   * @param size bytes per buffer: the most one read takes
   * @param keep buffers kept for reuse once released (more are made when all are held, then dropped)
   */
  constructor(private readonly size: number, private readonly keep: number) {}

  /** the buffer for the next read (onread's `buffer` function): the read holds it until `handled` */
  next(): Buffer {
    const b = this.free.pop() ?? this.make();
    b.refs = 1;
    this.current = b;
    return b.bytes;
  }

  private make(): ReadBuffer {
    // allocUnsafeSlow: memory of its own, never a slice of Node's shared pool
    return { bytes: Buffer.allocUnsafeSlow(this.size), refs: 0 };
  }

  /** the buffer the last read filled: hold it for a write that copies from it later */
  holdCurrent(): ReadBuffer | undefined {
    const b = this.current;
    if (b) b.refs++;
    return b;
  }

  /** the read that filled the current buffer has been handled */
  handled(): void {
    const b = this.current;
    this.current = undefined;
    if (b) this.release(b);
  }

  release(b: ReadBuffer): void {
    b.refs--;
    if (b.refs === 0 && this.free.length < this.keep) this.free.push(b);
  }
}
