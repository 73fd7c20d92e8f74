// GET /login, POST /login (an API token in, a session cookie out) and POST /logout. A read
// token logs in to look; an admin token to act too; an agent token and an unknown one are
// refused with a page that says why. Failed logins are throttled per address (login-throttle.ts).
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TokenConfig } from '../../config/service-config.js';
import { knownTokens, matchToken } from '../auth.js';
import { html, page, type Html } from './html.js';
import { clearSessionCookie, sessionOf, setSessionCookie, type GuardOptions } from './session-guard.js';
import { csrfMatches } from './sessions.js';
import { LOGIN_FAILURES_MAX, LOGIN_WINDOW_MS, LoginThrottle } from './login-throttle.js';
import { formatDuration } from '../../core/units.js';

function loginForm(message?: Html): Html {
  return html`${message ?? html``}
<form method="post" action="/login" class="login">
  <label>API token <input type="password" name="token" id="token" autocomplete="current-password" required autofocus></label>
  <button type="submit" id="login">Log in</button>
  <p class="hint">A token of the coordinator's <code>[[tokens]]</code>: a read token shows; an admin token also acts.</p>
</form>`;
}

function refuse(reply: FastifyReply, status: number, text: string): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').send(page('Log in', undefined, loginForm(html`<p class="error" role="alert" id="login-error">${text}</p>`)));
}

export function loginRoutes(app: FastifyInstance, tokens: readonly TokenConfig[], o: GuardOptions): void {
  const known = knownTokens(tokens);
  const throttle = new LoginThrottle();
  const opts = { config: { public: true }, schema: { hide: true } };

  app.get('/login', opts, (req, reply) => {
    if (!o.auth || sessionOf(req, o) !== undefined) return reply.redirect('/', 303);
    return reply.type('text/html; charset=utf-8').send(page('Log in', undefined, loginForm()));
  });

  app.post('/login', opts, (req, reply) => {
    if (!o.auth) return reply.redirect('/', 303);
    const wait = throttle.lockedFor(req.ip);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      void reply.header('retry-after', String(seconds));
      return refuse(reply, 429, `Too many failed logins from this address: try again in ${formatDuration(seconds)}.`);
    }
    const secret = (req.body as Record<string, unknown> | undefined)?.token;
    const t = typeof secret === 'string' && secret !== '' ? matchToken(known, secret) : undefined;
    if (t === undefined) {
      req.log.warn({ route: 'POST /login', from: req.ip }, `refused a dashboard login from ${req.ip}: ${typeof secret === 'string' && secret !== '' ? 'unknown API token' : 'no token'}`);
      if (throttle.failed(req.ip)) {
        req.log.warn({ route: 'POST /login', from: req.ip }, `${LOGIN_FAILURES_MAX} failed dashboard logins from ${req.ip}: its logins are refused (429) for up to ${formatDuration(LOGIN_WINDOW_MS / 1000)}`);
      }
      return refuse(reply, 401, typeof secret === 'string' && secret !== ''
        ? 'Unknown token: no [[tokens]] entry of this coordinator has it.' : 'Give an API token.');
    }
    if (t.role === 'agent') return refuse(reply, 403, `'${t.name}' is an agent token: log in with a read or an admin token.`);
    const s = o.sessions.create(t.name, t.role);
    setSessionCookie(reply, s, o);
    req.log.info({ token: t.name, from: req.ip }, `dashboard login of token '${t.name}' (${t.role}) from ${req.ip}`);
    return reply.redirect('/', 303);
  });

  app.post('/logout', opts, (req, reply) => {
    const s = sessionOf(req, o);
    // a logout from another site must not end the session: it carries the CSRF token too
    if (s !== undefined && !csrfMatches(s, (req.body as Record<string, unknown> | undefined)?._csrf)) {
      return reply.status(403).type('text/plain; charset=utf-8').send('a logout must come from a page of this dashboard (bad CSRF token): reload the page');
    }
    o.sessions.end(s?.id);
    clearSessionCookie(reply, o);
    return reply.redirect('/login', 303);
  });
}
