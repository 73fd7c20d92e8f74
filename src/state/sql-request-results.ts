// What a request leaves in SQL beside its counters: the errors of the files it could not
// copy, and the manifest of those it did, each listed a page at a time.
import type { Kysely } from 'kysely';
import { fromStoredText, toStoredText } from '../core/name-bytes.js';
import type { Database } from './schema.js';
import type { FileError, ManifestEntry, Page, StoredError } from './state-store.js';

export async function addErrors(db: Kysely<Database>, requestId: string, errors: readonly FileError[], now: number): Promise<void> {
  if (errors.length === 0) return;
  await db.insertInto('errors').values(errors.map((e) => ({ request_id: requestId, path: toStoredText(e.path), code: e.code, message: toStoredText(e.message), at: now }))).execute();
}

export async function listErrors(db: Kysely<Database>, requestId: string, limit: number, offset: number): Promise<Page<StoredError>> {
  const base = db.selectFrom('errors').where('request_id', '=', requestId);
  const rows = await base.select(['path', 'code', 'message', 'at']).orderBy('id').limit(limit).offset(offset).execute();
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { items: rows.map((r) => ({ path: fromStoredText(r.path), code: r.code, message: fromStoredText(r.message), at: Number(r.at) })), total: Number(total.n) };
}

export async function listManifest(db: Kysely<Database>, requestId: string, limit: number, offset: number): Promise<Page<ManifestEntry>> {
  const base = db.selectFrom('manifest').where('request_id', '=', requestId);
  const rows = await base.select(['path', 'size', 'mtime_ns', 'hash']).orderBy('path').limit(limit).offset(offset).execute();
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { items: rows.map((r) => ({ path: fromStoredText(r.path), size: Number(r.size), mtimeNs: r.mtime_ns, hash: r.hash })), total: Number(total.n) };
}
