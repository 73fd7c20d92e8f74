// The API's check of a submitted request, for requests that do not come over HTTP (the
// drop-folder inbox): the same TypeBox schema POST /api/requests validates with, its
// defaults filled in, and failures in the words of the API's own (error-handling.ts).
import { Compile } from 'typebox/compile';
import { BargeError } from '../core/errors.js';
import type { RequestSpec } from '../core/request-types.js';
import { DEFAULT_PRIORITY, RequestSpecBody } from './schemas.js';

const checker = Compile(RequestSpecBody);

interface SchemaError { keyword: string; instancePath: string; message?: string; params: Record<string, unknown> }

function firstOf(v: unknown): string | undefined {
  return Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
}

/** "body/priority must be <= 10", as the API's error-handling.ts says it of ajv's errors */
function describe(e: SchemaError, dataVar: string): string | undefined {
  const at = `${dataVar}${e.instancePath}`;
  // TypeBox reports an unknown property twice: as the property's `false` schema and as additionalProperties
  if (e.keyword === 'boolean') return undefined;
  const missing = firstOf(e.params.requiredProperties);
  if (e.keyword === 'required' && missing !== undefined) return `${at}/${missing} is required`;
  const unknown = firstOf(e.params.additionalProperties);
  if (e.keyword === 'additionalProperties' && unknown !== undefined) return `${at}/${unknown} is not allowed (unknown property)`;
  if (e.keyword === 'enum' && Array.isArray(e.params.allowedValues)) {
    return `${at} must be one of ${e.params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return `${at} ${e.message ?? `fails ${e.keyword}`}`;
}

/**
 * `value` as a RequestSpec when the API would take it as a body; else E_BAD_INPUT naming
 * each field that fails, as POST /api/requests answers (its messages start with "body/").
 */
export function checkRequestSpec(value: unknown): RequestSpec {
  if (!checker.Check(value)) {
    const errors = (checker.Errors(value) as SchemaError[]).map((e) => describe(e, 'body')).filter((m): m is string => m !== undefined);
    throw new BargeError('E_BAD_INPUT', [...new Set(errors)].join('; ') || 'body does not match the request schema');
  }
  return { ...value, priority: value.priority ?? DEFAULT_PRIORITY };
}
