// TLS wherever barge crosses hosts: `barge serve` over HTTPS with no built-in agent, an
// agent at site a and one at site b, each with a certificate of the site's CA (made here
// with openssl) and --tls-ca. Every connection of the test (client → coordinator, agents →
// coordinator, agent → agent, coordinator → agent) goes through a recording TCP proxy;
// the bytes it saw must hold no token, no grant and no file content. A CA that did not
// sign the peer's certificate is refused with a message that names the problem.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runBarge, type BargeProcess } from './helpers/run-cli.js';
import { ADMIN_SECRET, leftovers, startService, stopService, type Service } from './helpers/service.js';
import { diffTrees } from './helpers/tree-diff.js';
import { AGENT_SECRET, coordinatedConfig, startCoordinatedAgent } from './helpers/coordinated-agents.js';
import { startRecordingProxy, type RecordingProxy } from './helpers/recording-proxy.js';
import { makeTestCa, type TestCa } from './helpers/test-ca.js';

/** 64 random characters inside every source file: found in the captured bytes only if file contents crossed in clear */
const MARKER = randomBytes(32).toString('hex');
const BIG = 3 << 20;

let work: string;
let ca: TestCa;
let otherCa: TestCa;
let svc: Service | undefined;
const agents: BargeProcess[] = [];
const proxies: RecordingProxy[] = [];
let coordinator: string;
let panda: string;
let badger: string;
let otter: string;

function makeMarkedTree(root: string): void {
  for (let d = 0; d < 4; d++) {
    mkdirSync(join(root, `d${d}`), { recursive: true });
    for (let f = 0; f < 10; f++) writeFileSync(join(root, `d${d}`, `f${f}.txt`), `file ${d}/${f} ${MARKER} ${randomBytes(200 + f * 37).toString('hex')}\n`);
  }
  const big = randomBytes(BIG);
  for (let at = 1000; at + MARKER.length < BIG; at += 256 << 10) big.write(MARKER, at, 'latin1');
  writeFileSync(join(root, 'big.bin'), big);
}

/** starts an agent whose data plane is reached through a new recording proxy (its advertised address) */
async function startTlsAgent(name: string, site: string, endpoint: string, cert: { cert: string; key: string }, trust: string): Promise<BargeProcess> {
  const proxy = await startRecordingProxy();
  proxies.push(proxy);
  const agent = await startCoordinatedAgent(coordinator, name, site, endpoint, {},
    ['--tls-cert', cert.cert, '--tls-key', cert.key, '--tls-ca', trust, '--advertise', `127.0.0.1:${proxy.port}`]);
  agents.push(agent);
  const port = /listening on 127\.0\.0\.1:(\d+) \(TLS\)/.exec(agent.output().stderr)?.[1];
  assert.ok(port, agent.output().stderr);
  proxy.target(Number(port));
  return agent;
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'barge-tls-'));
  ca = makeTestCa(join(work, 'pki'), 'site');
  otherCa = makeTestCa(join(work, 'pki'), 'other');
  [panda, badger, otter] = [join(work, 'a/panda'), join(work, 'b/badger'), join(work, 'c/otter')];
  makeMarkedTree(panda);
  mkdirSync(badger, { recursive: true });
  mkdirSync(otter, { recursive: true });
  const server = ca.issue('coordinator', ['localhost', '127.0.0.1']);
  const config = coordinatedConfig(work);
  appendFileSync(config, [
    '[endpoints.otter]', 'path = "/site-c/otter"', 'write = true', 'site = "c"',
    '[retry]', 'max_attempts = 2', 'base_delay = "100ms"', 'max_delay = "200ms"',
    '[tls]', `cert = ${JSON.stringify(server.cert)}`, `key = ${JSON.stringify(server.key)}`, `ca = ${JSON.stringify(ca.cert)}`,
  ].join('\n') + '\n');
  const toCoordinator = await startRecordingProxy();
  proxies.push(toCoordinator);
  svc = await startService(['--config', config, '--state-dir', join(work, 'state'), '--no-local-agent', '--lease-timeout', '5s'],
    { env: { BARGE_TEST_CHUNK_CUTOFF: String(1 << 20) } });
  assert.match(svc.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  toCoordinator.target(Number(new URL(svc.url).port));
  coordinator = `https://127.0.0.1:${toCoordinator.port}`;
  await startTlsAgent('tls-a', 'a', `panda=${panda}`, ca.issue('agent-a', ['127.0.0.1']), ca.cert);
  await startTlsAgent('tls-b', 'b', `badger=${badger}`, ca.issue('agent-b', ['127.0.0.1']), ca.cert);
});

after(async () => {
  for (const a of agents) if (a.exitCode === null) a.kill('SIGTERM');
  await Promise.all(agents.map((a) => a.done));
  if (svc) await stopService(svc);
  await Promise.all(proxies.map((p) => p.close()));
  rmSync(work, { recursive: true, force: true });
});

test('the recording proxy keeps what crosses in clear (the check below could fail)', { timeout: 300_000 }, async () => {
  const echo = net.createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const proxy = await startRecordingProxy();
  try {
    proxy.target((echo.address() as net.AddressInfo).port);
    const s = net.connect(proxy.port, '127.0.0.1');
    s.end(`token ${ADMIN_SECRET} ${MARKER}`);
    await new Promise((resolve) => s.on('data', resolve));
    s.destroy();
    assert.ok(proxy.bytes().includes(ADMIN_SECRET));
    assert.ok(proxy.bytes().includes(MARKER));
  } finally {
    await proxy.close();
    echo.close();
  }
});

test('TLS only: a request from site a to site b over HTTPS and the TLS data plane lands identical; the wire holds no token, grant or file byte', { timeout: 300_000 }, async () => {
  const env = { BARGE_TOKEN: ADMIN_SECRET };
  const sub = await runBarge(['submit', '--server', coordinator, '--tls-ca', ca.cert, 'panda:/', 'badger:/copy'], { env });
  assert.equal(sub.code, 0, sub.stderr);
  const id = sub.stdout.trim();
  // the CA by environment this time
  const w = await runBarge(['watch', '--server', coordinator, id], { env: { ...env, BARGE_CA: ca.cert }, timeoutMs: 300_000 });
  assert.equal(w.code, 0, w.stdout + w.stderr + agents.map((a) => a.output().stderr).join('\n'));
  assert.deepEqual(diffTrees(panda, join(badger, 'copy')), []);
  assert.deepEqual(leftovers(badger), []);
  // the coordinator lists site a's endpoint through agent tls-a's TLS data plane, trusting [tls] ca
  const ls = await runBarge(['ls', '--server', coordinator, '--tls-ca', ca.cert, 'panda:/d0'], { env });
  assert.equal(ls.code, 0, ls.stderr);
  assert.match(ls.stdout, /f9\.txt/);

  const [toCoordinator, toA, toB] = proxies;
  assert.ok(toCoordinator && toA && toB);
  assert.ok(toCoordinator.bytes().length > 0, 'clients and agents reached the coordinator through the proxy');
  assert.ok(toA.bytes().length > 0, "the coordinator reached agent tls-a's data plane through the proxy");
  assert.ok(toB.bytes().length > BIG, `the files crossed to site b through the proxy (${toB.bytes().length} bytes)`);
  for (const p of [toCoordinator, toA, toB]) {
    for (const first of p.openings()) {
      // a TLS record of type handshake (22), version 3.x: every connection starts with a TLS ClientHello
      assert.deepEqual([first[0], first[1]], [0x16, 0x03], `a connection opened in clear: ${first.subarray(0, 40).toString('latin1')}`);
    }
  }
  const wire = Buffer.concat(proxies.map((p) => p.bytes()));
  // every grant for this push starts with these claims (signGrant: base64url of the JSON claims, then the signature)
  const claims = Buffer.from('{"agent":"tls-b","endpoint":"badger",');
  const grantStart = claims.subarray(0, claims.length - (claims.length % 3)).toString('base64url');
  for (const [what, secret] of [['the admin token', ADMIN_SECRET], ['the agent token', AGENT_SECRET], ['a grant', grantStart], ['file contents', MARKER]]) {
    assert.ok(!wire.includes(secret as string), `${what} crossed the wire in clear`);
  }
  // TLS to an IP address sends no SNI name: Node warns (DEP0123) when one is set
  for (const p of [...agents, svc?.proc]) assert.doesNotMatch(p?.output().stderr ?? '', /DEP0123|ServerName to an IP address/);
});

test('a client that trusts another CA is refused with one line naming the certificate problem', { timeout: 300_000 }, async () => {
  const r = await runBarge(['status', '--server', coordinator, '--tls-ca', otherCa.cert], { env: { BARGE_TOKEN: ADMIN_SECRET } });
  assert.notEqual(r.code, 0);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /TLS certificate is not signed by a CA this side trusts \(UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
  assert.match(r.stderr, /--tls-ca FILE or BARGE_CA/);
  // plain HTTP to the HTTPS API (without a token: it would cross in clear): the server drops it; the client says what to try
  const plain = await runBarge(['status', '--server', coordinator.replace('https:', 'http:')], { env: { BARGE_TOKEN: undefined } });
  assert.notEqual(plain.code, 0);
  assert.match(plain.stderr, /if the server speaks HTTPS, use https:\/\//);
});

test('an agent that trusts another CA cannot enrol with the HTTPS coordinator, and says why', { timeout: 300_000 }, async () => {
  const r = await runBarge(['agent', '--coordinator', coordinator, '--name', 'wrong-ca', '--site', 'a', '--endpoint', `panda=${panda}`,
    '--data-listen', '127.0.0.1:0', '--tls-ca', otherCa.cert], { env: { BARGE_TOKEN: AGENT_SECRET }, timeoutMs: 60_000 });
  assert.notEqual(r.code, 0);
  assert.equal(r.timedOut, false);
  assert.match(r.stderr, /coordinator https:\/\/127\.0\.0\.1:\d+: the server's TLS certificate is not signed by a CA this side trusts/);
});

test("a push to an agent whose certificate another CA signed fails with the certificate problem; nothing is written there", { timeout: 300_000 }, async () => {
  // site c's agent trusts the coordinator, but its own certificate is of another CA than site a's agent trusts
  await startTlsAgent('tls-c', 'c', `otter=${otter}:rw`, otherCa.issue('agent-c', ['127.0.0.1']), ca.cert);
  const env = { BARGE_TOKEN: ADMIN_SECRET, BARGE_CA: ca.cert };
  const sub = await runBarge(['submit', '--server', coordinator, 'panda:/', 'otter:/x'], { env });
  assert.equal(sub.code, 0, sub.stderr);
  const w = await runBarge(['watch', '--server', coordinator, sub.stdout.trim()], { env, timeoutMs: 300_000 });
  assert.notEqual(w.code, 0, w.stdout + w.stderr);
  assert.match(w.stdout + w.stderr, /TLS certificate is not signed by a CA this side trusts/);
  assert.deepEqual(readdirSync(otter), []);
});
