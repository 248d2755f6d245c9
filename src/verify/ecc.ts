/**
 * The verification equations of ECDSA (SEC 1 v2 §4.1.4 steps 4-8) and SM2 (GB/T 32918.2-2016 §7.1
 * B5-B7) over the curves of src/keys/curves.ts, with point arithmetic from @noble/curves (audited)
 * built from our curve table. Range checks on r and s happen before this, in signature.ts.
 *
 * Per-key precomputation: a public point that keeps being used gets a window table, which makes its
 * scalar multiplication several times faster. Tables cost time to build and memory to keep, so a
 * point gets one only after `hotAfterUses` verifications, and at most `maxTables` points hold one at
 * a time (the least recently promoted loses its table first).
 */

import { weierstrass } from '@noble/curves/abstract/weierstrass.js';
import { bytesToBigInt } from '../internal/hex.js';
import type { Curve, CurveName } from '../keys/curves.js';
import type { SignatureValue } from './signature.js';

type Point = ReturnType<typeof weierstrass<bigint>>['BASE'];
type PointConstructor = ReturnType<typeof weierstrass<bigint>>;

export interface PrecomputationPolicy {
  /** Verifications with one key before its point gets a precomputed table. */
  readonly hotAfterUses: number;
  /** Window size of per-key tables: w=4 builds in ~11 ms, w=8 in ~90 ms (measured on SM2). */
  readonly window: number;
  /** Points holding a table at once; a w=4 table is 64 x 8 projective points, tens of KiB. */
  readonly maxTables: number;
}

let policy: PrecomputationPolicy = Object.freeze({ hotAfterUses: 4, window: 4, maxTables: 1024 });

/** The current precomputation policy. */
export function precomputationPolicy(): PrecomputationPolicy {
  return policy;
}

/**
 * Changes the policy for points prepared from now on; lowering maxTables evicts tables at the next
 * promotion. Used by the key ring's memory bounds and by tests.
 */
export function setPrecomputationPolicy(changes: Partial<PrecomputationPolicy>): void {
  const next = { ...policy, ...changes };
  for (const [name, value] of Object.entries(next)) {
    if (!Number.isInteger(value) || value < 0 || (name === 'window' && (value < 1 || value > 16))) {
      throw new RangeError(
        `precomputation ${name} must be a non-negative integer (window 1-16), got ${value}`,
      );
    }
  }
  policy = Object.freeze(next);
}

const constructors = new Map<CurveName, PointConstructor>();

function pointConstructor(curve: Curve): PointConstructor {
  let points = constructors.get(curve.name);
  if (points === undefined) {
    points = weierstrass(
      { p: curve.p, n: curve.n, h: 1n, a: curve.a, b: curve.b, Gx: curve.gx, Gy: curve.gy },
      curve.glv === undefined
        ? {}
        : {
            endo: {
              beta: curve.glv.beta,
              basises: curve.glv.basises as [[bigint, bigint], [bigint, bigint]],
            },
          },
    );
    constructors.set(curve.name, points);
  }
  return points;
}

/** A key's public point as prepared for repeated verification. */
export class PreparedPoint {
  private point: Point;
  private uses = 0;
  private tabled = false;

  constructor(
    readonly curve: Curve,
    uncompressed: Uint8Array,
  ) {
    const size = curve.size;
    this.point = pointConstructor(curve).fromAffine({
      x: bytesToBigInt(uncompressed.subarray(1, 1 + size)),
      y: bytesToBigInt(uncompressed.subarray(1 + size)),
    });
  }

  /** u1*G + u2*P, with the key's table once it is hot. */
  combination(u1: bigint, u2: bigint): Point {
    if (!this.tabled && ++this.uses >= policy.hotAfterUses) tables.promote(this);
    const base = pointConstructor(this.curve).BASE;
    return this.tabled
      ? base.multiplyUnsafe(u1).add(this.point.multiplyUnsafe(u2))
      : base.mulAddUnsafe(u1, this.point, u2);
  }

  /** Builds the table (noble keeps tables per point object). */
  attachTable(): void {
    this.point = this.point.precompute(policy.window, false);
    this.tabled = true;
  }

  /** Drops the table by replacing the point object; the old table is garbage once unreferenced. */
  detachTable(): void {
    this.point = pointConstructor(this.curve).fromAffine(this.point.toAffine());
    this.tabled = false;
    this.uses = 0;
  }

  get hasTable(): boolean {
    return this.tabled;
  }
}

/** The points currently holding tables, oldest promotion first. */
const tables = {
  holders: new Set<PreparedPoint>(),
  promote(prepared: PreparedPoint): void {
    while (this.holders.size > 0 && this.holders.size >= policy.maxTables) {
      const oldest = this.holders.values().next().value as PreparedPoint;
      this.holders.delete(oldest);
      oldest.detachTable();
    }
    if (policy.maxTables === 0) return;
    prepared.attachTable();
    this.holders.add(prepared);
  },
};

/** The number of points holding a table now, for tests and stats. */
export function tabledPointCount(): number {
  return tables.holders.size;
}

/** The digest as an integer mod n (SEC 1 §4.1.4 step 3: leftmost log2(n) bits; n and e are 256-bit). */
function digestScalar(digest: Uint8Array, n: bigint): bigint {
  return bytesToBigInt(digest) % n;
}

function modInverse(value: bigint, modulus: bigint): bigint {
  // Extended Euclid; value is in [1, n-1] and n is prime, so the inverse exists.
  let [oldR, r] = [value, modulus];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const quotient = oldR / r;
    [oldR, r] = [r, oldR - quotient * r];
    [oldS, s] = [s, oldS - quotient * s];
  }
  return ((oldS % modulus) + modulus) % modulus;
}

/** ECDSA: R = (e/s)G + (r/s)Q must not be infinity, and x(R) mod n must equal r. */
export function ecdsaVerify(prepared: PreparedPoint, digest: Uint8Array, { r, s }: SignatureValue): boolean {
  const n = prepared.curve.n;
  const w = modInverse(s, n);
  const e = digestScalar(digest, n);
  const point = prepared.combination((e * w) % n, (r * w) % n);
  if (point.is0()) return false;
  return point.toAffine().x % n === r;
}

/** SM2: t = (r + s) mod n must not be 0; (x1, y1) = sG + tP; (e + x1) mod n must equal r. */
export function sm2Verify(prepared: PreparedPoint, digest: Uint8Array, { r, s }: SignatureValue): boolean {
  const n = prepared.curve.n;
  const t = (r + s) % n;
  if (t === 0n) return false;
  const point = prepared.combination(s, t);
  if (point.is0()) return false;
  return (bytesToBigInt(digest) + point.toAffine().x) % n === r;
}
