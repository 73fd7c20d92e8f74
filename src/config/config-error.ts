// How the config loader fails: one E_CONFIG error "WHERE: REASON", where WHERE names the file and
// dotted key ("barge.toml: endpoints.panda.write"), the environment variable or the flag.
// The storage kinds read their own keys with the same two helpers, so that a message does not
// change with who reads the key.
export { configError, describeValue } from '../storage/endpoint-table.js';

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
