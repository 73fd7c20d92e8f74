// A request as clients see it: counters grouped, times as ISO text, rate and ETA.
import { parseWithBigints } from '../core/json-bigint.js';
import type { RequestRecord } from '../state/state-store.js';
import type { RequestSpec, RequestView } from '../core/request-types.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function requestView(r: RequestRecord, walkDone: boolean, now: number): RequestView {
  const spec = parseWithBigints<RequestSpec>(r.spec);
  const options: RequestView['options'] = { ...spec };
  for (const k of ['id', 'source', 'destination', 'priority'] as const) delete (options as RequestSpec)[k];
  const c = r.counters;
  const end = r.finishedAt ?? now;
  const seconds = r.startedAt === null ? 0 : Math.max(0.001, (end - r.startedAt) / 1000);
  const rate = seconds > 0 ? c.bytesCopied / seconds : 0;
  const left = Math.max(0, c.bytesToCopy - c.bytesCopied - c.bytesResumed);
  const active = r.state === 'running' || r.state === 'finalizing';
  return {
    id: r.id, state: r.state, priority: r.priority, source: r.source, destination: r.destination, options,
    createdAt: iso(r.createdAt) ?? '', startedAt: iso(r.startedAt), finishedAt: iso(r.finishedAt),
    walkDone,
    files: { found: c.filesFound, toCopy: c.filesToCopy, copied: c.filesCopied, upToDate: c.filesUpToDate, failed: c.failed, deleted: c.deleted },
    bytes: { found: c.bytesFound, toCopy: c.bytesToCopy, copied: c.bytesCopied + c.bytesResumed },
    rate,
    etaSeconds: active && walkDone && rate > 0 ? left / rate : active ? null : 0,
    errorCount: c.failed,
    message: r.message,
  };
}
