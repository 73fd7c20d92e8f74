import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BargeError } from '../../core/errors.js';
import { ApiClient, ServerError } from './api-client.js';
import { readToken, resolveServer } from './client-options.js';
import { buildSubmitBody, parseDeadline, parseEndpointPath, type SubmitFlags } from './submit-body.js';

const noList = (): string[] => { throw new Error('--files-from not expected'); };

function usageError(fn: () => unknown, mentions: string | RegExp, label: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof BargeError, `${label}: a BargeError`);
    assert.equal(e.code, 'E_USAGE', `${label}: code`);
    if (typeof mentions === 'string') assert.ok(e.message.includes(mentions), `${label}: '${e.message}' names ${mentions}`);
    else assert.match(e.message, mentions, label);
    return true;
  });
}

test('ENDPOINT:/path: a leading slash is added, anything without a name is refused', () => {
  assert.deepEqual(parseEndpointPath('panda:/user_xyz', 'SRC'), { endpoint: 'panda', path: '/user_xyz' });
  assert.deepEqual(parseEndpointPath('panda:user/x', 'SRC'), { endpoint: 'panda', path: '/user/x' });
  assert.deepEqual(parseEndpointPath('badger:', 'DST'), { endpoint: 'badger', path: '/' });
  assert.deepEqual(parseEndpointPath('a.b-c_1:/x:y', 'DST'), { endpoint: 'a.b-c_1', path: '/x:y' });
  for (const bad of ['panda', '/abs/path', ':/x', '', 'pan da:/x', 'a/b:/x']) {
    usageError(() => parseEndpointPath(bad, 'SRC'), 'expected ENDPOINT:/path', `'${bad}'`);
  }
});

test('submit: the least body and the fullest body', () => {
  assert.deepEqual(buildSubmitBody('panda:/u', 'badger:', {}, noList), { source: 'panda:/u', destination: 'badger:/' });
  const flags: SubmitFlags = {
    id: 'job-1.a_b', delete: true, maxDelete: '100', checksum: true, ignoreExisting: true, verify: true, keepCache: true, hash: 'SHA256',
    priority: '10', filter: [{ kind: 'exclude', pattern: '*.tmp' }, { kind: 'include', pattern: 'a/**' }],
    minSize: '1K', maxSize: '2M', minAge: '1h', maxAge: '7d', filesFrom: 'list.txt',
  };
  assert.deepEqual(buildSubmitBody('panda:/u', 'badger:/d', flags, (p) => (p === 'list.txt' ? ['a/b.dat', 'c'] : [])), {
    id: 'job-1.a_b', source: 'panda:/u', destination: 'badger:/d',
    delete: true, maxDelete: 100, checksum: true, ignoreExisting: true, verify: true, keepCache: true, hash: 'sha256', priority: 10,
    filters: {
      rules: [{ kind: 'exclude', pattern: '*.tmp' }, { kind: 'include', pattern: 'a/**' }],
      minSize: 1024, maxSize: 2 * 1024 * 1024, minAge: 3600, maxAge: 7 * 86400,
    },
    files: ['a/b.dat', 'c'],
  });
  assert.deepEqual(buildSubmitBody('p:/', 'q:/', { sizeOnly: true, priority: '1' }, noList), { source: 'p:/', destination: 'q:/', sizeOnly: true, priority: 1 });
});

test('submit: every bad value is a usage error naming its flag', () => {
  const cases: [SubmitFlags, string | RegExp][] = [
    [{ id: '' }, '--id'], [{ id: 'a b' }, '--id'], [{ id: 'x'.repeat(129) }, '--id'], [{ id: 'a/b' }, '--id'],
    [{ checksum: true, sizeOnly: true }, /--checksum and --size-only/],
    [{ maxDelete: '10' }, '--max-delete needs --delete'],
    [{ delete: true, maxDelete: 'ten' }, '--max-delete'], [{ delete: true, maxDelete: '-1' }, '--max-delete'],
    [{ hash: 'crc32' }, '--hash'], [{ hash: '' }, '--hash'],
    [{ priority: '0' }, '--priority'], [{ priority: '11' }, '--priority'], [{ priority: 'high' }, '--priority'],
    [{ priority: '5.5' }, '--priority'], [{ priority: '' }, '--priority'], [{ priority: '-3' }, '--priority'],
    [{ filter: [{ kind: 'include', pattern: '' }] }, '--include'], [{ filter: [{ kind: 'exclude', pattern: '[ab' }] }, '--exclude'],
    [{ minSize: '10Q' }, '--min-size'], [{ maxSize: 'big' }, '--max-size'], [{ minSize: '-1' }, '--min-size'],
    [{ minSize: '2M', maxSize: '1M' }, /--min-size 2M is larger than --max-size 1M/],
    [{ minAge: '7x' }, '--min-age'], [{ maxAge: 'old' }, '--max-age'], [{ maxAge: '-1d' }, '--max-age'],
    [{ minAge: '2d', maxAge: '1d' }, /--min-age 2d is larger than --max-age 1d/],
  ];
  for (const [flags, mentions] of cases) usageError(() => buildSubmitBody('p:/a', 'q:/b', flags, noList), mentions, JSON.stringify(flags));
  usageError(() => buildSubmitBody('p', 'q:/b', {}, noList), /bad SRC 'p': expected ENDPOINT:\/path/, 'bad SRC');
  usageError(() => buildSubmitBody('p:/a', '/tmp/b', {}, noList), /bad DST '\/tmp\/b': expected ENDPOINT:\/path/, 'bad DST');
  usageError(() => buildSubmitBody('p:/a', 'q:/b', { filesFrom: 'empty' }, () => []), /--files-from 'empty' lists no paths/, 'empty list');
  usageError(() => buildSubmitBody('p:/a', 'q:/b', { filesFrom: '/nonexistent/list' }), /cannot read --files-from '\/nonexistent\/list': ENOENT/, 'unreadable list');
});

test('server address and token: defaults, the environment, bad values', () => {
  assert.equal(resolveServer(undefined, undefined), 'http://127.0.0.1:7700');
  assert.equal(resolveServer(undefined, 'https://c.example:8443/'), 'https://c.example:8443');
  assert.equal(resolveServer('host:7700', 'http://ignored'), 'http://host:7700');
  assert.equal(resolveServer('http://h/prefix/', undefined), 'http://h/prefix');
  usageError(() => resolveServer('ftp://h', undefined), "bad --server 'ftp://h'", 'ftp');
  usageError(() => resolveServer('http://h:99999', undefined), '--server', 'bad port');
  usageError(() => resolveServer(undefined, 'http://h/?q=1'), 'BARGE_SERVER', 'query');
  assert.equal(readToken(undefined, ' s3cret\n'), 's3cret');
  assert.equal(readToken(undefined, ''), undefined);
  usageError(() => readToken('/nonexistent/token', 'x'), /cannot read --token-file '\/nonexistent\/token': ENOENT/, 'token file');
});

test('errors from the server and from the network', async () => {
  const e = new ServerError(404, 'E_NOT_FOUND', 'no request r-9');
  assert.equal(e.message, 'server: 404 E_NOT_FOUND: no request r-9');
  assert.equal(e.code, 'E_NOT_FOUND');
  assert.equal(new ServerError(500, 'E_WHATEVER', 'x').code, 'E_INTERNAL');
  // a port nothing listens on (a real refused connection, no server involved)
  const { createServer } = await import('node:net');
  const srv = createServer();
  const port = await new Promise<number>((resolve) => srv.listen(0, '127.0.0.1', () => resolve((srv.address() as { port: number }).port)));
  await new Promise((resolve) => srv.close(resolve));
  const api = new ApiClient({ baseUrl: `http://127.0.0.1:${port}`, token: undefined });
  await assert.rejects(api.request('r-1'), (err: unknown) => {
    assert.ok(err instanceof BargeError && !(err instanceof ServerError));
    assert.match(err.message, new RegExp(`^cannot reach the coordinator at http://127\\.0\\.0\\.1:${port}: connection refused`));
    return true;
  });
});

test('--deadline: a time or a span from now, in the future, sent as ISO 8601 UTC', () => {
  const now = Date.parse('2027-01-01T00:00:00Z');
  assert.equal(parseDeadline('6h', now), '2027-01-01T06:00:00.000Z');
  assert.equal(parseDeadline('2d', now), '2027-01-03T00:00:00.000Z');
  assert.equal(parseDeadline('2027-02-01T18:00:00+01:00', now), '2027-02-01T17:00:00.000Z');
  for (const [text, message] of [['2026-12-31T00:00:00Z', /that time has passed/], ['2027-13-45T00:00:00Z', /not a time/], ['soon', /bad --deadline 'soon'/], ['0s', /must be in the future/]] as const) {
    assert.throws(() => parseDeadline(text, now), (e: unknown) => e instanceof BargeError && e.code === 'E_USAGE' && message.test(e.message), text);
  }
});
