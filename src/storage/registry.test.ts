// The storage registry: built-in kinds are there from the start, an unknown kind is a clear
// E_CONFIG, and a kind registered by test set-up opens its endpoints.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BargeError } from '../core/errors.js';
import { posixKind } from './posix/posix-kind.js';
import { PosixStorage } from './posix/posix-storage.js';
import { knownStorageKinds, openStorage, registerStorageKind, storageKind, type EndpointDescription, type StorageKind } from './registry.js';
import type { Storage } from './storage.js';

interface FakeEndpoint extends EndpointDescription { kind: 'fake'; label: string }

const opened: Array<{ endpoint: FakeEndpoint; forAgent: boolean | undefined }> = [];
const fakeStorage = { root: 'fake:' } as unknown as Storage; // only its identity is looked at
const fakeKind: StorageKind<FakeEndpoint> = {
  kind: 'fake',
  keys: ['label'],
  parseEndpoint: (table) => ({ kind: 'fake', label: String(table.label) }),
  open: (endpoint, opts) => { opened.push({ endpoint, forAgent: opts.forAgent }); return fakeStorage; },
  below: (endpoint, path) => ({ ...endpoint, label: `${endpoint.label}/${path}` }),
  describe: (endpoint) => `fake:${endpoint.label}`,
};

test('posix is built in', () => {
  assert.equal(storageKind('posix'), posixKind);
  assert.deepEqual(knownStorageKinds().slice(0, 1), ['posix']);
});

test('an unknown kind is E_CONFIG naming it and the known ones, after where when given', () => {
  assert.throws(() => storageKind('tape'), (e: unknown) => {
    assert.ok(e instanceof BargeError);
    assert.equal(e.code, 'E_CONFIG');
    assert.equal(e.message, `unknown storage kind 'tape' (known: ${knownStorageKinds().join(', ')})`);
    return true;
  });
  assert.throws(() => storageKind('tape', 'barge.toml: endpoints.x.kind'),
    { code: 'E_CONFIG', message: /^barge\.toml: endpoints\.x\.kind: unknown storage kind 'tape' \(known: posix/ });
  assert.throws(() => openStorage({ kind: 'tape' }), { code: 'E_CONFIG', message: /unknown storage kind 'tape'/ });
});

test('openStorage opens a posix endpoint as a PosixStorage on its path', () => {
  const s = openStorage({ kind: 'posix', path: '/srv/data' } as EndpointDescription);
  assert.ok(s instanceof PosixStorage);
  assert.equal(s.root, '/srv/data');
});

test('a registered kind parses and opens its endpoints; options pass through', () => {
  registerStorageKind(fakeKind);
  registerStorageKind(fakeKind); // the same kind again: nothing happens
  assert.ok(knownStorageKinds().includes('fake'));
  assert.deepEqual(knownStorageKinds()[0], 'posix', 'built-ins first');
  const endpoint = storageKind('fake').parseEndpoint({ label: 'x' }, 'barge.toml: endpoints.f');
  assert.equal(openStorage(endpoint, { forAgent: true }), fakeStorage);
  assert.equal(openStorage(endpoint), fakeStorage);
  assert.deepEqual(opened, [{ endpoint: { kind: 'fake', label: 'x' }, forAgent: true }, { endpoint: { kind: 'fake', label: 'x' }, forAgent: undefined }]);
  assert.throws(() => registerStorageKind({ ...fakeKind }), { code: 'E_INTERNAL', message: /'fake' is registered already/ });
});
