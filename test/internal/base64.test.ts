/** Strict base64: RFC 4648 §10 test vectors, whitespace, and every refusal. */

import { describe, expect, it } from 'vitest';
import { Base64SyntaxError, base64ToBytes, bytesToBase64 } from '../../src/internal/base64.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('RFC 4648 §10 vectors', () => {
  it.each([
    ['', ''],
    ['f', 'Zg=='],
    ['fo', 'Zm8='],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg=='],
    ['fooba', 'Zm9vYmE='],
    ['foobar', 'Zm9vYmFy'],
  ])('%j <-> %s', (plain, encoded) => {
    expect(bytesToBase64(new TextEncoder().encode(plain))).toBe(encoded);
    expect(text(base64ToBytes(encoded))).toBe(plain);
  });
});

it('ignores ASCII whitespace between characters, as PEM line wrapping needs', () => {
  expect(text(base64ToBytes(' Zm9v\r\nYmFy\n\t'))).toBe('foobar');
  expect(text(base64ToBytes('Zm9vYg=\n='))).toBe('foob');
});

it('round-trips every byte value', () => {
  const all = Uint8Array.from({ length: 256 }, (_, index) => index);
  for (let length = 0; length <= 256; length += 37) {
    const slice = all.subarray(0, length);
    expect(base64ToBytes(bytesToBase64(slice))).toEqual(slice);
  }
});

describe('refusals', () => {
  it.each([
    ['Zm9v*mFy', "invalid base64 character '*' at position 4"],
    ['Zm9v-mFy', "invalid base64 character '-'"],
    ['Zm9v_mFy', "invalid base64 character '_'"],
    ['Zm9vYmF\u00e9', 'U+00E9'],
    ['Zm9vY', 'not a multiple of 4'],
    ['Zm9vYg', 'not a multiple of 4'],
    ['Zm9vYg===', 'too much base64 padding'],
    ['Zg==Zm9v', 'data after padding'],
    ['Zm8=Zg==', 'data after padding'],
    ['====', 'too much base64 padding'],
    ['==', 'not a multiple of 4'],
    ['Zh==', 'non-zero bits'],
    ['Zm9=', 'non-zero bits'],
  ])('%j: %s', (input, fragment) => {
    expect(() => base64ToBytes(input)).toThrow(Base64SyntaxError);
    expect(() => base64ToBytes(input)).toThrow(fragment);
  });
});
