// Runs the Storage conformance suite on the posix backend, each test in a fresh temporary
// directory: once as a local sync uses it (reads in the calling thread), once as an agent
// serves it (reads confined to the root; cached bytes read at once, the rest on the thread pool).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { storageConformance } from '../storage-conformance.js';
import { posixFixture } from './posix-fixture.js';
import { PosixStorage } from './posix-storage.js';

for (const [name, opts] of [
  ['posix', {}],
  ['posix, served (confined, asynchronous reads)', { confineReads: true, asyncReads: true }],
] as const) {
  storageConformance(name, async () => {
    const rootPath = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'barge-posix-'));
    return {
      storage: new PosixStorage(rootPath, opts),
      fixture: posixFixture(rootPath),
      cleanup: () => fs.promises.rm(rootPath, { recursive: true, force: true }),
    };
  });
}
