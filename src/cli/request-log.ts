// `barge serve`'s line per change of a request's state, from the coordinator's change
// events: running, paused, resumed, canceled, retried, succeeded, failed (its message), and
// when it starts waiting for an agent or its staging starts waiting for room in the buffer. Who submitted it, and who asked for an action, is
// logged by the API route that took the call.
import type { LogSink } from '../core/log-sink.js';
import type { RequestState } from '../core/request-states.js';
import type { RequestView } from '../core/request-types.js';
import { counted, formatBytes } from '../core/units.js';

/** requests whose last state is remembered; the oldest are forgotten first */
const MAX_KEPT = 10_000;

function verb(from: RequestState | undefined, to: RequestState): string {
  if (to === 'queued') return from === 'failed' || from === 'canceled' ? 'retried' : from === 'paused' ? 'resumed' : 'queued';
  if (from === 'paused' && (to === 'staging' || to === 'running' || to === 'finalizing')) return 'resumed';
  return to;
}

function outcome(v: RequestView): string {
  if (v.state === 'succeeded') {
    return `: ${counted(v.files.copied, 'file')}, ${formatBytes(v.bytes.copied)} copied; ${v.files.upToDate} up to date; ${v.files.deleted} deleted`;
  }
  if (v.state === 'failed') return `: ${v.message ?? 'no message'}`;
  return '';
}

/**
 * Subscribes to `changes`; returns the unsubscribe. Requests first seen as they were before
 * `since` (a coordinator restarting) are remembered silently, not logged again.
 */
export function logRequestChanges(changes: { onChange(listener: (v: RequestView) => void): () => void }, log: LogSink,
  since: number = Date.now()): () => void {
  const last = new Map<string, { state: RequestState; waiting: string | undefined; staging: string | undefined }>();
  return changes.onChange((v) => {
    const before = last.get(v.id);
    const waiting = v.waiting?.reason;
    // a wait for room is one line when it begins (its reason's free bytes change as it waits)
    const staging = v.staging?.waiting?.since;
    if (before !== undefined && before.state === v.state && before.waiting === waiting && before.staging === staging) return;
    last.delete(v.id);
    if (last.size >= MAX_KEPT) last.delete(last.keys().next().value as string);
    last.set(v.id, { state: v.state, waiting, staging });
    // the exact byte count as a field, for what reads the JSON log; the line says it in units
    const fields = { request: v.id, state: v.state, ...(before ? { from: before.state } : {}), ...(v.state === 'succeeded' ? { bytesCopied: v.bytes.copied } : {}) };
    if (before === undefined && Date.parse(v.createdAt) < since) return;
    if (before?.state !== v.state && !(before === undefined && v.state === 'queued')) { // "submitted" is the route's line
      const line = `request ${v.id} ${verb(before?.state, v.state)}${outcome(v)}`;
      if (v.state === 'failed') log.warn({ ...fields, message: v.message }, line);
      else log.info(fields, line);
    }
    if (waiting !== undefined && waiting !== before?.waiting) {
      log.warn({ ...fields, reason: waiting, until: v.waiting?.until }, `request ${v.id} waits for an agent: ${waiting} (fails at ${v.waiting?.until ?? '?'} unless one comes)`);
    }
    const room = v.staging?.waiting;
    if (room !== undefined && staging !== before?.staging) {
      log.warn({ ...fields, code: room.code, reason: room.reason }, `request ${v.id} staging waits: ${room.code}: ${room.reason}`);
    } else if (room === undefined && before?.staging !== undefined && v.staging !== undefined) {
      log.info(fields, `request ${v.id} staging goes on: the buffer has room again`);
    }
  });
}
