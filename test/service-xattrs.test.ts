// -A / -X for service requests: a request with `acls` and `xattrs` (barge submit -A -X)
// carries POSIX ACLs and extended attributes as `barge sync -AX` does, through `barge serve`
// and its built-in agent, and from an agent at one site to an agent at another: the
// entries' xattrs travel in the stored tasks and the agents' HTTP calls (binary values as
// $bytes in their JSON) and on the data plane, for small files, a large file copied in
// chunks and directories alike. A request without them carries none. Debian's `attr` and `acl` give the tools;
// under CI=true their absence fails.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { runBarge } from './helpers/run-cli.js';
import { aclListing, missingTools, sh, xattrListing } from './helpers/xattr-listing.js';
import { ADMIN_SECRET, startService, stopService, writeServiceConfig, type Service } from './helpers/service.js';
import { coordinatedConfig, startCoordinatedAgent } from './helpers/coordinated-agents.js';
import { diffTrees } from './helpers/tree-diff.js';

const TOOLS = ['setfattr', 'getfattr', 'setfacl', 'getfacl'];
const missing = missingTools(TOOLS);
const cannot = missing.length > 0 ? `missing ${missing.join(', ')} (apt-get install attr acl)` : undefined;
const skip = cannot !== undefined && process.env.CI !== 'true' ? cannot : undefined;

let work = '';
let src = '';
let dst = '';
let svc: Service | undefined;

before(async () => {
  if (cannot !== undefined) {
    if (skip === undefined) assert.fail(cannot);
    return;
  }
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-service-xattrs-'));
  src = path.join(work, 'src');
  dst = path.join(work, 'dst');
  fs.mkdirSync(path.join(src, 'shared', 'deeper'), { recursive: true });
  fs.mkdirSync(dst);
  fs.writeFileSync(path.join(src, 'binary'), 'user xattrs with binary values');
  sh('setfattr', ['-n', 'user.bytes', '-v', '0x00ff0180fe00', path.join(src, 'binary')]);
  sh('setfattr', ['-n', 'user.empty', path.join(src, 'binary')]);
  fs.writeFileSync(path.join(src, 'acl'), 'an access ACL');
  sh('setfacl', ['-m', 'u:nobody:rw,m::rw', path.join(src, 'acl')]);
  fs.writeFileSync(path.join(src, 'shared', 'deeper', 'inner'), 'below a directory with a default ACL');
  sh('setfattr', ['-n', 'user.where', '-v', 'deep', path.join(src, 'shared', 'deeper', 'inner')]);
  sh('setfacl', ['-d', '-m', 'u:nobody:rwx,g::rx,o::-', path.join(src, 'shared')]);
  sh('setfattr', ['-n', 'user.dir', '-v', 'a directory', path.join(src, 'shared', 'deeper')]);
  // larger than the chunk cut-off below: copied in chunks, its xattrs set when committed
  fs.writeFileSync(path.join(src, 'big'), Buffer.alloc(3 << 20, 9));
  sh('setfattr', ['-n', 'user.big', '-v', '0x0102', path.join(src, 'big')]);
  const config = writeServiceConfig(work, src, dst);
  const state = path.join(work, 'state');
  fs.mkdirSync(state, { mode: 0o700 });
  svc = await startService(['--config', config, '--state-dir', state], { env: { BARGE_TEST_CHUNK_CUTOFF: String(1 << 20) } });
});

after(async () => {
  if (svc) await stopService(svc);
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

async function submit(args: string[], to: string, on: Service = svc as Service, from = 'src', into = 'dst'): Promise<void> {
  const r = await runBarge(['submit', `${from}:/`, `${into}:/${to}`, '--watch', '--server', on.url, ...args], { env: { BARGE_TOKEN: ADMIN_SECRET }, timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
}

test('a request with -A -X carries ACLs and xattrs through barge serve, chunked files and directories too', { skip }, async () => {
  await submit(['-A', '-X'], 'kept');
  const out = path.join(dst, 'kept');
  assert.equal(xattrListing(out), xattrListing(src));
  assert.equal(aclListing(out), aclListing(src));
  assert.match(xattrListing(out), /user\.bytes=0x00ff0180fe00/);
  assert.match(xattrListing(out), /user\.big=0x0102/);
  assert.match(aclListing(out), /default:user:nobody:rwx/);
  assert.deepEqual(diffTrees(src, out), []);
  const view = await (svc as Service).api<{ items: { options: { acls?: boolean; xattrs?: boolean } }[] }>('GET', '/api/requests');
  assert.ok(view.body.items.some((r) => r.options.acls === true && r.options.xattrs === true), 'the request shows its options');
});

test('a request without them carries none', { skip }, async () => {
  await submit([], 'plain');
  const out = path.join(dst, 'plain');
  assert.doesNotMatch(xattrListing(out), /user\.|posix_acl/);
  assert.deepEqual(diffTrees(src, out), []);
});

test('from an agent at one site to an agent at another, under a coordinator without its own agent', { skip }, async () => {
  const site = path.join(work, 'sites');
  const badger = path.join(site, 'badger');
  fs.mkdirSync(badger, { recursive: true });
  const state = path.join(site, 'state');
  fs.mkdirSync(state, { mode: 0o700 });
  const two = await startService(['--config', coordinatedConfig(site), '--state-dir', state, '--no-local-agent'], { env: { BARGE_TEST_CHUNK_CUTOFF: String(1 << 20) } });
  const agents = [
    await startCoordinatedAgent(two.url, 'xa-a1', 'a', `panda=${src}`),
    await startCoordinatedAgent(two.url, 'xa-b1', 'b', `badger=${badger}:rw`),
  ];
  try {
    await submit(['-A', '-X'], 'tree', two, 'panda', 'badger');
    const out = path.join(badger, 'tree');
    assert.equal(xattrListing(out), xattrListing(src));
    assert.equal(aclListing(out), aclListing(src));
    assert.match(xattrListing(out), /user\.big=0x0102/);
    assert.deepEqual(diffTrees(src, out), []);
  } finally {
    for (const a of agents) a.kill('SIGTERM');
    await Promise.all(agents.map((a) => a.done));
    await stopService(two);
  }
});
