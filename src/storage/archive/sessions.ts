// A count of sessions at once (an archive's drives): callers wait their turn in order.
export class Sessions {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await fn();
    } finally {
      // the slot passes straight to the next in line, so no newcomer can take it meanwhile
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
