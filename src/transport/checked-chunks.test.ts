// CheckedChunks: a check vouches for one byte range of one prepared file, is used once,
// and does not outlive the file's next prepare, its commit or its abort.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CheckedChunks } from './checked-chunks.js';

const C = 1024;

describe('CheckedChunks', () => {
  test('equal chunks at different places are each recorded once; a place never checked is refused', () => {
    const c = new CheckedChunks();
    c.prepared('/r', 'f', 4 * C + 10, C);
    c.add('/r', 'f', 0, C, 'h');
    c.add('/r', 'f', 2 * C, 3 * C, 'h');
    assert.equal(c.take('/r', 'f', 1, 'h'), false, 'chunk 1 was never checked');
    assert.equal(c.take('/r', 'f', 2, 'h'), true);
    assert.equal(c.take('/r', 'f', 0, 'h'), true);
    assert.equal(c.take('/r', 'f', 0, 'h'), false, 'used up');
    c.add('/r', 'f', 4 * C, 4 * C + 10, 't');
    assert.equal(c.take('/r', 'f', 4, 't'), true, 'the short last chunk');
    assert.equal(c.take('/r', 'f', 5, 't'), false, 'past the end');
    assert.equal(c.take('/r', 'g', 0, 'h'), false, 'another file');
    assert.equal(c.take('/other', 'f', 0, 'h'), false, 'another endpoint');
  });

  test('a check a later prepare dropped is told apart from one never made (a takeover), once', () => {
    const c = new CheckedChunks();
    c.prepared('/r', 'f', 2 * C, C);
    c.add('/r', 'f', 0, C, 'h');
    c.prepared('/r', 'f', 2 * C, C); // another run prepares the file again
    assert.equal(c.take('/r', 'f', 0, 'h'), false);
    assert.equal(c.superseded('/r', 'f', 'h'), true);
    assert.equal(c.superseded('/r', 'f', 'h'), false, 'asked once');
    assert.equal(c.superseded('/r', 'f', 'x'), false, 'a hash never checked');
    c.add('/r', 'f', C, 2 * C, 'k');
    c.forget('/r', 'f'); // committed: not a takeover
    assert.equal(c.superseded('/r', 'f', 'k'), false);
  });

  test('a check of a file not prepared here is not kept; a new prepare, a commit or an abort drops the checks', () => {
    const c = new CheckedChunks();
    c.add('/r', 'f', 0, C, 'h');
    c.prepared('/r', 'f', 2 * C, C);
    assert.equal(c.take('/r', 'f', 0, 'h'), false);
    c.add('/r', 'f', 0, C, 'h');
    c.prepared('/r', 'f', 2 * C, C);
    assert.equal(c.take('/r', 'f', 0, 'h'), false, 'prepared again: the file may have started afresh');
    c.add('/r', 'f', 0, C, 'h');
    c.forget('/r', 'f');
    c.prepared('/r', 'f', 2 * C, C);
    assert.equal(c.take('/r', 'f', 0, 'h'), false);
  });

  test('bounded: the oldest checks and files go first', () => {
    const c = new CheckedChunks(3, 2);
    c.prepared('/r', 'f', 10 * C, C);
    for (let i = 0; i < 4; i++) c.add('/r', 'f', i * C, (i + 1) * C, 'h');
    assert.equal(c.take('/r', 'f', 0, 'h'), false, 'the oldest check went');
    assert.equal(c.take('/r', 'f', 3, 'h'), true);
    c.prepared('/r', 'g', 10 * C, C);
    c.prepared('/r', 'k', 10 * C, C);
    assert.equal(c.take('/r', 'f', 1, 'h'), false, 'the oldest file went, with its checks');
    c.add('/r', 'g', 0, C, 'h');
    assert.equal(c.take('/r', 'g', 0, 'h'), true);
  });

  test('a file another agent prepared: its chunks are learnt from the first one recorded, and every later one must agree', () => {
    const c = new CheckedChunks();
    const size = 2 * C + 10;
    c.opened('/r', 'f', size);
    c.add('/r', 'f', 2 * C, size, 'tail');
    c.add('/r', 'f', C, 2 * C, 'h');
    c.add('/r', 'f', 0, C, 'h');
    c.add('/r', 'f', C / 2, C / 2 + C, 'h');
    assert.equal(c.take('/r', 'f', 1, 'h'), true, 'chunk 1 at [C, 2C) fixes the chunk size C');
    assert.equal(c.take('/r', 'f', 2, 'tail'), true, 'the short last chunk');
    assert.equal(c.take('/r', 'f', 0, 'h'), true);
    assert.equal(c.take('/r', 'f', 1, 'h'), false, 'the range half a chunk off is no chunk');
    assert.equal(c.take('/r', 'f', 3, 'h'), false);
  });
});
