import assert from 'node:assert/strict';
import { test } from 'node:test';
import { databaseUnavailable } from './database-unavailable.js';

function err(message: string, code?: string): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

test('a database that is away or full is E_UNAVAILABLE; a wrong statement is not', () => {
  for (const e of [err('terminating connection due to administrator command', '57P01'), err('too many connections for database "x"', '53300'),
    err('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), err('database "x" is not currently accepting connections', '55000'), err('Connection terminated unexpectedly'), err('database or disk is full', 'SQLITE_FULL'),
    err('disk I/O error', 'SQLITE_IOERR_WRITE')]) {
    assert.equal(databaseUnavailable(e)?.code, 'E_UNAVAILABLE', e.message);
    assert.equal(databaseUnavailable(e)?.retryable, true);
  }
  for (const e of [err('syntax error at or near "x"', '42601'), err('UNIQUE constraint failed', 'SQLITE_CONSTRAINT_UNIQUE'), err('plain bug'), 'text']) {
    assert.equal(databaseUnavailable(e), undefined, String(e));
  }
});
