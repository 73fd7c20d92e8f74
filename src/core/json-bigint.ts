// JSON that keeps bigints (mtimes in ns) and bytes (xattr values, -A / -X): a bigint is
// written as {"$big":"123"} and bytes (a Uint8Array or Buffer) as {"$bytes":"base64"},
// which no value barge stores has otherwise, and read back as a bigint and a Uint8Array.

export function stringifyWithBigints(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, k: string, v: unknown) {
    if (typeof v === 'bigint') return { $big: v.toString() };
    if (v === null || typeof v !== 'object') return v;
    // the value before toJSON: a Buffer has made itself {type, data} by now
    const raw = this[k];
    return raw instanceof Uint8Array ? { $bytes: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') } : v;
  });
}

export function parseWithBigints<T>(text: string): T {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1 && keys[0] === '$big' && typeof o.$big === 'string') return BigInt(o.$big);
      if (keys.length === 1 && keys[0] === '$bytes' && typeof o.$bytes === 'string') return new Uint8Array(Buffer.from(o.$bytes, 'base64'));
    }
    return v;
  }) as T;
}
