// The drop-folder inbox of a real `barge serve`, on SQLite and on PostgreSQL: a file still
// being written is left alone, a quiet one becomes one request that ends with a status file,
// duplicates make no second request, bad files are quarantined with their reason, and a
// kill -9 between a request's insert and its file's move leaves exactly one request.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { createTestDatabase, pgSkipReason, type TestDatabase } from './helpers/postgres-db.js';
import { diffTrees } from './helpers/tree-diff.js';
import { waitUntil } from './helpers/run-cli.js';
import { startService, stopService, type Service } from './helpers/service.js';
import { dropFile, errorFile, inboxSetup, namesIn, statusOf } from './helpers/inbox-files.js';

interface Listed { total: number; items: { id: string; state: string }[] }
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const cleanups: (() => Promise<void>)[] = [];
after(async () => { for (const c of cleanups.reverse()) await c(); });

const pg = await createTestDatabase('probe');
await pg?.drop();

const engines = [
  { name: 'SQLite', db: () => Promise.resolve('') },
  {
    name: 'PostgreSQL', db: async () => {
      const d = await createTestDatabase('inbox') as TestDatabase;
      cleanups.push(() => d.drop());
      return d.url;
    },
  },
];

async function requests(s: Service): Promise<Listed> {
  return (await s.api<Listed>('GET', '/api/requests?limit=100')).body;
}

for (const engine of engines) {
  const skip = engine.name === 'PostgreSQL' && !pg ? pgSkipReason() : undefined;
  void describe(`barge serve --inbox on ${engine.name}`, { skip }, () => {
    void test('a file being written is not read; a quiet one is one request ending in a status file; .tmp and dot-names wait; duplicates make none', async () => {
      const t = inboxSetup('flow');
      const url = await engine.db();
      const s = await startService(['--config', t.config, '--state-dir', t.stateDir, ...(url ? ['--db', url] : [])]);
      try {
        await waitUntil(() => fs.existsSync(path.join(t.inbox, 'status')));
        assert.equal(fs.statSync(t.inbox).mode & 0o777, 0o700, 'the inbox barge made is its owner\'s only');
        for (const d of ['accepted', 'quarantine', 'status']) assert.equal(fs.statSync(path.join(t.inbox, d)).mode & 0o777, 0o700);
        const good = JSON.stringify({ source: 'src:/', destination: 'dst:/copy' });
        const slow = path.join(t.inbox, 'slow.json');
        fs.writeFileSync(slow, good.slice(0, 12));
        fs.writeFileSync(path.join(t.inbox, 'later.json.tmp'), JSON.stringify({ id: 'from-tmp', source: 'src:/', destination: 'dst:/tmp' }));
        fs.writeFileSync(path.join(t.inbox, '.hidden.json'), good);
        // a writer that adds to the file every 0.7 s (so each 1 s poll sees it changed; well
        // under the 2 s quiet period, should this process be slow to wake) for 4.9 s: half a
        // JSON document that, were it read, would be quarantined as bad JSON
        for (let i = 0; i < 7; i++) {
          await sleep(700);
          fs.appendFileSync(slow, ' ');
          assert.deepEqual([...namesIn(t.inbox, 'accepted'), ...namesIn(t.inbox, 'quarantine')], [], `read while being written (after ${i + 1} steps)`);
        }
        fs.writeFileSync(slow, good);
        await waitUntil(() => namesIn(t.inbox, 'accepted').includes('slow.json'), 30_000);
        assert.deepEqual(namesIn(t.inbox, ''), ['.hidden.json', 'later.json.tmp'], 'a dot-name and a .tmp are left where they are');
        const first = await requests(s);
        assert.equal(first.total, 1);
        const id = first.items[0]?.id ?? '';
        await waitUntil(() => statusOf(t.inbox, id) !== undefined, 60_000);
        const status = statusOf(t.inbox, id);
        assert.equal(status?.state, 'succeeded');
        assert.equal(status?.files.copied, t.files);
        assert.equal(status?.errors.count, 0);
        assert.deepEqual(status?.inbox.file, 'slow.json');
        assert.match(status?.inbox.key ?? '', /^sha256:[0-9a-f]{64}$/);
        assert.deepEqual(diffTrees(t.src, path.join(t.dst, 'copy')), []);
        const audit = (await s.api<{ items: { actor: string; action: string }[] }>('GET', `/api/requests/${id}/audit`)).body;
        assert.deepEqual(audit.items.map((e) => [e.actor, e.action]), [['inbox:slow.json', 'submit']]);

        // the writer's rename: the .tmp becomes a request file, with its own id
        fs.renameSync(path.join(t.inbox, 'later.json.tmp'), path.join(t.inbox, 'later.json'));
        await waitUntil(() => namesIn(t.inbox, 'accepted').includes('later.json'), 30_000);
        assert.equal((await s.api<{ id: string }>('GET', '/api/requests/from-tmp')).status, 200);

        // duplicates: the same bytes under another name, and another file with a taken id
        dropFile(t.inbox, 'again.json', good);
        dropFile(t.inbox, 'same-id.toml', 'id = "from-tmp"\nsource = "src:/"\ndestination = "dst:/elsewhere"\n');
        await waitUntil(() => namesIn(t.inbox, 'quarantine').length === 4, 30_000);
        assert.deepEqual(namesIn(t.inbox, 'quarantine'), ['again.json', 'again.json.error.json', 'same-id.toml', 'same-id.toml.error.json']);
        const again = errorFile(t.inbox, 'again.json');
        assert.equal(again.code, 'E_EXISTS');
        assert.match(again.message, new RegExp(`the same content as slow\\.json, which is request ${id}`));
        const sameId = errorFile(t.inbox, 'same-id.toml');
        assert.equal(sameId.code, 'E_EXISTS');
        assert.match(sameId.message, /the id 'from-tmp' as later\.json/);
        assert.equal((await requests(s)).total, 2, 'no second request for either duplicate');
        assert.equal(fs.existsSync(path.join(t.dst, 'elsewhere')), false);
      } finally {
        await stopService(s);
        fs.rmSync(t.dir, { recursive: true, force: true });
      }
    });

    void test('bad files are quarantined with their reason, in the API\'s words; the coordinator carries on', async () => {
      const t = inboxSetup('bad', 'max_size = "1K"');
      const url = await engine.db();
      const s = await startService(['--config', t.config, '--state-dir', t.stateDir, ...(url ? ['--db', url] : [])]);
      try {
        await waitUntil(() => fs.existsSync(path.join(t.inbox, 'quarantine')));
        const schemaBody = { source: 'src:/', destination: 'dst:/x', priority: 11 };
        const noEndpointBody = { source: 'src:/', destination: 'nope:/x' };
        dropFile(t.inbox, 'bad.json', '{"source": "src:/",');
        dropFile(t.inbox, 'bad.toml', 'source = \n');
        dropFile(t.inbox, 'schema.json', JSON.stringify(schemaBody));
        dropFile(t.inbox, 'unknown.json', JSON.stringify({ source: 'src:/', destination: 'dst:/x', colour: 'red' }));
        dropFile(t.inbox, 'no-endpoint.json', JSON.stringify(noEndpointBody));
        dropFile(t.inbox, 'big.json', JSON.stringify({ source: 'src:/', destination: 'dst:/x', files: Array.from({ length: 200 }, (_, i) => `f${i}`) }));
        dropFile(t.inbox, 'notes.txt', 'hello');
        fs.symlinkSync('/etc/passwd', path.join(t.inbox, 'link.json'));
        // a FIFO would block a reader that waits for a writer; a directory is no file either
        execFileSync('mkfifo', [path.join(t.inbox, 'pipe.json')]);
        fs.mkdirSync(path.join(t.inbox, 'folder.json'));
        const names = ['bad.json', 'bad.toml', 'big.json', 'folder.json', 'link.json', 'no-endpoint.json', 'notes.txt', 'pipe.json', 'schema.json', 'unknown.json'];
        await waitUntil(() => namesIn(t.inbox, 'quarantine').length === names.length * 2, 30_000);
        assert.deepEqual(namesIn(t.inbox, ''), []);
        const expect: Record<string, [string, RegExp]> = {
          'bad.json': ['E_BAD_INPUT', /^bad\.json: not valid JSON: /],
          'bad.toml': ['E_BAD_INPUT', /^bad\.toml: not valid TOML: /],
          'big.json': ['E_BAD_INPUT', /is larger than the inbox's max_size of 1/],
          'link.json': ['E_BAD_INPUT', /a symbolic link, not a request file/],
          'notes.txt': ['E_BAD_INPUT', /a request file is named \*\.json or \*\.toml/],
          'pipe.json': ['E_BAD_INPUT', /^pipe\.json: not a regular file$/],
          'folder.json': ['E_BAD_INPUT', /^folder\.json: (not a regular file|a directory, not a request file)$/],
          'unknown.json': ['E_BAD_INPUT', /^body\/colour is not allowed \(unknown property\)$/],
        };
        for (const [name, [code, message]] of Object.entries(expect)) {
          const e = errorFile(t.inbox, name);
          assert.equal(e.file, name);
          assert.equal(e.code, code, `${name}: ${e.message}`);
          assert.match(e.message, message, name);
        }
        // the same body posted to the API is refused with the same code and message
        for (const [name, body] of [['schema.json', schemaBody], ['no-endpoint.json', noEndpointBody]] as const) {
          const api = await s.api<{ error: { code: string; message: string } }>('POST', '/api/requests', body);
          assert.ok(api.status >= 400, `${name}: ${api.status}`);
          const e = errorFile(t.inbox, name);
          assert.deepEqual({ code: e.code, message: e.message }, api.body.error, name);
        }
        assert.match(errorFile(t.inbox, 'no-endpoint.json').message, /nope/);
        assert.equal((await requests(s)).total, 0);
        assert.equal((await s.api<{ ok: boolean }>('GET', '/healthz')).body.ok, true);
        // a good file after all that is still taken
        dropFile(t.inbox, 'fine.toml', 'source = "src:/"\ndestination = "dst:/fine"\n');
        await waitUntil(() => namesIn(t.inbox, 'accepted').includes('fine.toml'), 30_000);
        assert.equal((await requests(s)).total, 1);
      } finally {
        await stopService(s);
        fs.rmSync(t.dir, { recursive: true, force: true });
      }
    });

    void test('a canceled request gets its status file; retried, the file is written again when it ends', async () => {
      const t = inboxSetup('again');
      const url = await engine.db();
      // tasks held 1 s: the request is still running when the cancel comes, on a slow machine too
      const s = await startService(['--config', t.config, '--state-dir', t.stateDir, ...(url ? ['--db', url] : [])],
        { env: { BARGE_TEST_TASK_DELAY_MS: '1000' } });
      try {
        await waitUntil(() => fs.existsSync(path.join(t.inbox, 'accepted')));
        dropFile(t.inbox, 'slow.json', JSON.stringify({ id: 'slow-one', source: 'src:/', destination: 'dst:/s' }));
        await waitUntil(() => namesIn(t.inbox, 'accepted').includes('slow.json'), 30_000);
        assert.equal((await s.api('POST', '/api/requests/slow-one/cancel')).status, 200);
        await waitUntil(() => statusOf(t.inbox, 'slow-one')?.state === 'canceled', 30_000);
        assert.deepEqual(statusOf(t.inbox, 'slow-one')?.inbox, { file: 'slow.json', key: 'id:slow-one' });
        assert.equal((await s.api('POST', '/api/requests/slow-one/retry')).status, 200);
        await waitUntil(() => statusOf(t.inbox, 'slow-one')?.state === 'succeeded', 60_000);
        assert.equal(statusOf(t.inbox, 'slow-one')?.files.copied, t.files);
        assert.deepEqual(namesIn(t.inbox, 'status'), ['slow-one.json'], 'no temporary file left beside it');
      } finally {
        await stopService(s);
        fs.rmSync(t.dir, { recursive: true, force: true });
      }
    });

    void test('kill -9 between the insert and the move: after a restart the file is accepted and there is exactly one request', async () => {
      const t = inboxSetup('crash');
      const url = await engine.db();
      const args = ['--config', t.config, '--state-dir', t.stateDir, ...(url ? ['--db', url] : [])];
      const first = await startService(args, { env: { BARGE_TEST_INBOX_KILL_BEFORE_MOVE: '1' } });
      let second: Service | undefined;
      try {
        await waitUntil(() => fs.existsSync(path.join(t.inbox, 'accepted')));
        dropFile(t.inbox, 'crash.json', JSON.stringify({ source: 'src:/', destination: 'dst:/c' }));
        const end = await first.proc.done;
        assert.equal(end.signal, 'SIGKILL', end.stderr);
        assert.deepEqual(namesIn(t.inbox, ''), ['crash.json'], 'the process died before the move');
        assert.deepEqual(namesIn(t.inbox, 'accepted'), []);
        second = await startService(args);
        const s = second;
        await waitUntil(() => namesIn(t.inbox, 'accepted').includes('crash.json'), 30_000);
        assert.deepEqual(namesIn(t.inbox, ''), []);
        const listed = await requests(s);
        assert.equal(listed.total, 1, 'the insert before the kill is the one request');
        const id = listed.items[0]?.id ?? '';
        await waitUntil(() => statusOf(t.inbox, id)?.state === 'succeeded', 60_000);
        assert.deepEqual(diffTrees(t.src, path.join(t.dst, 'c')), []);
        // logged just after the move waited for above, and the pipe is read asynchronously: wait for it
        await waitUntil(() => /crash\.json made its request already \(no second one\): request /.test(s.proc.output().stderr), 10_000);
        assert.equal((await requests(s)).total, 1);
      } finally {
        if (first.proc.exitCode === null && first.proc.signalCode === null) await stopService(first);
        if (second) await stopService(second);
        fs.rmSync(t.dir, { recursive: true, force: true });
      }
    });
  });
}
