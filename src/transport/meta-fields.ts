// Typed reads of a frame's meta fields: a peer's frame is untrusted input, so every
// field is checked for type and range, and a bad one is an E_PROTOCOL error naming it.
import type { Entry, EntryType } from '../core/entry.js';
import { BargeError } from '../core/errors.js';
import type { EntryMeta, ListOptions, MetaChoice } from '../storage/storage.js';
import type { XattrKinds, XattrSet } from '../core/xattrs.js';
import type { Meta } from './frame-codec.js';

function bad(field: string, want: string): BargeError {
  return new BargeError('E_PROTOCOL', `frame field '${field}' must be ${want}`);
}

export function str(m: Meta, field: string): string {
  const v = m[field];
  if (typeof v !== 'string') throw bad(field, 'a string');
  return v;
}

export function optStr(m: Meta, field: string): string | undefined {
  return m[field] === undefined ? undefined : str(m, field);
}

/** a non-negative safe integer */
export function uint(m: Meta, field: string): number {
  const v = m[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad(field, 'a non-negative integer');
  return v;
}

export function bool(m: Meta, field: string): boolean {
  const v = m[field];
  if (typeof v !== 'boolean') throw bad(field, 'true or false');
  return v;
}

export function optBool(m: Meta, field: string): boolean | undefined {
  return m[field] === undefined ? undefined : bool(m, field);
}

/** a non-negative number that may be above 2^53 (inode numbers) */
function count(m: Meta, field: string): number {
  const v = m[field];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw bad(field, 'a non-negative number');
  return v;
}

function big(m: Meta, field: string): bigint {
  const v = m[field];
  if (typeof v !== 'bigint') throw bad(field, 'a big integer');
  return v;
}

function sub(m: Meta, field: string): Meta {
  const v = m[field];
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad(field, 'an object');
  return v as Meta;
}

export function entryMeta(m: Meta, field: string): EntryMeta {
  const o = sub(m, field);
  const meta: EntryMeta = { mode: uint(o, 'mode'), uid: uint(o, 'uid'), gid: uint(o, 'gid'), mtimeNs: big(o, 'mtimeNs') };
  if (o['xattrs'] !== undefined) meta.xattrs = xattrSet(o, 'xattrs');
  return meta;
}

function xattrKinds(m: Meta, field: string): XattrKinds {
  const o = sub(m, field);
  const kinds: XattrKinds = { acls: bool(o, 'acls'), xattrs: bool(o, 'xattrs') };
  if (optBool(o, 'userOnly') === true) kinds.userOnly = true;
  return kinds;
}

function wireKinds(k: XattrKinds): Meta {
  return k.userOnly === true ? { acls: k.acls, xattrs: k.xattrs, userOnly: true } : { acls: k.acls, xattrs: k.xattrs };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** -A / -X xattrs on the wire: { kinds: { acls, xattrs }, values: { name: base64 } } (docs/protocol.md) */
function xattrSet(m: Meta, field: string): XattrSet {
  const o = sub(m, field);
  const kinds = xattrKinds(o, 'kinds');
  const v = sub(o, 'values');
  const values = Object.create(null) as Record<string, Uint8Array>;
  for (const [name, text] of Object.entries(v)) {
    if (name === '' || Buffer.byteLength(name) > 255) throw bad(`${field}.values`, 'names of 1 to 255 bytes');
    if (typeof text !== 'string' || text.length % 4 !== 0 || !BASE64.test(text)) throw bad(`${field}.values`, 'base64 values');
    values[name] = Buffer.from(text, 'base64');
  }
  return { kinds, values };
}

/** a set as the wire carries it (Uint8Arrays would go into JSON as objects of numbers) */
export function wireXattrs(set: XattrSet): Meta {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(set.values)) values[name] = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  return { kinds: wireKinds(set.kinds), values };
}

/** an EntryMeta as sent: its xattrs (if any) in their wire form */
export function wireMeta(meta: EntryMeta): Meta {
  return meta.xattrs === undefined ? { ...meta } : { ...meta, xattrs: wireXattrs(meta.xattrs) };
}

/** an Entry as a listing or stat sends it */
export function wireEntry(e: Entry): Meta {
  return e.xattrs === undefined ? { ...e } : { ...e, xattrs: wireXattrs(e.xattrs) };
}

/** about the JSON bytes of an entry's xattrs (base64 values), for sizing a listing's parts */
export function xattrBytes(e: Entry): number {
  let n = 0;
  for (const [name, v] of Object.entries(e.xattrs?.values ?? {})) n += name.length + 8 + Math.ceil(v.length / 3) * 4;
  return n;
}

/**
 * e, checked to have the xattrs asked for: an agent older than -A / -X ignores the
 * request, and its entries without them would have every run set them again, unread
 */
export function withXattrs(e: Entry, opts: ListOptions | undefined, path: string): Entry {
  if (opts?.xattrs && (opts.xattrs.acls || opts.xattrs.xattrs) && e.xattrs === undefined) {
    throw new BargeError('E_UNSUPPORTED', 'the agent does not carry ACLs or extended attributes (-A / -X): it is older than this barge', { path });
  }
  return e;
}

/** a stat's or list's options: `xattrs` (kinds to read), `markXattrs` */
export function listOptions(m: Meta): ListOptions {
  const opts: ListOptions = {};
  if (m['xattrs'] !== undefined) opts.xattrs = xattrKinds(m, 'xattrs');
  const mark = optBool(m, 'markXattrs');
  if (mark !== undefined) opts.markXattrs = mark;
  return opts;
}

export function wireListOptions(opts: ListOptions | undefined): Meta {
  const o: Meta = {};
  if (opts?.xattrs) o['xattrs'] = wireKinds(opts.xattrs);
  if (opts?.markXattrs) o['markXattrs'] = true;
  return o;
}

export function metaChoice(m: Meta, field: string): MetaChoice {
  const o = sub(m, field);
  const fsync = optBool(o, 'fsync');
  return fsync === undefined ? { owner: bool(o, 'owner') } : { owner: bool(o, 'owner'), fsync };
}

const ENTRY_TYPES = new Set<string>(['file', 'dir', 'symlink', 'fifo', 'socket', 'device']);

export function entryType(m: Meta, field: string): EntryType {
  const v = str(m, field);
  if (!ENTRY_TYPES.has(v)) throw bad(field, 'an entry type');
  return v as EntryType;
}

/** an Entry as a listing sends it (checked field by field: the client trusts no peer either) */
export function entry(o: Meta): Entry {
  const e: Entry = {
    name: str(o, 'name'), type: entryType(o, 'type'), size: uint(o, 'size'), mtimeNs: big(o, 'mtimeNs'), mode: uint(o, 'mode'),
    uid: uint(o, 'uid'), gid: uint(o, 'gid'), dev: count(o, 'dev'), ino: count(o, 'ino'), nlink: uint(o, 'nlink'), allocated: uint(o, 'allocated'),
  };
  const linkKey = optStr(o, 'linkKey');
  if (linkKey !== undefined) e.linkKey = linkKey;
  const linkTarget = optStr(o, 'linkTarget');
  if (linkTarget !== undefined) e.linkTarget = linkTarget;
  if (o['ctimeNs'] !== undefined) e.ctimeNs = big(o, 'ctimeNs');
  if (o['xattrs'] !== undefined) e.xattrs = xattrSet(o, 'xattrs');
  if (optBool(o, 'xattrsNotCarried') === true) e.xattrsNotCarried = true;
  return e;
}

export function entries(v: unknown, field: string): Entry[] {
  if (!Array.isArray(v)) throw bad(field, 'a list of entries');
  return v.map((x: unknown) => {
    if (x === null || typeof x !== 'object' || Array.isArray(x)) throw bad(field, 'a list of entries');
    return entry(x as Meta);
  });
}

/** a list of exactly `n` booleans */
export function bools(m: Meta, field: string, n: number): boolean[] {
  const v = m[field];
  if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === 'boolean')) throw bad(field, `a list of ${n} booleans`);
  return v;
}

/** a write-many call's files, [name, offset, length, meta, sentHash] each, every range inside the call's `dataLength` bytes */
export function manyWrites(m: Meta, field: string, dataLength: number): { name: string; offset: number; length: number; meta: EntryMeta; sentHash: string }[] {
  const v = m[field];
  if (!Array.isArray(v) || v.length === 0) throw bad(field, 'a list of files');
  return v.map((x: unknown) => {
    if (!Array.isArray(x) || x.length !== 5) throw bad(field, 'a list of [name, offset, length, meta, sentHash]');
    const o: Meta = { name: x[0], offset: x[1], length: x[2], meta: x[3], sentHash: x[4] };
    const w = { name: str(o, 'name'), offset: uint(o, 'offset'), length: uint(o, 'length'), meta: entryMeta(o, 'meta'), sentHash: str(o, 'sentHash') };
    if (w.offset + w.length > dataLength) throw bad(field, `ranges inside the call's ${dataLength} data bytes`);
    return w;
  });
}
