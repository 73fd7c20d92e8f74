// Tests of the `barge serve` config loader: real TOML files in a temporary directory, every refusal
// with its message, and the order flags > environment > file > defaults.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { BargeError } from '../core/errors.js';
import { loadServiceConfig } from './load-config.js';
import type { ConfigFlags } from './service-config.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'barge-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = 'abcdefghijklmnop0123';
let fileCount = 0;
function writeToml(text: string): string {
  const file = path.join(dir, `barge-${++fileCount}.toml`);
  writeFileSync(file, text);
  return file;
}
function load(toml: string | undefined, env: NodeJS.ProcessEnv = {}, flags: ConfigFlags = {}) {
  return loadServiceConfig({ file: toml === undefined ? undefined : writeToml(toml), flags, env: { HOME: '/home/u', ...env } });
}
/** The E_CONFIG message the loader throws, with the temporary file's path shortened to "barge.toml". */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof BargeError, String(e));
    assert.equal(e.code, 'E_CONFIG');
    return e.message.replace(/\/\S*\/barge-\d+\.toml/g, 'barge.toml');
  }
  assert.fail('expected an E_CONFIG error');
}

test('without a file every setting takes its default', () => {
  const c = load(undefined);
  assert.equal(c.file, undefined);
  assert.equal(c.name, os.hostname());
  assert.deepEqual(c.listen, { host: '127.0.0.1', port: 7700 });
  assert.equal(c.stateDir, '/home/u/.local/state/barge');
  assert.deepEqual(c.db, { kind: 'sqlite', path: '/home/u/.local/state/barge/barge.sqlite' });
  assert.equal(c.localAgent, true);
  assert.equal(c.auth, true);
  assert.ok(c.transfers >= 2 && c.transfers <= 16);
  assert.equal(c.leaseTimeoutMs, 30_000);
  assert.deepEqual(c.retry, { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 300_000 });
  assert.deepEqual([c.sites.size, c.endpoints.size, c.tokens.length], [0, 0, 0]);
  assert.equal(load(undefined, { XDG_STATE_HOME: '/xdg' }).stateDir, '/xdg/barge');
  assert.equal(load(undefined, { XDG_STATE_HOME: 'relative' }).stateDir, '/home/u/.local/state/barge', 'XDG: relative is ignored');
  assert.equal(load('').endpoints.size, 0, 'an empty file is all defaults');
});

test('a full file', () => {
  writeFileSync(path.join(dir, 'ops.secret'), `${SECRET}-file\n`);
  const c = load(`
name = "coord-1"
listen = "[::1]:7701"
db = "sqlite:db/barge.sqlite"
state_dir = "state"
local_agent = false
transfers = 4
lease_timeout = "2m"
auth = false
[retry]
max_attempts = 3
base_delay = "250ms"
max_delay = 60
[sites.sdsc]
description = "San Diego"
[sites.tacc]
[endpoints.panda]
path = "/mnt/panda"
site = "sdsc"
[endpoints.badger]
path = "/mnt/badger"
write = true
site = "tacc"
kind = "posix"
local_agent = false
[[tokens]]
name = "ops"
secret_file = "ops.secret"
role = "admin"
[[tokens]]
name = "dash"
secret = "${SECRET}"
role = "read"
[[tokens]]
name = "agent-1"
secret_env = "AGENT_TOKEN"
role = "agent"
`, { AGENT_TOKEN: `${SECRET}-env` });
  assert.equal(c.file, path.join(dir, `barge-${fileCount}.toml`));
  assert.equal(c.name, 'coord-1');
  assert.deepEqual(c.listen, { host: '::1', port: 7701 });
  assert.deepEqual(c.db, { kind: 'sqlite', path: path.join(dir, 'db/barge.sqlite') }, 'relative to the file');
  assert.equal(c.stateDir, path.join(dir, 'state'));
  assert.deepEqual([c.localAgent, c.transfers, c.leaseTimeoutMs, c.auth], [false, 4, 120_000, false]);
  assert.deepEqual(c.retry, { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 60_000 });
  assert.deepEqual([...c.sites.values()], [{ name: 'sdsc', description: 'San Diego' }, { name: 'tacc' }]);
  assert.deepEqual(c.endpoints.get('panda'), { name: 'panda', kind: 'posix', path: '/mnt/panda', write: false, site: 'sdsc' });
  assert.deepEqual(c.endpoints.get('badger'), { name: 'badger', kind: 'posix', path: '/mnt/badger', write: true, site: 'tacc', localAgent: false });
  assert.deepEqual(c.tokens, [
    { name: 'ops', secret: `${SECRET}-file`, role: 'admin' },
    { name: 'dash', secret: SECRET, role: 'read' },
    { name: 'agent-1', secret: `${SECRET}-env`, role: 'agent' },
  ]);
});

test('the example of the issue; sites are implied by endpoints when [sites] is absent', () => {
  const c = load(`
[endpoints.panda]   # a named storage root
path = "/mnt/panda"
write = false
site = "sdsc"
[endpoints.badger]
path = "/mnt/badger"
write = true
site = "sdsc"
[[tokens]]
name = "ops"
secret_env = "BARGE_ADMIN_TOKEN"   # or secret_file
role = "admin"     # or "read"
`, { BARGE_ADMIN_TOKEN: SECRET });
  assert.deepEqual([...c.sites.values()], [{ name: 'sdsc' }]);
  assert.deepEqual([...c.endpoints.keys()], ['panda', 'badger']);
  assert.equal(c.tokens[0]?.secret, SECRET);
});

test('precedence: defaults < file < environment < flags', () => {
  const toml = `name = "file"\nlisten = "127.0.0.1:1"\ndb = "/f.sqlite"\nstate_dir = "/f"\nlocal_agent = true
transfers = 3\nlease_timeout = "10s"\nauth = true\n`;
  const env = { BARGE_NAME: 'env', BARGE_LISTEN: '127.0.0.1:2', BARGE_DB: 'memory', BARGE_STATE_DIR: '/e',
    BARGE_LOCAL_AGENT: '0', BARGE_TRANSFERS: '5', BARGE_LEASE_TIMEOUT: '20', BARGE_AUTH: 'false' };
  const flags = { name: 'flag', listen: 'localhost:3', db: 'postgres://u@h/db', stateDir: '/g', localAgent: true,
    transfers: '6', leaseTimeout: '1m', auth: true };
  const summary = (c: ReturnType<typeof load>) =>
    [c.name, c.listen.port, c.db.kind, c.stateDir, c.localAgent, c.transfers, c.leaseTimeoutMs, c.auth];
  assert.deepEqual(summary(load(toml)), ['file', 1, 'sqlite', '/f', true, 3, 10_000, true]);
  assert.deepEqual(summary(load(toml, env)), ['env', 2, 'memory', '/e', false, 5, 20_000, false]);
  assert.deepEqual(summary(load(toml, env, flags)), ['flag', 3, 'postgres', '/g', true, 6, 60_000, true]);
  assert.deepEqual(summary(load(undefined, env)), summary(load(toml, env)), 'the environment works without a file');
  const emptyEnv = Object.fromEntries(Object.keys(env).map((k) => [k, '']));
  assert.deepEqual(summary(load(toml, emptyEnv)), summary(load(toml)), 'an empty variable counts as unset');
  assert.deepEqual(load('state_dir = "/f"', { BARGE_STATE_DIR: '/s' }).db, { kind: 'sqlite', path: '/s/barge.sqlite' },
    'the default database follows the state folder in use');
});


test('file refusals name the file, the key and the reason', () => {
  const ep = (extra: string) => `[endpoints.panda]\npath = "/mnt/panda"\nsite = "sdsc"\n${extra}`;
  const token = (body: string, name = 'ops') => `[[tokens]]\nname = "${name}"\nrole = "admin"\n${body}`;
  const cases: Array<[string, string, NodeJS.ProcessEnv?]> = [
    ['a = 1\nb = \n', 'barge.toml: line 2: invalid value (column 5)'],
    ['colour = "red"', 'barge.toml: colour: unknown key'],
    [ep('wirte = true'), 'barge.toml: endpoints.panda.wirte: unknown key'],
    [ep('write = "yes"'), 'barge.toml: endpoints.panda.write: expected true or false, got "yes"'],
    ['[endpoints.panda]\nsite = "sdsc"', 'barge.toml: endpoints.panda.path: missing (required)'],
    ['[endpoints.panda]\npath = "mnt/panda"\nsite = "sdsc"', 'barge.toml: endpoints.panda.path: must be an absolute path, got "mnt/panda"'],
    ['[endpoints.panda]\npath = "/mnt/panda"', 'barge.toml: endpoints.panda.site: missing (required)'],
    [ep('local_agent = 0'), 'barge.toml: endpoints.panda.local_agent: expected true or false, got 0'],
    ['[endpoints.tape]\nkind = "archive"\npath = "/a"\nsite = "s"\ndriver = "sim"\nbuffer = "/b"\nbuffer_quota = 10\nlocal_agent = false',
      'barge.toml: endpoints.tape.local_agent: an archive is staged by the coordinator\'s built-in agent: it cannot be served by remote agents only'],
    [ep('kind = "s3"'), 'barge.toml: endpoints.panda.kind: expected one of "posix", "archive", got "s3"'],
    ['[endpoints."my ep"]\npath = "/x"\nsite = "s"', `barge.toml: endpoints."my ep": "my ep" is not a valid name: use only letters, digits, '_', '.' and '-'`],
    ['endpoints = 3', 'barge.toml: endpoints: expected a table ([endpoints]), got 3'],
    ['[endpoints]\npanda = "/mnt/panda"', 'barge.toml: endpoints.panda: expected a table ([endpoints.panda]), got "/mnt/panda"'],
    [`[sites.tacc]\n${ep('')}`, 'barge.toml: endpoints.panda.site: site "sdsc" is not declared in [sites]'],
    [`[sites]\n${ep('')}`, 'barge.toml: endpoints.panda.site: site "sdsc" is not declared in [sites]'],
    ['[sites.sdsc]\ndescr = "x"', 'barge.toml: sites.sdsc.descr: unknown key'],
    ['[sites.sdsc]\ndescription = 1', 'barge.toml: sites.sdsc.description: expected a string, got 1'],
    ['name = "a b"', `barge.toml: name: "a b" is not a valid name: use only letters, digits, '_', '.' and '-'`],
    ['listen = 7700', 'barge.toml: listen: expected a string, got 7700'],
    ['listen = "x"', 'barge.toml: listen: expected HOST:PORT (an IPv6 host in brackets, [::1]:7700), got "x"'],
    ['listen = "::1:7700"', 'barge.toml: listen: expected HOST:PORT (an IPv6 host in brackets, [::1]:7700), got "::1:7700"'],
    ['listen = "[nope]:7700"', 'barge.toml: listen: "nope" in brackets is not an IPv6 address'],
    ['listen = "h:70000"', 'barge.toml: listen: port must be 0 to 65535, got 70000'],
    ['db = "mysql://h/db"', 'barge.toml: db: expected a postgres:// URL, sqlite:PATH, a file path or "memory", got "mysql://h/db"'],
    ['db = ""', 'barge.toml: db: expected a postgres:// URL, sqlite:PATH, a file path or "memory", got ""'],
    ['db = "sqlite:"', 'barge.toml: db: sqlite: needs a file path, got "sqlite:"'],
    ['db = "postgres://[x"', 'barge.toml: db: not a valid URL: "postgres://[x"'],
    ['state_dir = ""', 'barge.toml: state_dir: must not be empty'],
    ['local_agent = 1', 'barge.toml: local_agent: expected true or false, got 1'],
    ['transfers = "4"', 'barge.toml: transfers: expected a whole number, got "4"'],
    ['transfers = 0', 'barge.toml: transfers: must be 1 to 1024, got 0'],
    ['transfers = 2.5', 'barge.toml: transfers: expected a whole number, got 2.5'],
    ['lease_timeout = "soon"', 'barge.toml: lease_timeout: expected a duration such as 30s, 5m, 1h, 7d or 250ms, got "soon"'],
    ['lease_timeout = "0s"', 'barge.toml: lease_timeout: must be above zero'],
    ['lease_timeout = -1', 'barge.toml: lease_timeout: must be above zero'],
    ['lease_timeout = "600h"', 'barge.toml: lease_timeout: must be at most 596h (the longest timer Node.js can set)'],
    ['lease_timeout = true', 'barge.toml: lease_timeout: expected a duration such as "30s" or a number of seconds, got true'],
    ['auth = "no"', 'barge.toml: auth: expected true or false, got "no"'],
    ['auth = false\nlisten = "0.0.0.0:7700"', 'barge.toml: auth: auth may be off only when listen is a loopback address (127.0.0.1, ::1 or localhost), and listen host is 0.0.0.0'],
    ['retry = 3', 'barge.toml: retry: expected a table ([retry]), got 3'],
    ['[retry]\nattempts = 3', 'barge.toml: retry.attempts: unknown key'],
    ['[retry]\nmax_attempts = 0', 'barge.toml: retry.max_attempts: must be 1 to 1000, got 0'],
    ['[retry]\nbase_delay = "x"', 'barge.toml: retry.base_delay: expected a duration such as 30s, 5m, 1h, 7d or 250ms, got "x"'],
    ['[retry]\nbase_delay = "10m"', 'barge.toml: retry.base_delay: base_delay (600000 ms) is longer than max_delay (300000 ms)'],
    ['[retry]\nbase_delay = "2s"\nmax_delay = "1s"', 'barge.toml: retry.max_delay: base_delay (2000 ms) is longer than max_delay (1000 ms)'],
    ['tokens = "x"', 'barge.toml: tokens: expected an array of tables ([[tokens]]), got "x"'],
    ['tokens = [1]', 'barge.toml: tokens[0]: expected a table, got 1'],
    [token(''), 'barge.toml: tokens[0]: give exactly one of secret, secret_env, secret_file'],
    [token(`secret = "${SECRET}"\nsecret_env = "X"`), 'barge.toml: tokens[0]: give exactly one of secret, secret_env, secret_file'],
    [token(`secret = "${SECRET}"\nrol = "x"`), 'barge.toml: tokens[0].rol: unknown key'],
    [`${token(`secret = "${SECRET}"`)}\n${token('secret_env = "BARGE_ADMIN_TOKEN"', 'ops2')}`,
      'barge.toml: tokens[1].secret_env: environment variable BARGE_ADMIN_TOKEN is not set'],
    [token('secret_env = "EMPTY"'), 'barge.toml: tokens[0].secret_env: environment variable EMPTY is empty', { EMPTY: '' }],
    [token('secret_file = "missing.secret"'), `barge.toml: tokens[0].secret_file: cannot read ${dir}/missing.secret: no such file`],
    [token('secret = "short-secret"'), 'barge.toml: tokens[0].secret: the secret is shorter than 16 characters'],
    [token('secret_env = "S"'), 'barge.toml: tokens[0].secret_env: the secret is shorter than 16 characters', { S: 'tiny' }],
    [token('secret = "has a space in it ok"'), 'barge.toml: tokens[0].secret: the secret may hold only printable ASCII characters, without spaces'],
    [`${token(`secret = "${SECRET}"`)}\n${token('secret_env = "S"', 'ops2')}`,
      'barge.toml: tokens[1]: same secret as tokens[0]; every token needs its own', { S: SECRET }],
    [`${token(`secret = "${SECRET}"`)}\n${token(`secret = "${SECRET}x"`)}`, 'barge.toml: tokens[1].name: "ops" is already the name of tokens[0]'],
    [token(`secret = "${SECRET}"`).replace('"admin"', '"root"'), 'barge.toml: tokens[0].role: expected "admin", "read" or "agent", got "root"'],
    [token(`secret = "${SECRET}"`).replace('role = "admin"\n', ''), 'barge.toml: tokens[0].role: missing (required)'],
    [token(`secret = "${SECRET}"`).replace('name = "ops"\n', ''), 'barge.toml: tokens[0].name: missing (required)'],
  ];
  for (const [toml, message, env] of cases) assert.equal(refusal(() => load(toml, env)), message, toml);
});

test('a missing or unreadable file is refused', () => {
  const missing = path.join(dir, 'nope.toml');
  assert.equal(refusal(() => loadServiceConfig({ file: missing, flags: {}, env: {} })), `cannot read ${missing}: no such file`);
  mkdirSync(path.join(dir, 'a-dir.toml'));
  assert.equal(refusal(() => loadServiceConfig({ file: path.join(dir, 'a-dir.toml'), flags: {}, env: {} })),
    `cannot read ${path.join(dir, 'a-dir.toml')}: is a directory`);
});

test('environment and flag refusals name the variable or the flag', () => {
  const cases: Array<[NodeJS.ProcessEnv, ConfigFlags, string]> = [
    [{ BARGE_LISTEN: 'x' }, {}, 'BARGE_LISTEN: expected HOST:PORT (an IPv6 host in brackets, [::1]:7700), got "x"'],
    [{}, { listen: 'x:y' }, '--listen: expected HOST:PORT (an IPv6 host in brackets, [::1]:7700), got "x:y"'],
    [{ BARGE_DB: 'mysql://h' }, {}, 'BARGE_DB: expected a postgres:// URL, sqlite:PATH, a file path or "memory", got "mysql://h"'],
    [{ BARGE_NAME: 'a/b' }, {}, `BARGE_NAME: "a/b" is not a valid name: use only letters, digits, '_', '.' and '-'`],
    [{ BARGE_STATE_DIR: ' ' }, {}, 'BARGE_STATE_DIR: must not be empty'],
    [{ BARGE_LOCAL_AGENT: 'yes' }, {}, 'BARGE_LOCAL_AGENT: expected true, false, 1 or 0, got "yes"'],
    [{ BARGE_AUTH: 'off' }, {}, 'BARGE_AUTH: expected true, false, 1 or 0, got "off"'],
    [{ BARGE_TRANSFERS: 'four' }, {}, 'BARGE_TRANSFERS: expected a whole number, got "four"'],
    [{}, { transfers: '0' }, '--transfers: must be 1 to 1024, got 0'],
    [{ BARGE_LEASE_TIMEOUT: '3w' }, {}, 'BARGE_LEASE_TIMEOUT: expected a duration such as 30s, 5m, 1h, 7d or 250ms, got "3w"'],
    [{}, { leaseTimeout: '0' }, '--lease-timeout: must be above zero'],
    [{ BARGE_LISTEN: '0.0.0.0:7700' }, { auth: false }, '--no-auth: auth may be off only when listen is a loopback address (127.0.0.1, ::1 or localhost), and listen host is 0.0.0.0'],
    [{ BARGE_AUTH: '0' }, { listen: '[::]:7700' }, 'BARGE_AUTH: auth may be off only when listen is a loopback address (127.0.0.1, ::1 or localhost), and listen host is ::'],
  ];
  for (const [env, flags, message] of cases) assert.equal(refusal(() => load(undefined, env, flags)), message, message);
  // a flag replaces the variable before it is read, so a bad but overridden variable does no harm
  assert.equal(load(undefined, { BARGE_LISTEN: 'x' }, { listen: 'localhost:1' }).listen.port, 1);
});

test('plan_rate: bytes per second, a whole number or a size; none by default', () => {
  assert.equal(load(undefined).planRate, undefined);
  assert.equal(load('plan_rate = "1GB"').planRate, 1e9);
  assert.equal(load('plan_rate = "400MB/s"').planRate, 400e6);
  assert.equal(load('plan_rate = 5000').planRate, 5000);
  assert.equal(refusal(() => load('plan_rate = "fast"')), 'barge.toml: plan_rate: expected a whole number of bytes or a size such as "1GB", got "fast"');
  assert.equal(refusal(() => load('plan_rate = 0')), 'barge.toml: plan_rate: must be at least 1, got 0');
});

test('trust_proxy: the reverse proxies, addresses or CIDR ranges; none by default', () => {
  assert.equal(load(undefined).trustProxy, undefined);
  assert.deepEqual(load('trust_proxy = ["127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"]').trustProxy, ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8']);
  assert.deepEqual(load('trust_proxy = "192.0.2.7"').trustProxy, ['192.0.2.7']);
  for (const bad of ['"proxy.example.org"', '"10.0.0.0/33"', '"::1/129"', '"10.0.0.1/8/1"', '"10.0.0.0/x"']) {
    assert.match(refusal(() => load(`trust_proxy = ${bad}`)), /^barge\.toml: trust_proxy: expected an IP address or a CIDR range of a reverse proxy \("127\.0\.0\.1", "10\.0\.0\.0\/8", "::1"\), got /, bad);
  }
  assert.equal(refusal(() => load('trust_proxy = [1]')), 'barge.toml: trust_proxy: expected an array of strings, got 1 at [0]');
  assert.equal(refusal(() => load('trust_proxy = true')), 'barge.toml: trust_proxy: expected an array of strings, got true at [0]');
});
