// A group of sibling directories' scans (a service's ScanGroupTask): run one after another
// in this thread, each result kept whole for the coordinator, which handles each as the
// scan of its own task; the totals above them are what the agent's own figures count.
import { addCounters, emptyCounters } from '../core/counters.js';
import type { ScanGroupTask, TaskResult } from '../core/task-types.js';
import type { RunContext } from './run-context.js';
import { runScan } from './scan-task.js';

export async function runScanGroup(ctx: RunContext, t: ScanGroupTask): Promise<TaskResult> {
  const scans: TaskResult[] = [];
  const counters = emptyCounters();
  for (const d of t.dirs) {
    const r = await runScan(ctx, d);
    scans.push(r);
    addCounters(counters, r.counters);
  }
  return { counters, errors: scans.flatMap((r) => r.errors), events: [], scans };
}
