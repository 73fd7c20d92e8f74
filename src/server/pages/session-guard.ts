// Who is looking at a page, and may they act: the session of the request's cookie (auth off:
// an admin session made on the first visit, so forms still carry a CSRF token), a redirect
// to /login without one, and the checks every action runs (admin role, CSRF token).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BargeError } from '../../core/errors.js';
import { anonymousActor } from '../../core/request-audit.js';
import { csrfMatches, SESSION_COOKIE, SESSION_MS, type Session, type SessionStore } from './sessions.js';

export interface GuardOptions {
  sessions: SessionStore;
  /** false: no login; everyone is admin (a laptop, tests) */
  auth: boolean;
  /** the API speaks HTTPS: the cookie is Secure */
  secure: boolean;
}

export function setSessionCookie(reply: FastifyReply, s: Session, o: GuardOptions): void {
  void reply.setCookie(SESSION_COOKIE, s.id, {
    path: '/', httpOnly: true, sameSite: 'strict', secure: o.secure, maxAge: Math.floor(SESSION_MS / 1000),
  });
}

export function clearSessionCookie(reply: FastifyReply, o: GuardOptions): void {
  void reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: o.secure });
}

/** the session of this request, if its cookie names a live one */
export function sessionOf(req: FastifyRequest, o: GuardOptions): Session | undefined {
  return o.sessions.get(req.cookies[SESSION_COOKIE]);
}

/** the viewer of a page: undefined after the reply was sent as a redirect to the login page */
export function viewer(req: FastifyRequest, reply: FastifyReply, o: GuardOptions): Session | undefined {
  const s = sessionOf(req, o);
  if (s !== undefined) return s;
  if (!o.auth) {
    const made = o.sessions.create(anonymousActor(req.ip), 'admin');
    setSessionCookie(reply, made, o);
    return made;
  }
  void reply.redirect('/login', 303);
  return undefined;
}

/** the session an action is taken in: refused without a session, without the admin role or without its CSRF token */
export function actor(req: FastifyRequest, o: GuardOptions): Session {
  const s = sessionOf(req, o);
  if (s === undefined) throw new BargeError('E_AUTH', 'not logged in (or the session ended): log in again at /login');
  const body = req.body as Record<string, unknown> | undefined;
  const given = req.headers['x-csrf-token'] ?? body?._csrf;
  if (!csrfMatches(s, given)) throw new BargeError('E_FORBIDDEN', 'the form is stale or did not come from this dashboard (bad CSRF token): reload the page');
  if (s.role !== 'admin') throw new BargeError('E_FORBIDDEN', `'${s.name}' is a ${s.role} token: only an admin token may act on requests`);
  return s;
}
