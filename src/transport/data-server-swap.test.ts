// Issue 25 over the data plane: a lone agent serves an endpoint; after a push of sub/...,
// a local user swaps sub for a symlink out of the root (mv sub sub.moved; ln -s OUTSIDE sub).
// Writes, reads (in a read-only session too), stat and list below sub must be refused, and
// the outside tree must be exactly as it was, with none of its bytes in any answer.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { hashOf, KEEP_OWNER, meta, rejectsWith, snapshot, startAgent } from './test-support/served-agent.js';

test('a lone agent: a pushed directory swapped for a symlink out of the root is refused for writes, reads, stat and list (read-only session too); the outside is untouched', async () => {
  const agent = await startAgent();
  const rw = await agent.remote();
  const ro = await agent.remote({ write: false });
  try {
    await rw.mkdir('sub');
    const bytes = Buffer.from('pushed');
    const w = await rw.openWrite('sub/a', { size: bytes.length, sparse: false });
    await w.write(bytes, 0);
    await w.commit(meta(0o644), KEEP_OWNER, hashOf(bytes));
    assert.equal((await ro.stat('sub/a'))?.size, bytes.length);
    assert.deepEqual((await ro.list('sub')).map((e) => e.name), ['a']);

    fs.renameSync(path.join(agent.root, 'sub'), path.join(agent.root, 'sub.moved'));
    fs.symlinkSync(agent.outside, path.join(agent.root, 'sub'));
    const before = snapshot(agent.outside);
    const secret = fs.readFileSync(path.join(agent.outside, 'sentinel'));

    const x = Buffer.from('written by the agent');
    const answers: unknown[] = [];
    const keep = async (p: Promise<unknown>): Promise<void> => { answers.push(await p); };
    await rejectsWith(keep(rw.writeWhole?.('sub/x', x, meta(0o644), KEEP_OWNER, hashOf(x)) ?? Promise.reject(new Error('no writeWhole'))), 'E_PATH_ESCAPE', 'write-whole sub/x');
    await rejectsWith(keep(rw.openWrite('sub/y', { size: x.length, sparse: false }).then(async (wy) => { await wy.write(x, 0); await wy.commit(meta(0o644), KEEP_OWNER, hashOf(x)); })), 'E_PATH_ESCAPE', 'open-write sub/y');
    await rejectsWith(keep(rw.mkdir('sub/d')), 'E_PATH_ESCAPE', 'mkdir sub/d');
    await rejectsWith(keep(rw.remove('sub/sentinel')), 'E_PATH_ESCAPE', 'remove sub/sentinel');
    await rejectsWith(keep(rw.setMeta('sub/sentinel', 'file', meta(0o666), KEEP_OWNER)), 'E_PATH_ESCAPE', 'set-meta sub/sentinel');
    for (const s of [rw, ro]) {
      await rejectsWith(keep(s.openRead('sub/sentinel').then(async (r) => { const b = Buffer.alloc(256); const n = await r.read(b, 256, 0); await r.close(); return b.subarray(0, n); })), 'E_PATH_ESCAPE', 'open-read sub/sentinel');
      await rejectsWith(keep(s.stat('sub/sentinel')), 'E_PATH_ESCAPE', 'stat sub/sentinel');
      await rejectsWith(keep(s.list('sub')), 'E_PATH_ESCAPE', 'list sub');
      await rejectsWith(keep(s.list('sub/dir')), 'E_PATH_ESCAPE', 'list sub/dir');
    }
    assert.deepEqual(snapshot(agent.outside), before, 'the outside tree is unchanged');
    for (const a of answers) assert.ok(!(Buffer.isBuffer(a) && a.includes(secret)), 'no answer carries the outside bytes');
    // what was pushed is where it was put, under the directory's new name
    assert.equal(fs.readFileSync(path.join(agent.root, 'sub.moved', 'a'), 'utf8'), 'pushed');
  } finally {
    rw.close();
    ro.close();
    await agent.stop();
  }
});
