// The audit trail of requests and the agents' table upkeep, in SQL: who did what to a request
// (request_audit), the submitter a request's row is read with, and the pruning of agents
// long lost.
import type { ExpressionBuilder, Kysely } from 'kysely';
import type { AuditAction, AuditEntry } from '../core/request-audit.js';
import type { Database } from './schema.js';
import type { Page } from './state-store.js';

/** the actor of a request's first submit entry, as a column of a query on `requests` */
export function submittedBy(eb: ExpressionBuilder<Database, 'requests'>) {
  return eb.selectFrom('request_audit as a').select('a.actor').whereRef('a.request_id', '=', 'requests.id').where('a.action', '=', 'submit')
    .orderBy('a.id').limit(1).as('submitted_by');
}

export async function addAudit(db: Kysely<Database>, requestId: string, e: AuditEntry): Promise<void> {
  await db.insertInto('request_audit').values({ request_id: requestId, at: e.at, actor: e.actor, action: e.action, detail: e.detail }).execute();
}

export async function listAudit(db: Kysely<Database>, requestId: string, limit: number, offset: number): Promise<Page<AuditEntry>> {
  const base = db.selectFrom('request_audit').where('request_id', '=', requestId);
  const rows = await base.select(['at', 'actor', 'action', 'detail']).orderBy('id').limit(limit).offset(offset).execute();
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return {
    items: rows.map((r) => ({ at: Number(r.at), actor: r.actor, action: r.action as AuditAction, detail: r.detail })),
    total: Number(total.n),
  };
}

/**
 * Agents last heard from before `seenBefore` go, unless they hold a lease: one statement, so a
 * lease taken meanwhile keeps its agent (the lease's row and this delete cannot both win).
 */
export async function pruneAgents(db: Kysely<Database>, seenBefore: number): Promise<string[]> {
  const rows = await db.deleteFrom('agents').where('last_seen', '<', seenBefore)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('tasks').select('tasks.id').whereRef('tasks.lease_agent', '=', 'agents.id').where('tasks.state', '=', 'leased'))))
    .returning('id').execute();
  return rows.map((r) => r.id);
}
