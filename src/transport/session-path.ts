// The subtree a session asks for, as the handshake carries it: '/'-separated, no leading
// or trailing slash, '' for the endpoint root; '..' and NUL are refused, never resolved.
import { BargeError } from '../core/errors.js';

export function normalizeSessionPath(text: string): string {
  if (text.includes('\0')) throw new BargeError('E_PATH_ESCAPE', 'the session path holds a NUL byte');
  const parts = text.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new BargeError('E_PATH_ESCAPE', `'..' is not allowed in the session path '${text}'`);
  return parts.join('/');
}
