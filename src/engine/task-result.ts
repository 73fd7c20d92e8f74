// Building a TaskResult: counters, per-file errors and action lines.
import type { Counters } from '../core/counters.js';
import { toErrorRecord } from '../core/errors.js';
import { landedEvent, type ActionEvent, type FileItem, type Task, type TaskResult } from '../core/task-types.js';

export class ResultBuilder {
  readonly result: TaskResult = { counters: {}, errors: [], events: [] };

  constructor(private readonly verbose: boolean) {}

  count(k: keyof Counters, n = 1): void {
    this.result.counters[k] = (this.result.counters[k] ?? 0) + n;
  }

  event(verb: ActionEvent['verb'], rel: string, detail?: string): void {
    if (this.verbose) this.result.events.push(detail === undefined ? { verb, rel } : { verb, rel, detail });
  }

  /** the action line of a file that landed: new, update, or replace (what was there -> file) */
  landed(f: FileItem): void {
    const e = landedEvent(f);
    this.event(e.verb, e.rel, e.detail);
  }

  /** another task's outcome, run as part of this one */
  merge(other: TaskResult): void {
    for (const k of Object.keys(other.counters) as (keyof Counters)[]) this.count(k, other.counters[k] ?? 0);
    this.result.errors.push(...other.errors);
    this.result.events.push(...other.events);
    if (other.hashes) (this.result.hashes ??= []).push(...other.hashes);
    if (other.noSpace) this.result.noSpace = true;
  }

  fail(e: unknown, rel: string): void {
    const rec = toErrorRecord(e, rel);
    if (rec.code === 'E_NO_SPACE') this.result.noSpace = true;
    if (rec.code === 'E_INTERRUPTED') return; // not a failure of the file; the run reports the interruption
    this.result.errors.push(rec);
    this.count('failed');
  }
}

/**
 * The bytes a finished task copied. A chunk task does not put its bytes in its own
 * counters: whoever takes its result adds its length when the chunk was written afresh
 * (not resumed), as barge sync's run does in onChunk; this is that rule for the
 * coordinator and an agent's metrics.
 */
export function bytesCopiedBy(task: Task, r: TaskResult): number {
  const own = r.counters.bytesCopied ?? 0;
  if (task.kind !== 'chunk' || r.chunkHash === undefined || (r.counters.bytesResumed ?? 0) > 0) return own;
  return own + task.length;
}
