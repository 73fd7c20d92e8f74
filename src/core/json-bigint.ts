// JSON that keeps bigints (mtimes in ns): a bigint is written as {"$big":"123"}, which no
// value barge stores has otherwise, and read back as a bigint.

export function stringifyWithBigints(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? { $big: v.toString() } : v));
}

export function parseWithBigints<T>(text: string): T {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1 && keys[0] === '$big' && typeof o.$big === 'string') return BigInt(o.$big);
    }
    return v;
  }) as T;
}
