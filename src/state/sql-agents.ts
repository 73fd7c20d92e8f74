// The agents table in SQL: an agent's row written at enrolment (or claimed, when the name
// may be held by another process), its secret's hash, its heartbeats, the listing, removal.
// (Pruning the long lost is in sql-request-audit.ts.)
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { agentRow } from './row-records.js';
import type { AgentIdentity, AgentRecord } from './state-store.js';

export async function upsertAgent(db: Kysely<Database>, a: AgentRecord): Promise<void> {
  const row = agentRow(a, null);
  await db.insertInto('agents').values(row).onConflict((oc) => oc.column('id').doUpdateSet(row)).execute();
}

/** true when the name was free, or its holder last seen before `staleBefore`: the row is this agent's now */
export async function claimAgent(db: Kysely<Database>, a: AgentRecord, secretHash: string, staleBefore: number): Promise<boolean> {
  const row = agentRow(a, secretHash);
  // the check and the write are one statement, so two claims cannot both see the name free;
  // RETURNING names a row only when it was inserted or updated
  const took = await db.insertInto('agents').values(row)
    .onConflict((oc) => oc.column('id').doUpdateSet(row).where('agents.last_seen', '<', staleBefore))
    .returning('id').executeTakeFirst();
  return took !== undefined;
}

export async function agentIdentity(db: Kysely<Database>, agentId: string): Promise<AgentIdentity | undefined> {
  const r = await db.selectFrom('agents').select(['secret_hash', 'protocol', 'version']).where('id', '=', agentId).executeTakeFirst();
  return r === undefined ? undefined : { secretHash: r.secret_hash, protocol: r.protocol === null ? null : Number(r.protocol), version: r.version };
}

export async function heartbeat(db: Kysely<Database>, agentId: string, running: number, now: number): Promise<void> {
  await db.updateTable('agents').set({ last_seen: now, running }).where('id', '=', agentId).execute();
}

export async function listAgents(db: Kysely<Database>): Promise<AgentRecord[]> {
  const rows = await db.selectFrom('agents').selectAll().orderBy('name').execute();
  return rows.map((r) => ({
    id: r.id, name: r.name, site: r.site, endpoints: JSON.parse(r.endpoints) as string[], slots: r.slots, running: r.running,
    coordinator: r.coordinator, startedAt: Number(r.started_at), lastSeen: Number(r.last_seen),
    ...(r.data_address === null ? {} : { dataAddress: r.data_address }),
    ...(r.data_tls === 1 ? { dataTls: true } : {}),
    ...(r.version === null ? {} : { version: r.version }), ...(r.protocol === null ? {} : { protocol: Number(r.protocol) }),
  }));
}

export async function removeAgent(db: Kysely<Database>, agentId: string): Promise<void> {
  await db.deleteFrom('agents').where('id', '=', agentId).execute();
}
