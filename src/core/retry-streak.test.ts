import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff, NETWORK_BACKOFF } from './backoff.js';
import type { LogSink } from './log-sink.js';
import { RetryStreak } from './retry-streak.js';

function recorder(): { sink: LogSink; lines: { level: string; msg: string; fields: Record<string, unknown> }[] } {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const at = (level: string) => (fields: object, msg: string): void => { lines.push({ level, msg, fields: fields as Record<string, unknown> }); };
  return { sink: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

test('backoff doubles from its start to its cap, each wait within ±jitter of its step, and starts over on reset', () => {
  const lows = new Backoff({ ...NETWORK_BACKOFF, random: () => 0 });
  const highs = new Backoff({ ...NETWORK_BACKOFF, random: () => 0.999999 });
  const steps = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000];
  for (const step of steps) {
    assert.equal(lows.next(), step * 0.8);
    assert.equal(highs.next(), Math.round(step * 1.2 - 0.0000024 * step));
  }
  lows.reset();
  assert.equal(lows.next(), 800);
  const real = new Backoff(NETWORK_BACKOFF);
  for (let i = 0; i < 200; i++) {
    const w = real.next();
    const step = real.stepMs();
    assert.ok(w >= step * 0.8 && w <= step * 1.2, `${w} for step ${step}`);
  }
});

test('a failing loop logs when it starts failing, once per backoff step, every 5 minutes at the cap, and when it recovers', () => {
  let now = 0;
  const { sink, lines } = recorder();
  const streak = new RetryStreak({ failing: 'cannot lease from the coordinator', recovered: 'leasing again' }, sink, { ...NETWORK_BACKOFF, random: () => 0.5 }, () => now);
  const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:7700'), { code: 'ECONNREFUSED' }) });
  // an hour of tries, each after the wait it was told
  let tries = 0;
  while (now < 3_600_000) { now += streak.failed(refused); tries++; }
  assert.ok(tries > 100);
  assert.equal(lines[0]?.msg, 'cannot lease from the coordinator: fetch failed: connect ECONNREFUSED 127.0.0.1:7700; trying again in 1 s');
  assert.equal(lines[0]?.fields.code, 'ECONNREFUSED');
  assert.equal(lines[0]?.level, 'warn');
  // 1, 2, 4, 8, 16, 30 s steps: six lines, then one every 5 minutes for the rest of the hour
  assert.ok(lines.length >= 6 + 11 && lines.length <= 6 + 13, `${lines.length} lines: ${lines.map((l) => l.msg).join('\n')}`);
  assert.match(lines[1]?.msg ?? '', /^cannot lease from the coordinator for 1 s: .*; trying again in 2 s$/);
  streak.succeeded();
  assert.match(lines.at(-1)?.msg ?? '', /^leasing again after 60 min$/);
  assert.equal(lines.at(-1)?.level, 'info');
  // after a recovery the next failure is news again, with a short wait
  const before = lines.length;
  assert.equal(streak.failed(refused), 1_000);
  assert.equal(lines.length, before + 1);
  streak.succeeded();
  streak.succeeded();
  assert.equal(lines.length, before + 2, 'a success while not failing logs nothing');
});
