// The one place where a failed file operation is tried again: only for errors that
// say a retry may help (a checksum mismatch, a source that changed, an I/O hiccup).
import { isBargeError } from '../core/errors.js';

export const FILE_ATTEMPTS = 3;

export async function withRetry<T>(fn: () => Promise<T>, attempts = FILE_ATTEMPTS): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= attempts || !isBargeError(e) || !e.retryable) throw e;
    }
  }
}
