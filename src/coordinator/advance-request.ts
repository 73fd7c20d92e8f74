// The finisher: when a request's phase has no open task left, move it on — to the delete
// pass (skipped after errors or above maxDelete), the rescans, the directory metadata one
// depth at a time, and at last to succeeded or failed. Runs under the request's row lock,
// so several coordinators may call it at once and only one acts.
import { checkMaxDelete, deleteBlockedBy, needsDeleteCount, notReplacedError } from '../core/delete-gate.js';
import { dirMetaTasks } from '../core/dir-meta-order.js';
import type { DirMetaItem } from '../core/task-types.js';
import { parseWithBigints } from '../core/json-bigint.js';
import type { RequestRecord, StateStore } from '../state/state-store.js';
import { DIRMETA_BATCH, PHASE_DELETE, PHASE_DELETE_COUNT, PHASE_DIRMETA, PHASE_RESCAN } from './phases.js';
import type { RequestSpec } from '../core/request-types.js';
import { counted } from '../core/units.js';
import { decodeTask, encodeTask } from './service-task.js';

export type Advance = 'waiting' | 'moved' | 'finished' | 'none';

export async function advanceRequest(store: StateStore, id: string, now: number): Promise<Advance> {
  return store.tx(async (s) => {
    const r = await s.lockRequest(id);
    if (!r || (r.state !== 'running' && r.state !== 'finalizing')) return 'none';
    const ps = await s.phaseState(id, r.phase);
    if (ps.open > 0) return 'waiting';
    const spec = parseWithBigints<RequestSpec>(r.spec);
    if (r.phase < PHASE_DELETE) {
      const gate = await deleteGate(s, r, spec, now);
      if (gate === 'moved') return 'moved';
    }
    const next = await s.phaseState(id, r.phase);
    if (next.nextPhase !== undefined && next.nextPhase < PHASE_DIRMETA) {
      await s.setRequestState(id, [r.state], 'finalizing', now, { phase: next.nextPhase });
      return 'moved';
    }
    if (next.dirMetaDepth !== undefined) {
      const dirs = await s.takeDirMeta(id, next.dirMetaDepth);
      const parsed = dirs.map((d) => parseWithBigints<DirMetaItem>(d.payload));
      const tasks = dirMetaTasks(parsed, DIRMETA_BATCH).map((t) => encodeTask(t, PHASE_DIRMETA));
      await s.enqueue(id, tasks, now);
      await s.setRequestState(id, [r.state], 'finalizing', now, { phase: PHASE_DIRMETA });
      return 'moved';
    }
    const last = (await s.getRequest(id)) ?? r;
    const failed = last.counters.failed > 0;
    const message = failed ? `${counted(last.counters.failed, 'file')} failed${last.message ? `; ${last.message}` : ''}` : last.message;
    await s.setRequestState(id, [r.state], failed ? 'failed' : 'succeeded', now, { message });
    return 'finished';
  });
}

/** leaving the transfer phase: the delete pass runs only after a clean transfer, and within maxDelete */
async function deleteGate(s: StateStore, r: RequestRecord, spec: RequestSpec, now: number): Promise<'moved' | 'go'> {
  const queued = await s.queuedPayloads(r.id, PHASE_DELETE);
  if (queued.length === 0) return 'go';
  const blocked = deleteBlockedBy(r.counters.failed, 'request');
  if (blocked !== undefined) {
    await skipDeletes(s, r, queued.map((q) => q.payload), `delete pass skipped: ${blocked}`, now);
    return 'go';
  }
  if (!needsDeleteCount(spec.maxDelete, false)) return 'go'; // a request has no dry run
  if (r.phase < PHASE_DELETE_COUNT) {
    const counts = queued.map((q) => {
      const t = decodeTask(q.payload);
      return encodeTask(t.kind === 'delete' ? { ...t, countOnly: true } : t, PHASE_DELETE_COUNT);
    });
    await s.enqueue(r.id, counts, now);
    await s.setRequestState(r.id, [r.state], 'finalizing', now, { phase: PHASE_DELETE_COUNT });
    return 'moved';
  }
  const total = (await s.phaseResults(r.id, PHASE_DELETE_COUNT)).reduce((n, x) => n + (Number(x) || 0), 0);
  const over = checkMaxDelete(total, spec.maxDelete, 'maxDelete');
  if (over) {
    await s.addErrors(r.id, [{ path: '', code: over.error.code, message: over.error.message }], now);
    await s.addCounters(r.id, { failed: 1 }, now);
    await skipDeletes(s, r, queued.map((q) => q.payload), `delete pass skipped: ${over.reason}`, now);
  }
  return 'go';
}

async function skipDeletes(s: StateStore, r: RequestRecord, payloads: string[], why: string, now: number): Promise<void> {
  // a directory in the way of a source entry stays, so that entry cannot land: say so per path
  const blocked: string[] = [];
  for (const p of payloads) {
    const t = decodeTask(p);
    if (t.kind === 'delete' && t.deferred) blocked.push(...t.items.map((i) => i.rel));
  }
  if (blocked.length > 0) {
    const e = notReplacedError(why);
    await s.addErrors(r.id, blocked.map((path) => ({ path, code: e.code, message: e.message })), now);
    await s.addCounters(r.id, { failed: blocked.length }, now);
  }
  await s.cancelTasks(r.id, { phase: PHASE_DELETE }, now);
  await s.cancelTasks(r.id, { phase: PHASE_RESCAN }, now);
  await s.setRequestState(r.id, [r.state], r.state, now, { message: why });
}
