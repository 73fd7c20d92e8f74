// Turns Node's errno errors into BargeErrors with a stable code and a clear message.
import { BargeError, type ErrorCode } from '../../core/errors.js';

const BY_ERRNO: Record<string, ErrorCode> = {
  ENOENT: 'E_NOT_FOUND', ENOTDIR: 'E_NOT_FOUND',
  EACCES: 'E_PERMISSION', EPERM: 'E_PERMISSION',
  ENOSPC: 'E_NO_SPACE', EDQUOT: 'E_NO_SPACE',
  // one file above what the file system (or RLIMIT_FSIZE) allows: that file fails, others still fit
  EFBIG: 'E_UNSUPPORTED',
  EROFS: 'E_READ_ONLY',
  EEXIST: 'E_EXISTS', ENOTEMPTY: 'E_EXISTS', EISDIR: 'E_EXISTS',
  ENAMETOOLONG: 'E_NAME', EILSEQ: 'E_NAME',
  ELOOP: 'E_PATH_ESCAPE',
  EIO: 'E_IO', EAGAIN: 'E_IO', EBUSY: 'E_IO', ETIMEDOUT: 'E_IO', ESTALE: 'E_IO', EINTR: 'E_IO',
};

const WORDS: Partial<Record<ErrorCode, string>> = {
  E_NOT_FOUND: 'no such file or directory',
  E_PERMISSION: 'permission denied',
  E_NO_SPACE: 'no space left on device',
  E_READ_ONLY: 'read-only file system',
  E_EXISTS: 'in the way',
  E_NAME: 'name not valid here',
  E_IO: 'input/output error',
};

/** errnos whose code is shared with others but whose words are their own */
const ERRNO_WORDS: Record<string, string> = {
  EFBIG: 'the file is larger than the destination file system allows',
};

export function classifyError(e: unknown, action: string, path: string): BargeError {
  if (e instanceof BargeError) return e;
  const errno = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
  const code = BY_ERRNO[errno] ?? 'E_IO';
  const words = ERRNO_WORDS[errno] ?? WORDS[code] ?? (e instanceof Error ? e.message : String(e));
  return new BargeError(code, `${action}: ${words}${errno ? ` (${errno})` : ''}`, { path, cause: e });
}
