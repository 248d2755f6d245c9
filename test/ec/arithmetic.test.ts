/**
 * Our point arithmetic against @noble/curves (audited, used here only as an oracle) on all three
 * curves: fixed-base tables of every window size, the cold wNAF path, edge scalars, and the
 * additions that hit the equal-point and opposite-point cases.
 */

import { weierstrass } from '@noble/curves/abstract/weierstrass.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AffinePoint,
  CurveArithmetic,
  INFINITY,
  type JacobianPoint,
  signedWindows,
} from '../../src/ec/arithmetic.js';
import { type Curve, P256, SECP256K1, SM2 } from '../../src/keys/curves.js';

const scalar = (n: bigint) => fc.bigInt({ min: 0n, max: n - 1n });

describe.each([P256, SECP256K1, SM2])('$name', (curve: Curve) => {
  const arithmetic = new CurveArithmetic(curve);
  const Oracle = weierstrass({
    p: curve.p,
    n: curve.n,
    h: 1n,
    a: curve.a,
    b: curve.b,
    Gx: curve.gx,
    Gy: curve.gy,
  });
  const G: AffinePoint = { x: curve.gx, y: curve.gy };
  const Q = Oracle.BASE.multiply(0x1234567890abcdef1234567890abcdefn).toAffine();
  const tables = new Map([5, 6, 7, 8].map((window) => [window, arithmetic.fixedBaseTable(Q, window)]));

  function same(ours: JacobianPoint, oracle: ReturnType<typeof Oracle.fromAffine>): boolean {
    const affine = arithmetic.toAffine(ours);
    if (oracle.is0()) return affine === null;
    const expected = oracle.toAffine();
    return affine !== null && affine.x === expected.x && affine.y === expected.y;
  }

  it('u1*G + u2*Q agrees with the oracle through tables of every window and the cold path', () => {
    fc.assert(
      fc.property(scalar(curve.n), scalar(curve.n), (u1, u2) => {
        const expected = Oracle.BASE.multiplyUnsafe(u1).add(Oracle.fromAffine(Q).multiplyUnsafe(u2));
        const withG = arithmetic.addMultipleFromTable(INFINITY, arithmetic.generator(), u1);
        expect(same(arithmetic.add(withG, arithmetic.multiply(Q, u2)), expected)).toBe(true);
        for (const table of tables.values()) {
          expect(same(arithmetic.addMultipleFromTable(withG, table, u2), expected)).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it.each([0n, 1n, 2n, 3n, curve.n - 1n, curve.n - 2n, 1n << 255n, (1n << 128n) - 1n])(
    'edge scalar %s',
    (k) => {
      const expected = k === 0n ? Oracle.ZERO : Oracle.fromAffine(Q).multiplyUnsafe(k);
      expect(same(arithmetic.multiply(Q, k), expected)).toBe(true);
      for (const table of tables.values())
        expect(same(arithmetic.addMultipleFromTable(INFINITY, table, k), expected)).toBe(true);
    },
  );

  it('adding a point to itself doubles it, and to its negation gives infinity', () => {
    const k = 0x77777777777777777777n;
    const kG = arithmetic.addMultipleFromTable(INFINITY, arithmetic.generator(), k);
    const sum = arithmetic.addMultipleFromTable(kG, arithmetic.generator(), k);
    expect(same(sum, Oracle.BASE.multiply(2n * k))).toBe(true);
    const zero = arithmetic.addMultipleFromTable(kG, arithmetic.generator(), curve.n - k);
    expect(zero.z).toBe(0n);
    expect(arithmetic.xModNEquals(zero, 0n)).toBe(false);
    expect(
      same(
        arithmetic.add(arithmetic.multiply(G, k), arithmetic.multiply(G, k)),
        Oracle.BASE.multiply(2n * k),
      ),
    ).toBe(true);
  });

  it('multiplyGenerator gives the same point before and after the generator table exists', () => {
    const fresh = new CurveArithmetic(curve);
    for (let use = 0; use < 12; use++) {
      const k = 0x1234567n * BigInt(use + 1);
      expect(same(fresh.multiplyGenerator(k), Oracle.BASE.multiply(k))).toBe(true);
    }
  });

  it('xModNEquals compares affine x mod n without inverting', () => {
    const point = arithmetic.multiply(Q, 0xabcdefn);
    const x = (arithmetic.toAffine(point) as AffinePoint).x;
    expect(arithmetic.xModNEquals(point, x % curve.n)).toBe(true);
    expect(arithmetic.xModNEquals(point, (x + 1n) % curve.n)).toBe(false);
  });
});

describe('signed window recoding', () => {
  it('digits are in range and sum back to the scalar, for every window size', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
        fc.integer({ min: 2, max: 12 }),
        (k, window) => {
          const digits = signedWindows(k, window);
          let sum = 0n;
          digits.forEach((digit, index) => {
            expect(Math.abs(digit)).toBeLessThanOrEqual(1 << (window - 1));
            sum += BigInt(digit) << BigInt(window * index);
          });
          expect(sum).toBe(k);
        },
      ),
      { numRuns: 500 },
    );
  });
});
