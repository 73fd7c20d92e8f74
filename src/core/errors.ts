// BargeError: the one error type that crosses layers, with a stable code and whether a retry may help.
// Every code here is listed, with its meaning, in docs/errors.md.

export const ERROR_CODES = {
  E_USAGE: 'bad command-line usage or option value',
  E_BAD_INPUT: 'bad input: a source or destination that cannot be used as given',
  E_NOT_FOUND: 'a file or directory does not exist (it may have vanished during the run)',
  E_PERMISSION: 'the operating system refused access',
  E_NO_SPACE: 'the destination file system is full (or over quota)',
  E_READ_ONLY: 'the destination is read-only',
  E_EXISTS: 'something is in the way at the destination and may not be replaced',
  E_CHECKSUM: 'the bytes written do not hash to the bytes read',
  E_CHANGED: 'the source file changed while it was being copied',
  E_UNSUPPORTED: 'the file type or operation is not supported (fifo, socket, device)',
  E_NAME: 'a file name is too long or not valid on the destination',
  E_PATH_ESCAPE: 'a path resolves outside its root',
  E_IO: 'an input/output error from the storage',
  E_MAX_DELETE: 'the deletions needed exceed --max-delete',
  E_INTERRUPTED: 'the run was interrupted',
  E_CONFIG: 'the service configuration is wrong (file, key and reason are named)',
  E_AUTH: 'no token or grant, or one the service or agent does not accept',
  E_FORBIDDEN: "the API token's role does not allow this",
  E_STATE: "the request's state does not allow this action",
  E_PROTOCOL: 'a data-plane peer sent a malformed or unexpected frame',
  E_NETWORK: 'a data-plane connection could not be made or was lost',
  E_INTERNAL: 'a bug in barge',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

// E_CHANGED is not retried: the listing it is checked against is stale; the next run copies the file
const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['E_IO', 'E_CHECKSUM', 'E_NETWORK']);

export class BargeError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly path: string | undefined;

  constructor(code: ErrorCode, message: string, opts: { path?: string; retryable?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'BargeError';
    this.code = code;
    this.retryable = opts.retryable ?? RETRYABLE.has(code);
    this.path = opts.path;
  }
}

export function isBargeError(e: unknown): e is BargeError {
  return e instanceof BargeError;
}

/** Plain-data form of an error, for crossing worker threads or process boundaries. */
export interface ErrorRecord {
  code: ErrorCode;
  message: string;
  path?: string;
  retryable: boolean;
}

export function toErrorRecord(e: unknown, path?: string): ErrorRecord {
  if (isBargeError(e)) {
    // the caller's name wins over an empty one (the root, which the caller may show as '.')
    const p = e.path === undefined || (e.path === '' && path) ? path ?? e.path : e.path;
    return p === undefined ? { code: e.code, message: e.message, retryable: e.retryable } : { code: e.code, message: e.message, path: p, retryable: e.retryable };
  }
  const message = e instanceof Error ? e.message : String(e);
  return path === undefined ? { code: 'E_INTERNAL', message, retryable: false } : { code: 'E_INTERNAL', message, path, retryable: false };
}
