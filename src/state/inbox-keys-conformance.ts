// The StateStore conformance case of the drop-folder inbox's keys, registered by
// stateConformance with its `it`, so every engine runs it.
import assert from 'node:assert/strict';
import { BargeError } from '../core/errors.js';
import type { StateStore } from './state-store.js';

type It = (title: string, body: (h: { store: StateStore }) => Promise<void>) => void;

const T0 = 1_700_000_000_000;

function req(id: string): Parameters<StateStore['createRequest']>[0] {
  return { id, priority: 5, source: 'a:/x', destination: 'b:/', srcEndpoint: 'a', dstEndpoint: 'b', spec: '{}' };
}

export function inboxKeysConformance(it: It): void {
  it('an inbox key names one request; a second take of it is refused, and a refused transaction leaves no request', async ({ store: s }) => {
    await s.tx(async (t) => {
      assert.equal(await t.createRequest(req('r1'), T0), true);
      assert.equal(await t.addInboxKey({ key: 'sha256:aa', requestId: 'r1', fileName: 'a.json' }, T0), true);
    });
    // the way Coordinator.submit uses it: the key taken, the whole transaction is undone
    await assert.rejects(s.tx(async (t) => {
      await t.createRequest(req('r2'), T0 + 1);
      if (!(await t.addInboxKey({ key: 'sha256:aa', requestId: 'r2', fileName: 'b.json' }, T0 + 1))) throw new BargeError('E_EXISTS', 'taken');
    }), /taken/);
    assert.equal(await s.getRequest('r2'), undefined);
    assert.deepEqual(await s.inboxKey('sha256:aa'), { key: 'sha256:aa', requestId: 'r1', fileName: 'a.json' });
    assert.equal(await s.inboxKey('sha256:bb'), undefined);
    assert.deepEqual(await s.inboxKeysOf('r1'), [{ key: 'sha256:aa', requestId: 'r1', fileName: 'a.json' }]);
    assert.deepEqual(await s.inboxKeysOf('nope'), []);
    await s.setRequestState('r1', ['queued'], 'canceled', T0 + 2);
    assert.deepEqual(await s.listInboxKeys(), [{ key: 'sha256:aa', requestId: 'r1', fileName: 'a.json', state: 'canceled' }]);
  });
}
