import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BargeError } from './errors.js';
import { compileGlob, globMatches } from './glob.js';

const m = (pattern: string, rel: string, isDir = false): boolean =>
  globMatches(compileGlob(pattern), rel, rel.slice(rel.lastIndexOf('/') + 1), isDir);

test('a pattern without a slash matches the name at any depth', () => {
  assert.ok(m('*.log', 'a/b/x.log'));
  assert.ok(!m('*.log', 'a/b/x.logs'));
  assert.ok(m('x?', 'x1'));
  assert.ok(!m('x?', 'x/1'));
});

test('a pattern with a slash is anchored at the root', () => {
  assert.ok(m('/a/*.txt', 'a/b.txt'));
  assert.ok(!m('/a/*.txt', 'z/a/b.txt'));
  assert.ok(!m('a/*.txt', 'a/b/c.txt'));
  assert.ok(m('a/**/c.txt', 'a/b/d/c.txt'));
  assert.ok(m('a/**/c.txt', 'a/c.txt'));
});

test('a trailing slash matches directories only; classes and escapes work', () => {
  assert.ok(m('tmp/', 'x/tmp', true));
  assert.ok(!m('tmp/', 'x/tmp', false));
  assert.ok(m('[ab]*', 'bee'));
  assert.ok(!m('[!ab]*', 'bee'));
  assert.ok(m('\\*', '*'));
  assert.ok(!m('\\*', 'x'));
  assert.ok(m('a.b', 'a.b') && !m('a.b', 'axb'));
});

test('bad patterns are refused with their text', () => {
  assert.throws(() => compileGlob('[abc'), (e: unknown) => e instanceof BargeError && e.code === 'E_USAGE' && e.message.includes('[abc'));
  assert.throws(() => compileGlob(''), BargeError);
});
