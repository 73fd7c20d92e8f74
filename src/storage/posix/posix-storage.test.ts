// Runs the Storage conformance suite on the posix backend, each test in a fresh temporary directory.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { storageConformance } from '../storage-conformance.js';
import { PosixStorage } from './posix-storage.js';

storageConformance('posix', async () => {
  const rootPath = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'barge-posix-'));
  return {
    storage: new PosixStorage(rootPath),
    rootPath,
    cleanup: () => fs.promises.rm(rootPath, { recursive: true, force: true }),
  };
});
