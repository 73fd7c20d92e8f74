// A request as clients see it: counters grouped, times as ISO text, rate and ETA.
import { parseWithBigints } from '../core/json-bigint.js';
import type { RequestRecord } from '../state/state-store.js';
import type { RequestSpec, RequestView } from '../core/request-types.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** a request's spec does not change once posted, and one with a long file list is slow to
 * parse: the options of the requests viewed last are kept */
const OPTIONS_KEPT = 256;
const optionsById = new Map<string, RequestView['options']>();

function optionsOf(r: RequestRecord): RequestView['options'] {
  const known = optionsById.get(r.id);
  if (known) return known;
  // the row's spec holds the list's count (filesListed); rows from before migration 008 held the list
  const spec: Partial<RequestSpec> & { filesListed?: number } = parseWithBigints<RequestSpec>(r.spec);
  const files = spec.files;
  for (const k of ['id', 'source', 'destination', 'priority', 'files'] as const) delete spec[k];
  const options: RequestView['options'] = files === undefined ? spec : { ...spec, filesListed: files.length };
  if (optionsById.size >= OPTIONS_KEPT) optionsById.delete(optionsById.keys().next().value as string);
  optionsById.set(r.id, options);
  return options;
}

/** when the request must have finished, as epoch ms, if it has a deadline */
export function deadlineOf(r: RequestRecord): number | undefined {
  const d = optionsOf(r).deadline;
  return d === undefined ? undefined : Date.parse(d);
}

export function requestView(r: RequestRecord, walkDone: boolean, now: number): RequestView {
  const options = optionsOf(r);
  const c = r.counters;
  const end = r.finishedAt ?? now;
  const seconds = r.startedAt === null ? 0 : Math.max(0.001, (end - r.startedAt) / 1000);
  const rate = seconds > 0 ? c.bytesCopied / seconds : 0;
  const left = Math.max(0, c.bytesToCopy - c.bytesCopied - c.bytesResumed);
  const active = r.state === 'staging' || r.state === 'running' || r.state === 'finalizing';
  return {
    id: r.id, state: r.state, priority: r.priority, source: r.source, destination: r.destination, options,
    createdAt: iso(r.createdAt) ?? '', startedAt: iso(r.startedAt), finishedAt: iso(r.finishedAt),
    walkDone,
    files: { found: c.filesFound, toCopy: c.filesToCopy, copied: c.filesCopied, upToDate: c.filesUpToDate, failed: c.failed, deleted: c.deleted },
    bytes: { found: c.bytesFound, toCopy: c.bytesToCopy, copied: c.bytesCopied + c.bytesResumed, resumed: c.bytesResumed },
    rate,
    etaSeconds: active && walkDone && rate > 0 ? left / rate : active ? null : 0,
    errorCount: c.failed,
    message: r.message,
    submittedBy: r.submittedBy,
  };
}
