// The SQLite database holds the private key that signs write grants: the state folder
// barge serve makes is 0700, the database and its -wal and -shm files 0600, and a
// database left readable by others (an older barge made it 0644) is narrowed at start;
// a configuration file whose token secrets others can read is named at start.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { startService, stopService, writeServiceConfig } from './helpers/service.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-secrets-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const modeOf = (p: string): string => (fs.statSync(p).mode & 0o777).toString(8);

test('the state folder is 0700 and the database files 0600, even when they were made looser before', async () => {
  fs.mkdirSync(path.join(dir, 'src'));
  fs.mkdirSync(path.join(dir, 'dst'));
  const state = path.join(dir, 'state', 'barge');
  const config = writeServiceConfig(dir, path.join(dir, 'src'), path.join(dir, 'dst'));
  const db = path.join(state, 'barge.sqlite');
  let svc = await startService(['--config', config, '--state-dir', state]);
  try {
    // a request makes the coordinator write (the grant key, the WAL)
    assert.equal((await svc.api('POST', '/api/requests', { source: 'src:/', destination: 'dst:/' })).status, 201);
    assert.equal(modeOf(state), '700');
    assert.match(svc.proc.output().stderr, /barge\.toml holds 2 token secret\(s\) and other users can read it \(mode 0644\): chmod 600/);
    for (const f of [db, `${db}-wal`, `${db}-shm`]) assert.equal(modeOf(f), '600', f);
  } finally {
    await stopService(svc);
  }
  fs.chmodSync(db, 0o644);
  fs.chmodSync(config, 0o600);
  svc = await startService(['--config', config, '--state-dir', state]);
  try {
    assert.equal(modeOf(db), '600');
    assert.doesNotMatch(svc.proc.output().stderr, /token secret/);
    for (const f of [`${db}-wal`, `${db}-shm`]) if (fs.existsSync(f)) assert.equal(modeOf(f), '600', f);
  } finally {
    await stopService(svc);
  }
});
