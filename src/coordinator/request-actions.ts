// An operator's action on a request (cancel, pause, resume, retry, a new priority) as one transaction: the
// state change and its audit entry commit together, or neither does (a refused action
// leaves no entry).
import { BargeError } from '../core/errors.js';
import type { AuditEntry } from '../core/request-audit.js';
import { ACTION_TRANSITIONS, MAX_PRIORITY, MIN_PRIORITY, PRIORITY_FROM } from '../core/request-states.js';
import type { RequestAction } from '../core/request-types.js';
import type { RequestRecord, StateStore } from '../state/state-store.js';
import { enqueueCleanup, keepsPartials } from './cancel-cleanup.js';

/** applies `action` to `r` and records who took it; throws E_STATE when the request's state does not allow it */
/** `keepPartial` (cancel): keep its partial files for a retry, whatever the request said at submit */
export async function applyAction(store: StateStore, r: RequestRecord, action: RequestAction, actor: string, now: number, keepPartial?: boolean): Promise<AuditEntry> {
  const id = r.id;
  const entry: AuditEntry = { at: now, actor, action, detail: action === 'cancel' && keepPartial === true ? 'keepPartial' : null };
  const ok = await store.tx(async (s) => {
    let changed: boolean;
    switch (action) {
      case 'cancel':
        changed = await s.setRequestState(id, ACTION_TRANSITIONS.cancel.from, 'canceled', now, { message: 'canceled' });
        if (changed) {
          await s.cancelTasks(id, { leased: true }, now);
          // the partial files of its large files go, unless they are to be resumed by a retry
          if (!keepsPartials(r.spec, keepPartial)) await enqueueCleanup(s, id, now);
        }
        break;
      case 'pause':
        changed = await s.setRequestState(id, ACTION_TRANSITIONS.pause.from, 'paused', now, { pausedFrom: r.state });
        break;
      case 'resume':
        changed = await s.setRequestState(id, ACTION_TRANSITIONS.resume.from, r.pausedFrom ?? 'queued', now, { pausedFrom: null });
        break;
      case 'retry': {
        // read under the row's lock: two retries at once reset it once
        const now1 = await s.lockRequest(id);
        changed = now1 !== undefined && ACTION_TRANSITIONS.retry.from.includes(now1.state);
        if (changed) await s.resetRequest(id, now);
        break;
      }
    }
    if (changed) await s.addAudit(id, entry);
    return changed;
  });
  if (!ok) throw new BargeError('E_STATE', `cannot ${action} a request that is ${r.state}`);
  return entry;
}

/** sets `r`'s priority and records who set it; E_BAD_INPUT out of range, E_STATE once the request has ended */
export async function applyPriority(store: StateStore, r: RequestRecord, priority: number, actor: string, now: number): Promise<AuditEntry> {
  if (!Number.isInteger(priority) || priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
    throw new BargeError('E_BAD_INPUT', `bad priority ${priority}: expected a whole number from ${MIN_PRIORITY} (lowest) to ${MAX_PRIORITY}`);
  }
  const entry: AuditEntry = { at: now, actor, action: 'priority', detail: String(priority) };
  const ok = await store.tx(async (s) => {
    const changed = await s.setRequestPriority(r.id, PRIORITY_FROM, priority, now);
    if (changed) await s.addAudit(r.id, entry);
    return changed;
  });
  if (!ok) throw new BargeError('E_STATE', `cannot change the priority of a request that is ${r.state}`);
  return entry;
}
