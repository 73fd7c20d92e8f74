import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BargeError } from './errors.js';
import { compileGlob, globMatches } from './glob.js';

// what rsync does with each of these is checked against rsync itself in test/glob-rsync-oracle.test.ts
const m = (pattern: string, rel: string, isDir = false): boolean =>
  globMatches(compileGlob(pattern), rel, rel.slice(rel.lastIndexOf('/') + 1), isDir);

test('a pattern without a slash matches the name at any depth', () => {
  assert.ok(m('*.log', 'a/b/x.log'));
  assert.ok(!m('*.log', 'a/b/x.logs'));
  assert.ok(m('x?', 'x1'));
  assert.ok(!m('x?', 'x/1'));
});

test('a leading slash anchors at the top; an inner slash matches the last names; ** crosses directories', () => {
  assert.ok(m('/a/*.txt', 'a/b.txt'));
  assert.ok(!m('/a/*.txt', 'z/a/b.txt'));
  assert.ok(m('/foo', 'foo') && !m('/foo', 'bar/foo'));
  assert.ok(m('a/*.txt', 'z/a/b.txt'), 'as rsync: the last two names');
  assert.ok(!m('a/*.txt', 'a/b/c.txt'));
  assert.ok(m('a/**/c.txt', 'a/b/d/c.txt'));
  assert.ok(!m('a/**/c.txt', 'a/c.txt'), 'as rsync: ** then / needs a directory');
  assert.ok(m('**/c.txt', 'c.txt'), 'a leading **/ matches at the top too');
  assert.ok(m('bar/**', 'x/bar/baz/foo'));
});

test('a trailing slash matches directories only; dir/*** matches the directory and all in it', () => {
  assert.ok(m('tmp/', 'x/tmp', true));
  assert.ok(!m('tmp/', 'x/tmp', false));
  assert.ok(m('bar/***', 'bar', true) && m('bar/***', 'bar/a/b') && !m('bar/**', 'bar', true));
});

test('classes: ] first is a member, POSIX classes, ranges, negation that never matches /', () => {
  assert.ok(m('[ab]*', 'bee'));
  assert.ok(!m('[!ab]*', 'bee'));
  assert.ok(m('x[]]y', 'x]y'));
  assert.ok(m('x[[:digit:]]y', 'x1y') && !m('x[[:digit:]]y', 'xay'));
  assert.ok(m('x[^a-z]y', 'x1y') && !m('x[^a-z]y', 'xby'));
  assert.ok(!m('/a[!x]b/c', 'a/b/c'));
  assert.ok(m('\\*', '*'));
  assert.ok(!m('\\*', 'x'));
  assert.ok(m('a.b', 'a.b') && !m('a.b', 'axb'));
  assert.ok(m('a\\b', 'a\\b'), 'without wildcards a backslash is a character');
});

test('a pattern rsync cannot read (it would match nothing) is refused, as is an empty one', () => {
  const refused = (p: string, why: RegExp): void => assert.throws(() => compileGlob(p), (e: unknown) => e instanceof BargeError && e.code === 'E_USAGE' && e.message.includes(`'${p}'`) && why.test(e.message), p);
  for (const p of ['[abc', 'a[', '[[:alpha:]', 'x[!]y', '*[']) refused(p, /'\[' without a closing '\]'/);
  refused('[[:bogus:]]', /no character class '\[:bogus:\]'/);
  assert.ok(m('a\\[', 'a['), 'an escaped [ is a character');
  assert.throws(() => compileGlob(''), BargeError);
  assert.throws(() => compileGlob('/'), BargeError);
});
