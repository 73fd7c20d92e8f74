// Who did what to a request: the audit trail's entries as the store keeps them and the API
// shows them. The actor is the name of the API token the call carried (its [[tokens]]
// entry); with auth off, `anonymous@ADDRESS`, the caller's address as the server saw it.
import type { RequestAction } from './request-states.js';

/** submit, the operator's actions on a request, and a change of its priority */
export type AuditAction = 'submit' | RequestAction | 'priority';
export const AUDIT_ACTIONS: readonly AuditAction[] = ['submit', 'cancel', 'pause', 'resume', 'retry', 'priority'];

export interface AuditEntry {
  /** milliseconds since the epoch */
  at: number;
  actor: string;
  action: AuditAction;
  /** what the action carried beyond its name (a new priority), or null */
  detail: string | null;
}

/** the actor of a call made without a token (auth off): who it was is known only by where it came from */
export function anonymousActor(address: string): string {
  return `anonymous@${address}`;
}
