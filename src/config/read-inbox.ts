// The drop-folder inbox of `barge serve` (`[inbox]`, `--inbox`, BARGE_INBOX): where request
// files are dropped, how long a file must stay unchanged before it is read, and the largest
// file read. The folder itself is made and watched by coordinator/inbox/.
import { configError, describeValue } from './config-error.js';
import { parseSize } from '../core/units.js';
import { isBargeError } from '../core/errors.js';
import { parseDir } from './parse-values.js';
import type { TableReader } from './toml-table.js';

export interface InboxConfig {
  /** absolute path of the folder request files are dropped into */
  path: string;
  /** a file is read once its size and mtime have not changed for this long */
  quietMs: number;
  /** a larger file is quarantined unread */
  maxBytes: number;
}

/** a writer's `.tmp` and rename is done within this; an editor that saves in two steps too */
export const DEFAULT_INBOX_QUIET_MS = 2000;
/** a request with a long explicit file list is a few MB of JSON; this leaves room to spare */
export const DEFAULT_INBOX_MAX_BYTES = 16 * 1024 * 1024;
/** the API's own bound on a submit body (server/routes/requests.ts SUBMIT_BODY_LIMIT) */
export const MAX_INBOX_MAX_BYTES = 128 * 1024 * 1024;

/** `[inbox]` of the config file; `path` relative to the file's directory */
export interface InboxTable { path?: string; quietMs?: number; maxBytes?: number }

export function readInboxTable(root: TableReader, baseDir: string): InboxTable | undefined {
  const t = root.table('inbox')?.allowKeys(['path', 'quiet', 'max_size']);
  if (t === undefined) return undefined;
  const dir = t.string('path');
  const out: InboxTable = {};
  if (dir !== undefined) out.path = parseDir(dir, t.where('path'), baseDir);
  const quiet = t.duration('quiet');
  if (quiet !== undefined) out.quietMs = quiet;
  const max = readSize(t, 'max_size');
  if (max !== undefined) out.maxBytes = max;
  return out;
}

function readSize(t: TableReader, key: string): number | undefined {
  const v = t.raw()[key];
  if (v === undefined) return undefined;
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string') {
    try { n = parseSize(v, key); } catch (e) {
      throw configError(t.where(key), isBargeError(e) ? e.message : `expected a size such as "16M", got ${describeValue(v)}`);
    }
  } else throw configError(t.where(key), `expected a size such as "16M" or a number of bytes, got ${describeValue(v)}`);
  if (!Number.isInteger(n) || n < 1 || n > MAX_INBOX_MAX_BYTES) throw configError(t.where(key), `must be 1 byte to 128 MiB, got ${describeValue(v)}`);
  return n;
}

/**
 * The inbox, when a folder is given by `--inbox`, BARGE_INBOX (`dir`, already resolved) or
 * `[inbox] path`; `quiet` and `max_size` come from the file only.
 */
export function inboxConfig(dir: string | undefined, table: InboxTable | undefined, fileWhere: string): InboxConfig | undefined {
  const path = dir ?? table?.path;
  if (path === undefined) {
    if (table !== undefined && (table.quietMs !== undefined || table.maxBytes !== undefined)) throw configError(`${fileWhere}: inbox.path`, 'is required in [inbox]');
    return undefined;
  }
  return { path, quietMs: table?.quietMs ?? DEFAULT_INBOX_QUIET_MS, maxBytes: table?.maxBytes ?? DEFAULT_INBOX_MAX_BYTES };
}
