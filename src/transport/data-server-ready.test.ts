// An agent under a coordinator listens before it has enrolled: a push that arrives then
// waits for the coordinator's key instead of being refused (which a client would not
// retry), and is refused as ever once the key is there and does not match.
import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { newGrantKeys, signGrant, type GrantClaims } from './session-auth.js';
import { AGENT, rejectsWith, RW, startAgent, type ServedAgent } from './test-support/served-agent.js';

describe('grants before the agent has enrolled', () => {
  const keys = newGrantKeys();
  const forger = newGrantKeys();
  const claims: GrantClaims = { agent: AGENT, endpoint: RW, path: '', write: true, exp: Date.now() + 600_000 };
  const grantKeys: KeyObject[] = [];
  let enrol: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => { enrol = resolve; });
  let a: ServedAgent;
  before(async () => { a = await startAgent({ tokens: [], grantKeys, ready }); });
  after(() => a.stop());

  test('a push made before enrolment waits and opens once the key is known; a forged grant is still refused', async () => {
    const opening = a.open({}, { grant: signGrant(keys.privateKey, claims) });
    const forgedRefused = rejectsWith(a.open({}, { grant: signGrant(forger.privateKey, claims) }), 'E_AUTH', 'a grant of another key');
    let settled = false;
    void opening.then(() => { settled = true; }, () => { settled = true; });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(settled, false, 'the session waits for enrolment');
    grantKeys.push(keys.publicKey);
    enrol();
    const c = await opening;
    try { await c.call('mkdir', { path: 'landed' }); } finally { c.close(); }
    await forgedRefused;
  });
});
