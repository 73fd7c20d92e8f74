// "endpoint:/path", the way requests name a place: split and normalised, with '..' and
// NUL refused before any storage sees the path.
import { BargeError } from './errors.js';

export function splitEndpointPath(text: string, what: string): { name: string; rel: string } {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new BargeError('E_BAD_INPUT', `${what}: expected ENDPOINT:/path, got '${text}'`);
  const name = text.slice(0, colon);
  const raw = text.slice(colon + 1);
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new BargeError('E_PATH_ESCAPE', `${what}: '..' is not allowed in '${raw}'`);
  if (raw.includes('\0')) throw new BargeError('E_BAD_INPUT', `${what}: the path holds a NUL byte`);
  return { name, rel: '/' + parts.join('/') };
}
