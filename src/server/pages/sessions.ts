// The dashboard's logins: a random session id in an HTTP-only, SameSite=Strict cookie, and
// what it stands for (the token's name and role, a CSRF token, an expiry) kept here in
// memory. Server-side sessions, not signed cookies: a logout ends a session at once, and no
// signing key needs keeping; a restart of the coordinator logs everyone out.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { TokenRole } from '../../config/service-config.js';

export const SESSION_COOKIE = 'barge_session';
/** a session lasts this long after its login, used or not */
export const SESSION_MS = 12 * 60 * 60_000;
/** at most this many sessions at once; the oldest goes first (a flood of logins cannot fill memory) */
const MAX_SESSIONS = 10_000;

export interface Session {
  id: string;
  /** the [[tokens]] name (the actor of its actions in the audit trail); "anonymous@ADDRESS" with auth off */
  name: string;
  role: TokenRole;
  /** sent back with every form and htmx call that changes something */
  csrf: string;
  expires: number;
}

const token = (): string => randomBytes(32).toString('base64url');

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly now: () => number = Date.now) {}

  create(name: string, role: TokenRole): Session {
    const t = this.now();
    for (const [id, s] of this.sessions) if (s.expires <= t) this.sessions.delete(id);
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value as string);
    const s: Session = { id: token(), name, role, csrf: token(), expires: t + SESSION_MS };
    this.sessions.set(s.id, s);
    return s;
  }

  /** the live session of this id, if any */
  get(id: string | undefined): Session | undefined {
    if (id === undefined) return undefined;
    const s = this.sessions.get(id);
    if (s === undefined) return undefined;
    if (s.expires <= this.now()) { this.sessions.delete(id); return undefined; }
    return s;
  }

  end(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(id);
  }
}

/** the CSRF token a call carried is its session's, compared in constant time */
export function csrfMatches(s: Session, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(s.csrf);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
