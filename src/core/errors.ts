// BargeError: the one error type that crosses layers, with a stable code and whether a retry may help.
// What each code means, and whether it is retried, is in the table of error-codes.ts.

import { ERROR_CODES, type ErrorCode } from './error-codes.js';

// re-exported: most modules that throw a BargeError name its code too, and import both from here
export { ERROR_CODES, type ErrorCode };

export class BargeError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly path: string | undefined;

  constructor(code: ErrorCode, message: string, opts: { path?: string; retryable?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'BargeError';
    this.code = code;
    // hasOwn: peers' codes are checked with `in`, which lets Object.prototype's names ('constructor') through
    this.retryable = opts.retryable ?? (Object.hasOwn(ERROR_CODES, code) && ERROR_CODES[code].retryable);
    this.path = opts.path;
  }
}

/**
 * A removal that stopped part way (a tree holding names barge does not delete): the
 * entries it did remove are gone all the same, and are counted as deleted.
 */
export class PartlyRemovedError extends BargeError {
  constructor(readonly removed: number, message: string, opts: { path?: string } = {}) {
    super('E_NAME', message, opts);
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
