// Typed reads from one parsed TOML table. Every failure names the file and the dotted key, and a
// table refuses keys it does not know, so a typo ("wirte") is an error rather than a silent default.
import { parseSize } from '../core/units.js';
import { configError, describeValue } from './config-error.js';
import { checkWholeNumber, parseDuration, secondsToMs } from './parse-values.js';

export type Table = Record<string, unknown>;

export function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** A key as TOML would need it written: bare, or quoted when it holds other characters. */
function keyPart(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
}

export class TableReader {
  constructor(readonly file: string, readonly keyPath: string, private readonly values: Table) {}

  /** "barge.toml: endpoints.panda.write" for a key, "barge.toml: endpoints.panda" for the table itself. */
  where(key?: string): string {
    return `${this.file}: ${key === undefined ? this.keyPath : this.pathOf(key)}`;
  }

  private pathOf(key: string): string {
    return this.keyPath === '' ? keyPart(key) : `${this.keyPath}.${keyPart(key)}`;
  }

  /** the table's raw values, for a reader that parses them itself (a storage kind) */
  raw(): Readonly<Table> {
    return this.values;
  }

  keys(): string[] {
    return Object.keys(this.values);
  }

  allowKeys(allowed: readonly string[]): this {
    for (const key of this.keys()) if (!allowed.includes(key)) throw configError(this.where(key), 'unknown key');
    return this;
  }

  has(key: string): boolean {
    return Object.hasOwn(this.values, key);
  }

  private value(key: string): unknown {
    return this.has(key) ? this.values[key] : undefined;
  }

  string(key: string): string | undefined {
    const v = this.value(key);
    if (v === undefined || typeof v === 'string') return v;
    throw configError(this.where(key), `expected a string, got ${describeValue(v)}`);
  }

  requiredString(key: string): string {
    const v = this.string(key);
    if (v === undefined) throw configError(this.where(key), 'missing (required)');
    if (v === '') throw configError(this.where(key), 'must not be empty');
    return v;
  }

  boolean(key: string): boolean | undefined {
    const v = this.value(key);
    if (v === undefined || typeof v === 'boolean') return v;
    throw configError(this.where(key), `expected true or false, got ${describeValue(v)}`);
  }

  integer(key: string, min: number, max: number): number | undefined {
    const v = this.value(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'number') throw configError(this.where(key), `expected a whole number, got ${describeValue(v)}`);
    return checkWholeNumber(v, this.where(key), min, max);
  }

  /** Bytes, from a whole number or "1GB"-style text (a trailing "/s" allowed: a rate), at least 1. */
  size(key: string): number | undefined {
    const v = this.value(key);
    if (v === undefined) return undefined;
    const bad = (): Error => configError(this.where(key), `expected a whole number of bytes or a size such as "1GB", got ${describeValue(v)}`);
    let n: number;
    if (typeof v === 'string') {
      try { n = parseSize(v.replace(/\/s\s*$/i, '')); } catch { throw bad(); }
    } else if (typeof v === 'number' && Number.isInteger(v)) {
      n = v;
    } else {
      throw bad();
    }
    if (n < 1) throw configError(this.where(key), `must be at least 1, got ${describeValue(v)}`);
    return n;
  }

  /** An array of non-empty strings (a single string counts as one). */
  strings(key: string): string[] | undefined {
    const v = this.value(key);
    if (v === undefined) return undefined;
    const items: unknown[] = Array.isArray(v) ? v : [v];
    return items.map((item, i) => {
      if (typeof item !== 'string' || item === '') throw configError(this.where(key), `expected an array of strings, got ${describeValue(item)} at [${i}]`);
      return item;
    });
  }

  /** Milliseconds, from "30s"-style text or a number of seconds. */
  duration(key: string): number | undefined {
    const v = this.value(key);
    if (v === undefined) return undefined;
    if (typeof v === 'string') return parseDuration(v, this.where(key));
    if (typeof v === 'number') return secondsToMs(v, this.where(key));
    throw configError(this.where(key), `expected a duration such as "30s" or a number of seconds, got ${describeValue(v)}`);
  }

  table(key: string): TableReader | undefined {
    const v = this.value(key);
    if (v === undefined) return undefined;
    if (!isTable(v)) throw configError(this.where(key), `expected a table ([${this.pathOf(key)}]), got ${describeValue(v)}`);
    return new TableReader(this.file, this.pathOf(key), v);
  }

  /** A table of named tables, as [endpoints.panda]: each entry with its name. */
  namedTables(key: string): Array<[string, TableReader]> | undefined {
    const outer = this.table(key);
    if (outer === undefined) return undefined;
    return outer.keys().map((name) => {
      const inner = outer.table(name);
      if (inner === undefined) throw new Error('unreachable: a listed key has a value');
      return [name, inner];
    });
  }

  /** An array of tables, as [[tokens]]: each element named key[i]. */
  tableArray(key: string): TableReader[] | undefined {
    const v = this.value(key);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) throw configError(this.where(key), `expected an array of tables ([[${this.pathOf(key)}]]), got ${describeValue(v)}`);
    return v.map((item: unknown, i) => {
      const itemPath = `${this.pathOf(key)}[${i}]`;
      if (!isTable(item)) throw configError(`${this.file}: ${itemPath}`, `expected a table, got ${describeValue(item)}`);
      return new TableReader(this.file, itemPath, item);
    });
  }
}
