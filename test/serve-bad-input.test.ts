// Bad input to a real `barge serve` over HTTP: each is refused with 400 E_BAD_INPUT naming
// the field, never a 500 from the database or a request that fails later.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runBarge } from './helpers/run-cli.js';
import { ADMIN_SECRET, startService, stopService, writeServiceConfig, type Service } from './helpers/service.js';

interface ErrorBody { error: { code: string; message: string } }

describe('barge serve refuses bad input with 400 E_BAD_INPUT', () => {
  let dir = '';
  let s: Service;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-bad-input-'));
    fs.mkdirSync(path.join(dir, 'src'));
    fs.mkdirSync(path.join(dir, 'dst'));
    fs.writeFileSync(path.join(dir, 'src', 'a'), 'a');
    s = await startService(['--config', writeServiceConfig(dir, path.join(dir, 'src'), path.join(dir, 'dst')), '--db', 'memory']);
  });
  after(async () => {
    await stopService(s);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('paging: an offset or limit out of range names the field, on every paged route', async () => {
    const made = await s.api<{ id: string }>('POST', '/api/requests', { id: 'paged', source: 'src:/', destination: 'dst:/' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    for (const route of ['/api/requests', '/api/requests/paged/errors', '/api/requests/paged/manifest']) {
      for (const [query, field] of [['offset=1e30', 'offset'], ['offset=9007199254740993', 'offset'], ['limit=1e30', 'limit'], ['offset=-1', 'offset'], ['limit=0', 'limit']]) {
        const r = await s.api<ErrorBody>('GET', `${route}?${query}`);
        assert.equal(r.status, 400, `${route}?${query}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.code, 'E_BAD_INPUT');
        assert.match(r.body.error.message, new RegExp(`^querystring/${field} must be`), `${route}?${query}`);
      }
      const last = await s.api<{ items: unknown[]; nextOffset: unknown }>('GET', `${route}?offset=${Number.MAX_SAFE_INTEGER}`);
      assert.equal(last.status, 200, `${route}: the largest offset is an empty page: ${JSON.stringify(last.body)}`);
      assert.deepEqual([last.body.items, last.body.nextOffset], [[], null]);
    }
  });

  test('files: an entry with .., an absolute one or one with a NUL is refused at submit, naming its index', async () => {
    const cases: [string[], RegExp][] = [
      [['a', 'b', 'c', 'x/../../y'], /^body\/files\/3: 'x\/\.\.\/\.\.\/y' has a '\.\.' in it: list paths relative to the source, without '\.\.'$/],
      [['..'], /^body\/files\/0: '\.\.' has a '\.\.' in it/],
      [['a', '/etc/passwd'], /^body\/files\/1: '\/etc\/passwd' is absolute: list paths relative to the source$/],
      [['a\0b'], /^body\/files\/0: 'a\\0b' has a NUL character in it/],
    ];
    for (const [files, message] of cases) {
      const r = await s.api<ErrorBody>('POST', '/api/requests', { source: 'src:/', destination: 'dst:/', files });
      assert.equal(r.status, 400, `${JSON.stringify(files)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, 'E_BAD_INPUT');
      assert.match(r.body.error.message, message);
      assert.doesNotMatch(r.body.error.message, /files-from/);
    }
    const ok = await s.api<{ id: string }>('POST', '/api/requests', { source: 'src:/', destination: 'dst:/', files: ['./a', 'a..b/..c'] });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const list = await s.api<{ total: number }>('GET', '/api/requests');
    assert.equal(list.body.total, 2, 'only the paged test\'s request and the good one were made');
  });

  test('barge submit --files-from refuses the same lines before it sends anything (exit 2)', async () => {
    for (const [line, why] of [['x/../y', /has a '\.\.' in it/], ['/etc', /is absolute/], ['a\0b', /'a\\0b' has a NUL byte in it/]] as const) {
      const listFile = path.join(dir, 'list.txt');
      fs.writeFileSync(listFile, `a\n${line}\n`);
      const r = await runBarge(['submit', 'src:/', 'dst:/', '--files-from', listFile, '--server', s.url], { env: { BARGE_TOKEN: ADMIN_SECRET } });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /line 2: /);
      assert.match(r.stderr, why);
    }
    assert.equal((await s.api<{ total: number }>('GET', '/api/requests')).body.total, 2, 'nothing was submitted');
  });
});
