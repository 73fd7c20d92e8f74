// Reads a storage kind's own keys from an endpoint's raw config table, failing the way the
// config loader does (src/config/toml-table.ts, which storage may not import; config uses these):
// one BargeError E_CONFIG "WHERE.KEY: REASON", so a message does not change with who reads the key.
import { BargeError } from '../core/errors.js';

export type ConfigTable = Record<string, unknown>;

export function configError(where: string, reason: string): BargeError {
  return new BargeError('E_CONFIG', `${where}: ${reason}`);
}

/** A value as the user wrote it, for "got ..." (strings quoted, so "true" and true differ). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return `a date (${value.toISOString()})`;
  return 'a table';
}

/** "barge.toml: endpoints.panda.path": a key as TOML would need it written, bare or quoted */
export function keyWhere(where: string, key: string): string {
  return `${where}.${/^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key)}`;
}

export function optionalString(table: ConfigTable, key: string, where: string): string | undefined {
  const v = Object.hasOwn(table, key) ? table[key] : undefined;
  if (v === undefined || typeof v === 'string') return v;
  throw configError(keyWhere(where, key), `expected a string, got ${describeValue(v)}`);
}

export function requiredString(table: ConfigTable, key: string, where: string): string {
  const v = optionalString(table, key, where);
  if (v === undefined) throw configError(keyWhere(where, key), 'missing (required)');
  if (v === '') throw configError(keyWhere(where, key), 'must not be empty');
  return v;
}
