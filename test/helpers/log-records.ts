// The JSON log lines of `barge serve` and `barge agent` (their default off a terminal), parsed;
// a line that is not JSON fails the test that reads it.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';

export interface LogRecord { level: number; time: string; msg: string; [field: string]: unknown }

export function logRecords(stderr: string): LogRecord[] {
  return stderr.split('\n').filter((l) => l !== '').map((l) => {
    let o: unknown;
    assert.doesNotThrow(() => { o = JSON.parse(l); }, `a log line that is not JSON: ${l}`);
    const r = o as LogRecord;
    assert.equal(typeof r.level, 'number', l);
    assert.ok(!Number.isNaN(Date.parse(r.time)), `time: ${l}`);
    assert.equal(typeof r.msg, 'string', l);
    return r;
  });
}

/** a TCP port nothing listens on now (taken and let go), for a peer that starts later */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((res) => s.listen(0, '127.0.0.1', res));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}
