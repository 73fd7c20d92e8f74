// Parsers for the config values users type as text (durations, HOST:PORT, database, booleans,
// counts, names); the same ones read the file, the environment and the flags.
import { isIP } from 'node:net';
import path from 'node:path';
import { configError, describeValue } from './config-error.js';
import { NAME_PATTERN, type DbConfig, type ListenAddress } from './service-config.js';

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
// setTimeout fires at once for delays above 2^31-1 ms, so a longer timeout would act as zero
const MAX_DURATION_MS = 2 ** 31 - 1;

/** "30s", "5m", "1.5h", "7d", "250ms", or a plain number of seconds; returns milliseconds, above zero. */
export function parseDuration(text: string, where: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) throw configError(where, `expected a duration such as 30s, 5m, 1h, 7d or 250ms, got ${describeValue(text)}`);
  return durationMs(Number(m[1]) * (DURATION_UNITS[m[2] ?? 's'] ?? 1000), where);
}

/** A TOML number is seconds. */
export function secondsToMs(seconds: number, where: string): number {
  return durationMs(seconds * 1000, where);
}

function durationMs(ms: number, where: string): number {
  const rounded = Math.round(ms);
  if (!(rounded > 0)) throw configError(where, 'must be above zero');
  if (rounded > MAX_DURATION_MS) throw configError(where, 'must be at most 596h (the longest timer Node.js can set)');
  return rounded;
}

/** "127.0.0.1:7700", "localhost:7700", "[::1]:7700"; port 0 asks the system for a free port (tests). */
export function parseListen(text: string, where: string): ListenAddress {
  const bad = configError(where, `expected HOST:PORT (an IPv6 host in brackets, [::1]:7700), got ${describeValue(text)}`);
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([A-Za-z0-9.-]+):(\d+)$/.exec(text);
  const host = m?.[1];
  if (!m || host === undefined) throw bad;
  if (text.startsWith('[') && isIP(host) !== 6) throw configError(where, `${describeValue(host)} in brackets is not an IPv6 address`);
  const port = Number(m[2]);
  if (port > 65535) throw configError(where, `port must be 0 to 65535, got ${port}`);
  return { host, port };
}

/** a proxy's address for trust_proxy: an IPv4 or IPv6 address, or a CIDR range of them ("10.0.0.0/8") */
export function parseProxyAddress(text: string, where: string): string {
  const [addr = '', bits, ...rest] = text.split('/');
  const family = isIP(addr);
  const max = family === 4 ? 32 : 128;
  const prefixOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
  if (family === 0 || !prefixOk || rest.length > 0) {
    throw configError(where, `expected an IP address or a CIDR range of a reverse proxy ("127.0.0.1", "10.0.0.0/8", "::1"), got ${describeValue(text)}`);
  }
  return text;
}

export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host.toLowerCase() === 'localhost';
}

/** postgres:// or postgresql:// URL, "sqlite:PATH", a plain path (SQLite), or "memory"; relative paths resolve under baseDir. */
export function parseDb(text: string, where: string, baseDir: string): DbConfig {
  const expected = `expected a postgres:// URL, sqlite:PATH, a file path or "memory", got ${describeValue(text)}`;
  if (text === 'memory') return { kind: 'memory' };
  if (/^postgres(ql)?:\/\//i.test(text)) {
    if (!URL.canParse(text)) throw configError(where, `not a valid URL: ${describeValue(text)}`);
    return { kind: 'postgres', url: text };
  }
  // any other scheme is a typo or an engine barge lacks, not a file name with "://" in it
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text) || text.trim() === '') throw configError(where, expected);
  const file = text.startsWith('sqlite:') ? text.slice('sqlite:'.length) : text;
  if (file.trim() === '') throw configError(where, `sqlite: needs a file path, got ${describeValue(text)}`);
  return { kind: 'sqlite', path: path.resolve(baseDir, file) };
}

/** A directory; a relative one resolves under baseDir. */
export function parseDir(text: string, where: string, baseDir: string): string {
  if (text.trim() === '') throw configError(where, 'must not be empty');
  return path.resolve(baseDir, text);
}

/** Booleans from the environment: true, false, 1 or 0. */
export function parseBoolText(text: string, where: string): boolean {
  const t = text.trim().toLowerCase();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  throw configError(where, `expected true, false, 1 or 0, got ${describeValue(text)}`);
}

export function checkWholeNumber(value: number, where: string, min: number, max: number): number {
  if (!Number.isInteger(value)) throw configError(where, `expected a whole number, got ${describeValue(value)}`);
  if (value < min || value > max) throw configError(where, `must be ${min} to ${max}, got ${value}`);
  return value;
}

export function parseWholeNumber(text: string, where: string, min: number, max: number): number {
  if (!/^\s*\d+\s*$/.test(text)) throw configError(where, `expected a whole number, got ${describeValue(text)}`);
  return checkWholeNumber(Number(text), where, min, max);
}

export function checkName(name: string, where: string): string {
  if (!NAME_PATTERN.test(name)) {
    throw configError(where, `${describeValue(name)} is not a valid name: use only letters, digits, '_', '.' and '-'`);
  }
  return name;
}
