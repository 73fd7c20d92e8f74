// What status/<id>.json says once a request from the inbox ends: its final view (state,
// counts, bytes, message), the file it came from, and a summary of its errors, so whoever
// dropped the file learns the outcome without the API.
import type { RequestView } from '../../core/request-types.js';
import type { StoredError } from '../../state/state-store.js';

/** the errors a status file lists; the API pages through all of them */
export const STATUS_ERRORS = 100;

export interface StatusFile {
  id: string;
  state: RequestView['state'];
  /** the inbox file's name when it was dropped, and the key that keeps it to one request */
  inbox: { file: string; key: string };
  finishedAt: string | null;
  message: string | null;
  files: RequestView['files'];
  bytes: RequestView['bytes'];
  errors: { count: number; byCode: Record<string, number>; first: { path: string; code: string; message: string; at: string }[] };
  request: RequestView;
}

export function statusFile(view: RequestView, inbox: { file: string; key: string }, errors: { items: readonly StoredError[]; total: number }): StatusFile {
  const byCode: Record<string, number> = {};
  for (const e of errors.items) byCode[e.code] = (byCode[e.code] ?? 0) + 1;
  return {
    id: view.id,
    state: view.state,
    inbox,
    finishedAt: view.finishedAt,
    message: view.message,
    files: view.files,
    bytes: view.bytes,
    errors: {
      count: errors.total,
      // of the first STATUS_ERRORS only: the API has the whole list
      byCode,
      first: errors.items.map((e) => ({ path: e.path, code: e.code, message: e.message, at: new Date(e.at).toISOString() })),
    },
    request: view,
  };
}
