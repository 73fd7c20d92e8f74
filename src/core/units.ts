// Parsing and printing of sizes, rates and ages as users type them ("200M", "1.5GiB", "7d").
import { BargeError } from './errors.js';

const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: 1024, kb: 1000, kib: 1024,
  m: 1024 ** 2, mb: 1000 ** 2, mib: 1024 ** 2,
  g: 1024 ** 3, gb: 1000 ** 3, gib: 1024 ** 3,
  t: 1024 ** 4, tb: 1000 ** 4, tib: 1024 ** 4,
  p: 1024 ** 5, pb: 1000 ** 5, pib: 1024 ** 5,
};

/** "200M" = 200 MiB (rsync's convention: bare letters are powers of 1024; "MB" is 10^6). */
export function parseSize(text: string, what = 'size'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m ? SIZE_UNITS[(m[2] ?? '').toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new BargeError('E_USAGE', `bad ${what} '${text}': expected a number with an optional unit (K, M, G, T, KB, MiB, ...), e.g. 200M`);
  }
  const v = Number(m[1]) * unit;
  if (!Number.isFinite(v) || v > Number.MAX_SAFE_INTEGER) throw new BargeError('E_USAGE', `bad ${what} '${text}': too large`);
  return Math.round(v);
}

/**
 * --bwlimit's rate in bytes per second, as rsync reads it: a bare number is KiB/s
 * ("100" = 100 KiB/s), a unit says otherwise ("200M", "1.5G", "512B", "10KB"; "/s"
 * may follow), and 0 means no limit (undefined). A rate that comes to less than one
 * byte per second is refused, never rounded up behind the user's back.
 */
export function parseRate(text: string, flag = '--bwlimit'): number | undefined {
  const body = text.replace(/\/s\s*$/i, '');
  const bare = /^\s*\d+(?:\.\d+)?\s*$/.test(body);
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(body);
  const unit = m ? SIZE_UNITS[(m[2] ?? '').toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new BargeError('E_USAGE', `bad ${flag} '${text}': expected a rate, a number with an optional unit (a bare number is KiB/s, as with rsync; B, K, M, G, KB, MiB, ...), e.g. 200M`);
  }
  const v = Number(m[1]) * (bare ? 1024 : unit);
  if (v === 0) return undefined;
  if (!Number.isFinite(v) || v > Number.MAX_SAFE_INTEGER) throw new BargeError('E_USAGE', `bad ${flag} '${text}': too large`);
  if (v < 1) throw new BargeError('E_USAGE', `bad ${flag} '${text}': less than 1 byte per second (0 means no limit)`);
  return Math.round(v);
}

const AGE_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400, y: 365 * 86400 };
/** "M" is a month (30 days), as in rclone's ages; "m" (and only "m") is a minute */
const MONTH = 30 * 86400;

/** An age in seconds: "90s", "15m", "2h", "7d", "1w", "3M" (months), "1y"; a bare number is seconds. */
export function parseAge(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]?)\s*$/.exec(text);
  const unit = m?.[2] === 'M' ? MONTH : AGE_UNITS[(m?.[2] ?? '').toLowerCase() || 's'];
  if (!m || unit === undefined) throw new BargeError('E_USAGE', `bad age '${text}': expected a number with an optional unit s, m (minutes), h, d, w, M (months) or y, e.g. 7d`);
  const v = Number(m[1]) * unit;
  if (!Number.isFinite(v) || v > Number.MAX_SAFE_INTEGER) throw new BargeError('E_USAGE', `bad age '${text}': too large`);
  return v;
}

export function parseCount(text: string, what: string, min = 0): number {
  if (!/^\s*\d+\s*$/.test(text)) throw new BargeError('E_USAGE', `bad ${what} '${text}': expected a whole number`);
  const v = Number(text);
  if (v < min) throw new BargeError('E_USAGE', `bad ${what} '${text}': must be at least ${min}`);
  return v;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return i === 0 ? `${Math.round(n)} B` : `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i]}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

/** "1 file", "2 files", "1,200 files": the noun agrees with the number */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** 1234567 -> "1,234,567" (toLocaleString loads ICU data: ~15 ms at start-up) */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
