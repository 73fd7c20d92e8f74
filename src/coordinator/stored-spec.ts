// What a request's row keeps of its spec: everything but the file list, which is kept
// apart (state: request_files) with only its count in the row, so that reading the row
// for every counter update and lock stays cheap whatever the list's length.
import { stringifyWithBigints } from '../core/json-bigint.js';
import type { RequestSpec } from '../core/request-types.js';

/** the spec kept in the request's row, with its file list's count; the list itself apart (state: request_files) */
export function storedSpec(spec: RequestSpec): { spec: string; files?: string } {
  const { files, ...rest } = spec;
  if (files === undefined) return { spec: stringifyWithBigints(rest) };
  return { spec: stringifyWithBigints({ ...rest, filesListed: files.length }), files: JSON.stringify(files) };
}
