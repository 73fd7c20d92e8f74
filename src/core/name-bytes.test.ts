import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeName, encodeName, fromStoredText, hasEscapedBytes, showEscapedBytes, toStoredText } from './name-bytes.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const roundTrips = (b: Uint8Array): void => assert.deepEqual(encodeName(decodeName(b)), b, `round trip of ${Buffer.from(b).toString('hex')}`);

test('every byte value round-trips, alone and between valid characters', () => {
  for (let v = 0; v < 256; v++) {
    roundTrips(bytes(v));
    roundTrips(Uint8Array.from([...utf8('a\u00e9'), v, ...utf8('\u{1f600}z')]));
  }
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  roundTrips(all);
  roundTrips(all.reverse());
});

test('valid UTF-8 decodes as usual, 4-byte sequences included, with nothing escaped', () => {
  for (const s of ['plain name', 'é✓', '\u{1f600}\u{10ffff}', '\u{10080}', 'a\u07ffb\uffff']) {
    assert.equal(decodeName(utf8(s)), s);
    assert.deepEqual(encodeName(s), utf8(s));
    assert.equal(hasEscapedBytes(s), false, s);
    assert.equal(showEscapedBytes(s), s);
  }
});

test('each byte of an invalid sequence becomes U+DC80+byte; the valid parts stay as they are', () => {
  assert.equal(decodeName(bytes(0x62, 0xff, 0x2e)), 'b\udcff.');
  // a lead byte without its continuation; a truncated 3- and 4-byte sequence at the end
  assert.equal(decodeName(bytes(0xc3, 0x41)), '\udcc3A');
  assert.equal(decodeName(bytes(0x41, 0xe2, 0x9c)), 'A\udce2\udc9c');
  assert.equal(decodeName(bytes(0xf0, 0x9f, 0x98)), '\udcf0\udc9f\udc98');
  // overlong forms of '/' and of U+0800, and a lone continuation byte
  assert.equal(decodeName(bytes(0xc0, 0xaf)), '\udcc0\udcaf');
  assert.equal(decodeName(bytes(0xe0, 0x80, 0xaf)), '\udce0\udc80\udcaf');
  assert.equal(decodeName(bytes(0x80)), '\udc80');
  // above U+10FFFF
  assert.equal(decodeName(bytes(0xf4, 0x90, 0x80, 0x80)), '\udcf4\udc90\udc80\udc80');
  for (const b of [bytes(0xc3, 0x41), bytes(0xe0, 0x80, 0xaf), bytes(0xf4, 0x90, 0x80, 0x80), bytes(0x41, 0xe2, 0x9c)]) roundTrips(b);
});

test('a surrogate encoded in UTF-8 (ED B0 80) is not valid UTF-8: it is three bytes, and comes back as those bytes', () => {
  const s = decodeName(bytes(0x78, 0xed, 0xb0, 0x80));
  assert.equal(s, 'x\udced\udcb0\udc80');
  assert.deepEqual(encodeName(s), bytes(0x78, 0xed, 0xb0, 0x80));
  // and a string that holds U+DC80 escapes of the bytes of a valid character gives those bytes, not the escapes' UTF-8
  assert.deepEqual(encodeName('\udcc3\udca9'), bytes(0xc3, 0xa9));
});

test('names are shown with \\xNN for the bytes that are not UTF-8, and a surrogate pair is never mistaken for one', () => {
  assert.equal(showEscapedBytes(decodeName(bytes(0x62, 0xff, 0x2e))), 'b\\xff.');
  assert.equal(showEscapedBytes(decodeName(bytes(0x80, 0xe2, 0x9c))), '\\x80\\xe2\\x9c');
  assert.equal(hasEscapedBytes('b\udcff'), true);
  // U+10080 is the pair D800 DC80: its low half lies in the escape range but is not lone
  assert.equal(hasEscapedBytes('\u{10080}'), false);
  assert.equal(showEscapedBytes('\u{10080}\udcfe'), '\u{10080}\\xfe');
});

test('a lone surrogate outside the escape range names no bytes: a RangeError, not a guess', () => {
  assert.throws(() => encodeName('a\ud800b'), /lone surrogate U\+D800/);
  assert.throws(() => encodeName('a\udc7fb'), /lone surrogate U\+DC7F/);
});

test('text stored in a database column keeps escaped bytes and backslashes exactly, and plain text as it is', () => {
  const cases = ['plain', 'a\\b', 'back\\slash\\u', '\\udcff literal', '\\\\udcfe', 'b\udcff.', '\\\udcfe', 'x\\u005c\udc80\\', '\u{10080}é'];
  for (const s of cases) {
    const stored = toStoredText(s);
    assert.equal(fromStoredText(stored), s, JSON.stringify(s));
    assert.equal(hasEscapedBytes(stored), false, `${JSON.stringify(stored)} holds no lone surrogate`);
  }
  assert.equal(toStoredText('plain'), 'plain');
  assert.equal(toStoredText('a\\b'), 'a\\b');
  assert.equal(toStoredText('b\udcff.'), 'b\\udcff.');
  // two names that differ only in being bytes or text stay two
  assert.notEqual(toStoredText('a\udcfe'), toStoredText('a\\udcfe'));
});
