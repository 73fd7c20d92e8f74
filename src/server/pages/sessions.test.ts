// The dashboard's session store: ids and CSRF tokens are random and distinct, a session ends
// at its expiry or its logout, and the CSRF check compares exactly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csrfMatches, SESSION_MS, SessionStore } from './sessions.js';

test('a session lives SESSION_MS from its login, or until it is ended', () => {
  let now = 1_000_000;
  const store = new SessionStore(() => now);
  const a = store.create('ops', 'admin');
  const b = store.create('viewer', 'read');
  assert.notEqual(a.id, b.id);
  assert.notEqual(a.csrf, b.csrf);
  assert.ok(a.id.length >= 40 && a.csrf.length >= 40, 'at least 32 random bytes each');
  assert.equal(store.get(a.id)?.name, 'ops');
  assert.equal(store.get(undefined), undefined);
  assert.equal(store.get('made-up'), undefined);
  store.end(b.id);
  assert.equal(store.get(b.id), undefined);
  now += SESSION_MS - 1;
  assert.equal(store.get(a.id)?.role, 'admin');
  now += 1;
  assert.equal(store.get(a.id), undefined, 'expired');
});

test('the CSRF token must be the session\'s own, whole', () => {
  const s = new SessionStore().create('ops', 'admin');
  assert.equal(csrfMatches(s, s.csrf), true);
  assert.equal(csrfMatches(s, s.csrf.slice(1)), false);
  assert.equal(csrfMatches(s, `${s.csrf}x`), false);
  assert.equal(csrfMatches(s, undefined), false);
  assert.equal(csrfMatches(s, [s.csrf]), false);
});
