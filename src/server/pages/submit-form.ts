// The submit form's fields (all text, as a browser posts them) turned into a RequestSpec,
// each bad one refused with E_BAD_INPUT naming the field.
import { BargeError } from '../../core/errors.js';
import { MAX_PRIORITY, MIN_PRIORITY } from '../../core/request-states.js';
import type { RequestSpec } from '../../core/request-types.js';
import { REQUEST_ID_PATTERN } from '../schemas.js';

const FLAGS = ['delete', 'checksum', 'sizeOnly', 'ignoreExisting', 'verify', 'keepPartial', 'acls', 'xattrs'] as const;

function text(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw new BargeError('E_BAD_INPUT', `${name}: give it once`);
  return v.trim();
}

function whole(body: Record<string, unknown>, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const t = text(body, name);
  if (t === undefined) return undefined;
  const n = Number(t);
  if (!/^\d+$/.test(t) || n < min || n > max) throw new BargeError('E_BAD_INPUT', `${name}: expected a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}, got '${t}'`);
  return n;
}

export function priorityOf(body: Record<string, unknown>): number {
  const p = whole(body, 'priority', MIN_PRIORITY, MAX_PRIORITY);
  if (p === undefined) throw new BargeError('E_BAD_INPUT', 'priority: give a number');
  return p;
}

export function specOf(body: Record<string, unknown>): RequestSpec {
  const source = text(body, 'source');
  const destination = text(body, 'destination');
  if (source === undefined) throw new BargeError('E_BAD_INPUT', 'source: give the source as endpoint:/path');
  if (destination === undefined) throw new BargeError('E_BAD_INPUT', 'destination: give the destination as endpoint:/path');
  const spec: RequestSpec = { source, destination };
  const id = text(body, 'id');
  if (id !== undefined) {
    if (!new RegExp(REQUEST_ID_PATTERN).test(id)) throw new BargeError('E_BAD_INPUT', `id: '${id}' may hold only letters, digits, '.', '_' and '-' (at most 128)`);
    spec.id = id;
  }
  spec.priority = whole(body, 'priority', MIN_PRIORITY, MAX_PRIORITY) ?? 5;
  for (const f of FLAGS) if (text(body, f) === 'true') spec[f] = true;
  const maxDelete = whole(body, 'maxDelete', 0);
  if (maxDelete !== undefined) spec.maxDelete = maxDelete;
  const deadline = text(body, 'deadline');
  if (deadline !== undefined) spec.deadline = deadline;
  return spec;
}
