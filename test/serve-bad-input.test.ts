// Bad input to a real `barge serve` over HTTP: each is refused with 400 E_BAD_INPUT naming
// the field, never a 500 from the database or a request that fails later.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startService, stopService, writeServiceConfig, type Service } from './helpers/service.js';

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
});
