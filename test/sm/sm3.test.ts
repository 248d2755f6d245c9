/**
 * SM3 against the two examples of GB/T 32905-2016 Appendix A and against node:crypto (OpenSSL's
 * SM3) on random inputs of every length around the block and padding boundaries.
 */

import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Sm3, sm3 } from '../../src/sm/sm3.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const opensslSm3 = (data: Uint8Array) => createHash('sm3').update(data).digest('hex');

describe('GB/T 32905-2016 Appendix A', () => {
  it('A.1: "abc"', () => {
    expect(hex(sm3(new TextEncoder().encode('abc')))).toBe(
      '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
    );
  });

  it('A.2: "abcd" repeated 16 times (512 bits, a second padding block)', () => {
    expect(hex(sm3(new TextEncoder().encode('abcd'.repeat(16))))).toBe(
      'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732',
    );
  });
});

describe('agrees with node:crypto', () => {
  it('on every length from 0 to 300 bytes', () => {
    for (let length = 0; length <= 300; length++) {
      const data = randomBytes(length);
      expect(hex(sm3(data)), `length ${length}`).toBe(opensslSm3(data));
    }
  });

  it('on 1 MiB', () => {
    const data = randomBytes(1 << 20);
    expect(hex(sm3(data))).toBe(opensslSm3(data));
  });

  it('whatever way the input is split into updates', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 700 }),
        fc.array(fc.nat(700), { maxLength: 8 }),
        (data, cuts) => {
          const hasher = new Sm3();
          let previous = 0;
          for (const cut of [...cuts.map((c) => c % (data.length + 1))].sort((a, b) => a - b)) {
            hasher.update(data.subarray(previous, cut));
            previous = cut;
          }
          hasher.update(data.subarray(previous));
          expect(hex(hasher.digest())).toBe(opensslSm3(data));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('sm3(a, b) hashes the concatenation', () => {
    const a = randomBytes(70);
    const b = randomBytes(3);
    expect(hex(sm3(a, b))).toBe(opensslSm3(Buffer.concat([a, b])));
  });
});

describe('misuse', () => {
  it('refuses update and digest after digest', () => {
    const hasher = new Sm3().update(new Uint8Array(3));
    hasher.digest();
    expect(() => hasher.update(new Uint8Array(1))).toThrow(TypeError);
    expect(() => hasher.digest()).toThrow(TypeError);
  });
});
