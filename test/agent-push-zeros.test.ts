// barge sync of files whose chunks have equal bytes into a lone barge agent (real
// processes, real TCP): a file of zeros in many equal chunks, written over several
// streams, is recorded chunk by chunk and arrives identical (issue 25, item 5).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AGENT_TOKEN, startLoneAgent, type LoneAgent } from './helpers/lone-agent.js';
import { runBarge } from './helpers/run-cli.js';
import { leftovers } from './helpers/service.js';

let work: string;
let inbox: string;
let agent: LoneAgent;
const env = { BARGE_TOKEN: AGENT_TOKEN };
const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'barge-push-zeros-'));
  inbox = join(work, 'inbox');
  mkdirSync(inbox);
  agent = await startLoneAgent(work, [`inbox=${inbox}:rw`]);
});
after(async () => {
  await agent.stop();
  rmSync(work, { recursive: true, force: true });
});

test('a 32 MiB file of zeros in 1 MiB chunks arrives identical, exit 0', async () => {
  const src = join(work, 'zs');
  mkdirSync(src);
  writeFileSync(join(src, 'z.bin'), Buffer.alloc(32 * 1024 * 1024));
  const r = await runBarge(['sync', '--chunk-cutoff', '1M', '--chunk-size', '1M', src, agent.url('inbox', 'x')], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(sha256(join(inbox, 'x', 'z.bin')), sha256(join(src, 'z.bin')));
  assert.deepEqual(leftovers(inbox), []);
});
