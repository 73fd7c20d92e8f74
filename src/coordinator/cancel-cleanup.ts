// What a cancel leaves to clean: the partial files of the request's large files that did not
// land. Each prepared file's chunk tasks carry the owner token its prepare got; the cleanup
// tasks (PHASE_CLEANUP, which only a canceled request reaches) remove each partial while
// its journal still names that token, so a partial a later run took over is never touched,
// and one whose file landed (no journal left) neither. With keepPartial nothing is
// enqueued: the partials stay for a retry to resume.
import type { RequestSpec } from '../core/request-types.js';
import { parseWithBigints } from '../core/json-bigint.js';
import type { AbortPartialsTask } from '../core/task-types.js';
import type { NewTask, StateStore } from '../state/state-store.js';
import { PHASE_CLEANUP } from './phases.js';
import { decodeTask, encodeTask } from './service-task.js';

/** partials per cleanup task: each is two unlinks and a read of a journal's first lines */
const CLEANUP_BATCH = 256;

type Partial = AbortPartialsTask['partials'][number];

function cleanupTasks(partials: readonly Partial[]): NewTask[] {
  const out: NewTask[] = [];
  for (let i = 0; i < partials.length; i += CLEANUP_BATCH) {
    out.push(encodeTask({ kind: 'abort', partials: partials.slice(i, i + CLEANUP_BATCH) }, PHASE_CLEANUP));
  }
  return out;
}

/** the cancel's keepPartial, else the request's own (submitted with it), else false */
export function keepsPartials(spec: string, asked: boolean | undefined): boolean {
  return asked ?? parseWithBigints<RequestSpec>(spec).keepPartial ?? false;
}

/**
 * Inside the cancel's transaction, once the request is canceled and its tasks dropped and
 * its partials are not to be kept: the request moves to PHASE_CLEANUP (which says so to a
 * late prepare's report) with a cleanup task per batch of its prepared large files.
 */
export async function enqueueCleanup(s: StateStore, requestId: string, now: number): Promise<number> {
  const partials: Partial[] = [];
  for (const payload of await s.groupHeads(requestId, 'chunk')) {
    const t = decodeTask(payload);
    // without an owner (an agent older than owner tokens) a partial cannot be told apart from a later run's
    if (t.kind === 'chunk' && t.owner !== undefined) partials.push({ rel: t.file.rel, owner: t.owner });
  }
  await s.setRequestState(requestId, ['canceled'], 'canceled', now, { phase: PHASE_CLEANUP });
  if (partials.length > 0) await s.enqueue(requestId, cleanupTasks(partials), now);
  return partials.length;
}

/**
 * A prepare that was in flight when its request was canceled made a partial that no chunk
 * task names: its report (dropped, the task being canceled) still carries the owner token,
 * so the partial is cleaned up as the others if the request is at PHASE_CLEANUP (canceled
 * without keepPartial, and not retried since).
 */
export async function cleanUpLatePrepares(store: StateStore, late: readonly { requestId: string; partial: Partial }[], now: number): Promise<void> {
  const byRequest = new Map<string, Partial[]>();
  for (const l of late) byRequest.set(l.requestId, [...(byRequest.get(l.requestId) ?? []), l.partial]);
  for (const [requestId, partials] of byRequest) {
    await store.tx(async (s) => {
      const r = await s.lockRequest(requestId);
      if (r?.state === 'canceled' && r.phase === PHASE_CLEANUP) await s.enqueue(requestId, cleanupTasks(partials), now);
    });
  }
}
