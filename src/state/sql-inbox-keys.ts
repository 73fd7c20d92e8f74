// The drop-folder inbox's table in SQL (inbox_keys, migration 009-inbox-keys): which request
// each inbox file became, looked up by the file's key, so no file makes two requests.
import type { Kysely } from 'kysely';
import type { RequestState } from '../core/request-states.js';
import type { Database } from './schema.js';
import type { InboxKeyEntry } from './state-store.js';

export async function addInboxKey(db: Kysely<Database>, e: InboxKeyEntry, now: number): Promise<boolean> {
  const res = await db.insertInto('inbox_keys').values({ key: e.key, request_id: e.requestId, file_name: e.fileName, created_at: now })
    .onConflict((oc) => oc.column('key').doNothing()).executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
}

const entry = (r: { key: string; request_id: string; file_name: string }): InboxKeyEntry => ({ key: r.key, requestId: r.request_id, fileName: r.file_name });

export async function inboxKey(db: Kysely<Database>, key: string): Promise<InboxKeyEntry | undefined> {
  const r = await db.selectFrom('inbox_keys').select(['key', 'request_id', 'file_name']).where('key', '=', key).executeTakeFirst();
  return r && entry(r);
}

export async function inboxKeysOf(db: Kysely<Database>, requestId: string): Promise<InboxKeyEntry[]> {
  const rows = await db.selectFrom('inbox_keys').select(['key', 'request_id', 'file_name']).where('request_id', '=', requestId).orderBy('key').execute();
  return rows.map(entry);
}

export async function listInboxKeys(db: Kysely<Database>): Promise<(InboxKeyEntry & { state: RequestState })[]> {
  const rows = await db.selectFrom('inbox_keys as k').innerJoin('requests as r', 'r.id', 'k.request_id')
    .select(['k.key', 'k.request_id', 'k.file_name', 'r.state']).orderBy('k.created_at').orderBy('k.key').execute();
  return rows.map((r) => ({ ...entry(r), state: r.state as RequestState }));
}
