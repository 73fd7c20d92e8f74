// A directory's small files written through RemoteStorage.writeMany into a real agent:
// one call carries many files, each taken only if its bytes hash to what the sender read;
// a wrong hash or a name that is not a plain name fails the call and writes nothing.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ManyWrite } from '../storage/storage.js';
import type { RemoteStorage } from './remote-storage.js';
import { hashOf, KEEP_OWNER, meta, pattern, rejectsWith, startAgent, T1, tempNames, type ServedAgent } from './test-support/served-agent.js';

/** files laid one after another in one buffer, as the engine's batches lay them */
function batch(sizes: number[], seed: number): { buf: Buffer; files: ManyWrite[] } {
  const parts = sizes.map((n, i) => pattern(n, seed + i));
  const files: ManyWrite[] = [];
  let at = 0;
  parts.forEach((p, i) => {
    files.push({ name: `f${i}.bin`, offset: at, length: p.length, meta: meta(0o640, T1 + BigInt(i)), sentHash: hashOf(p) });
    at += p.length + 1; // a byte to spare between files, as readMany leaves
  });
  const buf = Buffer.alloc(at);
  parts.forEach((p, i) => p.copy(buf, (files[i] as ManyWrite).offset));
  return { buf, files };
}

describe('writeMany through RemoteStorage', () => {
  let a: ServedAgent;
  let s: RemoteStorage;
  before(async () => { a = await startAgent(); s = await a.remote(); });
  after(async () => { s.close(); await a.stop(); });

  test('300 files (more than one call) land with their bytes, modes and ns mtimes', async () => {
    await s.mkdir('many');
    const sizes = Array.from({ length: 300 }, (_, i) => (i * 37) % 5000);
    const { buf, files } = batch(sizes, 1);
    const done = await s.writeMany('many', files, buf, KEEP_OWNER);
    assert.deepEqual(done, files.map(() => true));
    for (const [i, w] of files.entries()) {
      const abs = path.join(a.root, 'many', w.name);
      assert.ok(fs.readFileSync(abs).equals(buf.subarray(w.offset, w.offset + w.length)), w.name);
      const st = fs.lstatSync(abs, { bigint: true });
      assert.equal(Number(st.mode & 0o7777n), 0o640);
      assert.equal(st.mtimeNs, T1 + BigInt(i));
    }
    assert.deepEqual(tempNames(a.root), []);
  });

  test('one file whose bytes do not hash to its sentHash fails the call with E_CHECKSUM naming it; none of the call is written', async () => {
    await s.mkdir('bad');
    const { buf, files } = batch([100, 200, 300], 7);
    (files[1] as ManyWrite).sentHash = hashOf(Buffer.from('something else'));
    const e = await rejectsWith(s.writeMany('bad', files, buf, KEEP_OWNER), 'E_CHECKSUM');
    assert.equal(e.path, 'bad/f1.bin');
    assert.deepEqual(fs.readdirSync(path.join(a.root, 'bad')), []);
  });

  test('a name with a slash, or .., is E_PATH_ESCAPE and nothing is written outside', async () => {
    await s.mkdir('esc');
    for (const name of ['../out.bin', 'sub/x.bin', '..', '']) {
      const { buf, files } = batch([10], 3);
      (files[0] as ManyWrite).name = name;
      await rejectsWith(s.writeMany('esc', files, buf, KEEP_OWNER), 'E_PATH_ESCAPE', JSON.stringify(name));
    }
    assert.deepEqual(fs.readdirSync(path.join(a.root, 'esc')), []);
    assert.equal(fs.existsSync(path.join(a.root, 'out.bin')), false);
  });

  test('without a sentHash nothing is sent: every file is left to the one-file path', async () => {
    const { buf, files } = batch([10, 20], 5);
    delete (files[0] as ManyWrite).sentHash;
    assert.deepEqual(await s.writeMany('', files, buf, KEEP_OWNER), [false, false]);
    assert.equal(fs.existsSync(path.join(a.root, 'f0.bin')), false);
  });
});
