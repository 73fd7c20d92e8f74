import assert from 'node:assert/strict';
import { test } from 'node:test';
import { humanLogLine } from './human-log-line.js';
import { resolveLogFormat } from './service-log.js';

test('a log record as a line for people: time, level, who, message, then the fields the message does not say', () => {
  const line = humanLogLine({
    level: 40, time: '2026-12-07T01:00:00.000Z', app: 'barge', cmd: 'agent', msg: 'cannot lease: connect ECONNREFUSED 127.0.0.1:7700',
    code: 'ECONNREFUSED', retryInMs: 1043, agent: 'b1', note: 'two words',
  });
  assert.equal(line, '2026-12-07T01:00:00.000Z WARN  barge agent: cannot lease: connect ECONNREFUSED 127.0.0.1:7700 retryInMs=1043 agent=b1 note="two words"\n');
  assert.equal(humanLogLine({ level: 30, time: 0, msg: 'x', err: { message: 'boom', stack: 'at…' } }), '1970-01-01T00:00:00.000Z INFO  barge: x err="boom"\n');
});

test('the log format: the flag, then BARGE_LOG_FORMAT, then human on a terminal and JSON elsewhere; a bad one is named', () => {
  assert.equal(resolveLogFormat(undefined, {}, true), 'human');
  assert.equal(resolveLogFormat(undefined, {}, false), 'json');
  assert.equal(resolveLogFormat(undefined, { BARGE_LOG_FORMAT: 'human' }, false), 'human');
  assert.equal(resolveLogFormat('json', { BARGE_LOG_FORMAT: 'human' }, true), 'json');
  assert.throws(() => resolveLogFormat(undefined, { BARGE_LOG_FORMAT: 'xml' }, true), /BARGE_LOG_FORMAT: expected human or json, got 'xml'/);
});
