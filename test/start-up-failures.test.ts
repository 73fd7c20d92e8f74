// `barge serve` and `barge agent` that cannot start say why in one line on stderr and exit
// with 2: a busy port, a short or missing agent token, an unreadable TLS file, a state folder
// that cannot be made; never "internal error" and a stack.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { runBarge, type RunResult } from './helpers/run-cli.js';
import { AGENT_TOKEN } from './helpers/lone-agent.js';

let dir = '';
let busy: net.Server;
let busyPort = 0;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-start-up-'));
  fs.mkdirSync(path.join(dir, 'ep'));
  busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  busyPort = (busy.address() as net.AddressInfo).port;
});
after(async () => {
  await new Promise<void>((resolve) => busy.close(() => resolve()));
  fs.rmSync(dir, { recursive: true, force: true });
});

/** exit 2, and exactly one line on stderr, without a stack or the word "internal" */
function oneLine(r: RunResult, expected: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  // off a terminal serve and agent log JSON lines: the line then says the same in its cmd and msg
  const line = lines[0] ?? '';
  const said = line.startsWith('{') ? ((o: { cmd: string; msg: string; level: number }) => `barge ${o.cmd}: ${o.msg}`)(JSON.parse(line) as { cmd: string; msg: string; level: number }) : line;
  assert.match(said, expected);
}

function agent(args: string[], env: Record<string, string | undefined>): Promise<RunResult> {
  return runBarge(['agent', '--endpoint', `x=${path.join(dir, 'ep')}`, ...args], { env: { BARGE_TOKEN: undefined, ...env } });
}

test('serve on a busy port: one line naming the address and what to do, exit 2', async () => {
  const r = await runBarge(['serve', '--db', 'memory', '--no-auth', '--no-local-agent', '--listen', `127.0.0.1:${busyPort}`]);
  oneLine(r, new RegExp(`^barge serve: cannot listen on 127\\.0\\.0\\.1:${busyPort}: the address is in use \\(EADDRINUSE\\): another barge serve\\? pick another --listen$`));
});

test('serve with a state folder that cannot be made: one line, exit 2', async () => {
  const r = await runBarge(['serve', '--no-auth', '--no-local-agent', '--listen', '127.0.0.1:0', '--state-dir', '/proc/barge-none/state']);
  oneLine(r, /^barge serve: cannot open the database: .*\/proc\/barge-none/);
});

test('serve with a bad configuration file: one line naming the file and key, exit 2', async () => {
  const file = path.join(dir, 'bad.toml');
  fs.writeFileSync(file, 'listen = 5\n');
  const r = await runBarge(['serve', '--config', file]);
  oneLine(r, /^barge serve: .*bad\.toml: listen: /);
});

test('agent on a busy --data-listen or --metrics-listen port: one line, exit 2', async () => {
  const data = await agent(['--data-listen', `127.0.0.1:${busyPort}`], { BARGE_TOKEN: AGENT_TOKEN });
  oneLine(data, new RegExp(`^barge agent: --data-listen: cannot listen on 127\\.0\\.0\\.1:${busyPort}: the address is in use \\(EADDRINUSE\\): another barge agent\\? pick another --data-listen$`));
  const metrics = await agent(['--data-listen', '127.0.0.1:0', '--metrics-listen', `127.0.0.1:${busyPort}`], { BARGE_TOKEN: AGENT_TOKEN });
  oneLine(metrics, new RegExp(`^barge agent: --metrics-listen: cannot listen on 127\\.0\\.0\\.1:${busyPort}: the address is in use \\(EADDRINUSE\\)`));
});

test('agent tokens: missing, or shorter than the 16 characters the coordinator asks of a secret', async () => {
  oneLine(await agent(['--data-listen', '127.0.0.1:0'], {}), /^barge agent: needs a token: --token-file FILE or BARGE_TOKEN$/);
  oneLine(await agent(['--data-listen', '127.0.0.1:0'], { BARGE_TOKEN: 'x' }), /^barge agent: the token from BARGE_TOKEN has 1 characters; a token is at least 16/);
  const file = path.join(dir, 'short.token');
  fs.writeFileSync(file, '123456789012345\n', { mode: 0o600 });
  oneLine(await agent(['--data-listen', '127.0.0.1:0', '--token-file', file], {}), /^barge agent: the token from --token-file '.*short\.token' has 15 characters; a token is at least 16/);
});

test('agent with an unreadable TLS file: one line naming the flag, exit 2', async () => {
  const r = await agent(['--data-listen', '127.0.0.1:0', '--tls-cert', path.join(dir, 'none.pem'), '--tls-key', path.join(dir, 'none.pem')], { BARGE_TOKEN: AGENT_TOKEN });
  oneLine(r, /^barge agent: cannot read --tls-cert '.*none\.pem': ENOENT$/);
});
