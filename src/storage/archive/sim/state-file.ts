// The simulator CLI's library state between runs (--state FILE): each run takes a lock, reads
// the state, runs, writes it back. Runs are one at a time then, as sessions of one library.
import * as fs from 'node:fs';
import type { LibraryState } from './library.js';

/** a lock older than this was left by a run that died: taken over */
const STALE_MS = 10 * 60_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function lock(dir: string): Promise<void> {
  for (;;) {
    try {
      fs.mkdirSync(dir);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - fs.statSync(dir).mtimeMs > STALE_MS) fs.rmdirSync(dir);
      } catch { /* let go meanwhile: try again */ }
      await sleep(20);
    }
  }
}

export async function withLibraryState<T>(file: string, fn: (saved: LibraryState | undefined) => Promise<{ result: T; state: LibraryState }>): Promise<T> {
  const dir = `${file}.lock`;
  await lock(dir);
  try {
    const saved = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) as LibraryState : undefined;
    const { result, state } = await fn(saved);
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(state));
    fs.renameSync(`${file}.tmp`, file);
    return result;
  } finally {
    fs.rmdirSync(dir);
  }
}
