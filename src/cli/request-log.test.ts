import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogSink } from '../core/log-sink.js';
import type { RequestView } from '../core/request-types.js';
import { repeatLimited } from './repeat-limited.js';
import { logRequestChanges } from './request-log.js';

function recorder(): { sink: LogSink; msgs: string[] } {
  const msgs: string[] = [];
  const at = (level: string) => (_f: object, msg: string): void => { msgs.push(`${level} ${msg}`); };
  return { sink: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, msgs };
}

function view(id: string, state: RequestView['state'], over: Partial<RequestView> = {}): RequestView {
  return {
    id, state, priority: 5, source: 'src:/', destination: 'dst:/', options: {}, createdAt: new Date(2_000_000).toISOString(),
    startedAt: null, finishedAt: null, walkDone: false, files: { found: 3, toCopy: 3, copied: 3, upToDate: 1, failed: 0, deleted: 0 },
    bytes: { found: 10, toCopy: 10, copied: 10, resumed: 0 }, rate: 0, etaSeconds: null, errorCount: 0, message: null, submittedBy: null, ...over,
  };
}

test('one line per change of state, named as the operator would: running, paused, resumed, failed, retried, succeeded', () => {
  const { sink, msgs } = recorder();
  let emit: (v: RequestView) => void = () => undefined;
  logRequestChanges({ onChange: (l) => { emit = l; return () => undefined; } }, sink, 1_000_000);
  for (const s of ['queued', 'running', 'running', 'paused', 'running', 'failed', 'queued', 'running', 'succeeded'] as const) {
    emit(view('r1', s, s === 'failed' ? { message: '2 files failed' } : {}));
  }
  emit(view('old', 'running', { createdAt: new Date(1_000).toISOString() }));
  emit(view('r2', 'queued', { waiting: { reason: "no live agent serves endpoint 'dst'", since: 'x', until: 'y' } }));
  assert.deepEqual(msgs, [
    'info request r1 running', 'info request r1 paused', 'info request r1 resumed', 'warn request r1 failed: 2 files failed',
    'info request r1 retried', 'info request r1 running', 'info request r1 succeeded: 3 files, 10 B copied; 1 up to date; 0 deleted',
    "warn request r2 waits for an agent: no live agent serves endpoint 'dst' (fails at y unless one comes)",
  ]);
});

test('staging that waits for room in the buffer: one line when the wait begins (not as its free bytes change), one when it goes on', () => {
  const { sink, msgs } = recorder();
  let emit: (v: RequestView) => void = () => undefined;
  logRequestChanges({ onChange: (l) => { emit = l; return () => undefined; } }, sink, 1_000_000);
  const files = { waiting: 0, located: 4, staging: 0, staged: 0, released: 0, failed: 0 };
  const staging = (reason?: string): RequestView['staging'] => ({
    mounts: 1, volumes: 1, bufferUsedBytes: 0, bufferQuotaBytes: 100, files, ...(reason === undefined ? {} : { waiting: { code: 'E_BUFFER_FULL', reason, since: 'T1' } }),
  });
  emit(view('r4', 'staging', { staging: staging() }));
  emit(view('r4', 'staging', { staging: staging('/buf has 10 bytes free') }));
  emit(view('r4', 'staging', { staging: staging('/buf has 20 bytes free') }));
  emit(view('r4', 'staging', { staging: staging() }));
  assert.deepEqual(msgs, [
    'info request r4 staging', 'warn request r4 staging waits: E_BUFFER_FULL: /buf has 10 bytes free',
    'info request r4 staging goes on: the buffer has room again',
  ]);
});

test('a success line says the bytes in units; the exact count is a field', () => {
  const fields: object[] = [];
  const msgs: string[] = [];
  const sink: LogSink = { debug: () => undefined, info: (f, m) => { fields.push(f); msgs.push(m); }, warn: () => undefined, error: () => undefined };
  let emit: (v: RequestView) => void = () => undefined;
  logRequestChanges({ onChange: (l) => { emit = l; return () => undefined; } }, sink, 1_000_000);
  emit(view('r3', 'running'));
  emit(view('r3', 'succeeded', { bytes: { found: 8_900_000, toCopy: 8_900_000, copied: 8_900_000, resumed: 0 } }));
  assert.equal(msgs.at(-1), 'request r3 succeeded: 3 files, 8.49 MiB copied; 1 up to date; 0 deleted');
  assert.deepEqual(fields.at(-1), { request: 'r3', state: 'succeeded', from: 'running', bytesCopied: 8_900_000 });
});

test('the same failure many times a second: the first line, then a count once per 30 s', () => {
  const { sink, msgs } = recorder();
  let now = 0;
  const log = repeatLimited(sink, 'coordinator', () => now);
  for (; now < 61_000; now += 100) log(new Error('database or disk is full'));
  log(new Error('something else'));
  assert.deepEqual(msgs, [
    'error coordinator: database or disk is full',
    'error coordinator: database or disk is full (and 299 more time(s) in the last 30 s)',
    'error coordinator: database or disk is full (and 299 more time(s) in the last 30 s)',
    'error coordinator: something else',
  ]);
});
