// Weighted fair share of lease slots between active requests (stride scheduling): each
// request has a pass that grows by 1/weight for every task it is given, and the next slot
// goes to the lowest pass. Over time a request of priority 8 gets twice the tasks of one of
// priority 4 while both have work, and none starves, unlike strict priority.
//
// A request first seen (or seen again after a while away) starts at the lowest pass of the
// requests seen with it, so it neither catches up on a past it did not compete in nor waits
// behind one. Ties go to the higher weight, then to the order given (the oldest first).
// Only a hint kept per coordinator: several coordinators each share fairly among the tasks
// they hand out.

export interface ShareCandidate {
  id: string;
  /** a request's priority, 1-10: its share is in proportion */
  weight: number;
}

/** how many passes are remembered: a bound, not a policy (a forgotten request starts afresh) */
const MAX_REMEMBERED = 10_000;

export class FairShare {
  private readonly pass = new Map<string, number>();

  /** the slots for each candidate, in the candidates' order; all slots are given when any candidate exists */
  allocate(candidates: readonly ShareCandidate[], slots: number): number[] {
    const out = candidates.map(() => 0);
    if (candidates.length === 0 || slots <= 0) return out;
    const floor = Math.min(...candidates.map((c) => this.pass.get(c.id) ?? Infinity));
    const start = Number.isFinite(floor) ? floor : 0;
    const pass = candidates.map((c) => Math.max(this.pass.get(c.id) ?? start, start));
    for (let s = 0; s < slots; s++) {
      let best = 0;
      for (let i = 1; i < candidates.length; i++) {
        const a = pass[i] ?? 0;
        const b = pass[best] ?? 0;
        if (a < b || (a === b && (candidates[i]?.weight ?? 0) > (candidates[best]?.weight ?? 0))) best = i;
      }
      out[best] = (out[best] ?? 0) + 1;
      pass[best] = (pass[best] ?? 0) + 1 / weightOf(candidates[best]);
    }
    return out;
  }

  /**
   * What a lease did with an allocation: `taken[i]` tasks went to candidates[i]. A request
   * that could not use all its slots has no more queued work for now: it banks no credit
   * for the time it had none, and starts level with the requests that were served.
   */
  record(candidates: readonly ShareCandidate[], allocated: readonly number[], taken: readonly number[]): void {
    const before = candidates.map((c) => this.pass.get(c.id));
    const known = before.filter((p): p is number => p !== undefined);
    const floor = known.length > 0 ? Math.min(...known) : 0;
    const after = candidates.map((c, i) => Math.max(before[i] ?? floor, floor) + (taken[i] ?? 0) / weightOf(c));
    const served = after.filter((_, i) => (taken[i] ?? 0) > 0);
    const level = served.length > 0 ? Math.min(...served) : undefined;
    if (this.pass.size + candidates.length > MAX_REMEMBERED) this.pass.clear();
    candidates.forEach((c, i) => {
      const idle = (taken[i] ?? 0) < (allocated[i] ?? 0);
      this.pass.set(c.id, idle && level !== undefined ? Math.max(after[i] ?? 0, level) : after[i] ?? 0);
    });
  }

  /** a request ended: its pass is of no more use */
  forget(id: string): void {
    this.pass.delete(id);
  }

  /** forgets every request but these (the ones that may still be given slots) */
  retain(ids: ReadonlySet<string>): void {
    for (const id of [...this.pass.keys()]) if (!ids.has(id)) this.pass.delete(id);
  }
}

function weightOf(c: ShareCandidate | undefined): number {
  return Math.max(1, c?.weight ?? 1);
}
