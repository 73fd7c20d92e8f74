// How the config loader fails: one E_CONFIG error "WHERE: REASON", where WHERE names the file and
// dotted key ("barge.toml: endpoints.panda.write"), the environment variable or the flag.
import { BargeError } from '../core/errors.js';

export function configError(where: string, reason: string): BargeError {
  return new BargeError('E_CONFIG', `${where}: ${reason}`);
}

/** A value as the user wrote it, for "got ..." (strings quoted, so "true" and true differ). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return `a date (${value.toISOString()})`;
  return 'a table';
}

/** The reason of a failed read in words ("no such file"); the code alone is cryptic. */
export function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a directory';
    case 'ENOTDIR': return 'a parent is not a directory';
    default: return e instanceof Error ? e.message : String(e);
  }
}
