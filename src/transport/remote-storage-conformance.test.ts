// Runs the Storage conformance suite on RemoteStorage: a real agent's DataServer on
// 127.0.0.1, over real TCP, serving a posix directory, with the posix fixture on that same
// directory. Each test gets its own agent and a fresh empty root, so that no state of the
// agent (checked chunks, open handles) leaks from one test into the next.
import { posixFixture } from '../storage/posix/posix-fixture.js';
import { storageConformance } from '../storage/storage-conformance.js';
import { hashOf, startAgent } from './test-support/served-agent.js';

storageConformance('remote (agent over loopback TCP)', async () => {
  const agent = await startAgent();
  try {
    // agent.remote() opens the session with xxh3, the hash hashOf computes
    const storage = await agent.remote();
    return {
      storage,
      fixture: posixFixture(agent.root),
      sentHash: (bytes) => hashOf(bytes),
      cleanup: async () => { storage.close(); await agent.stop(); },
    };
  } catch (e) {
    await agent.stop();
    throw e;
  }
});
