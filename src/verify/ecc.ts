/**
 * The verification equations of ECDSA (SEC 1 v2 §4.1.4 steps 4-8) and SM2 (GB/T 32918.2-2016 §7.1
 * B5-B7) over the curves of src/keys/curves.ts, on our own point arithmetic (src/ec/arithmetic.ts).
 * Range checks on r and s happen before this, in signature.ts.
 *
 * Per-key precomputation: a public point that keeps being used gets a fixed-base table, which makes
 * verification about four times faster (measured on SM2: ~1,100/s without, ~4,400/s with a w=7
 * table). Tables cost time to build (~13 ms) and memory to keep (~230 KiB at w=7), so a point gets
 * one only after `hotAfterUses` verifications, and at most `maxTables` points hold one at a time
 * (the least recently used loses its table first).
 */

import {
  type AffinePoint,
  CurveArithmetic,
  type FixedBaseTable,
  INFINITY,
  modInverse,
} from '../ec/arithmetic.js';
import { bytesToBigInt } from '../internal/hex.js';
import type { Curve, CurveName } from '../keys/curves.js';
import type { SignatureValue } from './signature.js';

export interface PrecomputationPolicy {
  /** Verifications with one key before its point gets a precomputed table. */
  readonly hotAfterUses: number;
  /** Window size of per-key tables (w=5: ~6 ms, 850 points; w=7: ~13 ms, 2,432; w=8: ~21 ms, 4,224). */
  readonly window: number;
  /** Points holding a table at once (a w=7 table holds 2,432 affine points, ~230 KiB). */
  readonly maxTables: number;
}

let policy: PrecomputationPolicy = Object.freeze({ hotAfterUses: 8, window: 7, maxTables: 256 });

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

const arithmetics = new Map<CurveName, CurveArithmetic>();

function arithmeticFor(curve: Curve): CurveArithmetic {
  let arithmetic = arithmetics.get(curve.name);
  if (arithmetic === undefined) {
    arithmetic = new CurveArithmetic(curve);
    arithmetics.set(curve.name, arithmetic);
  }
  return arithmetic;
}

/** A key's public point as prepared for repeated verification. */
export class PreparedPoint {
  private readonly x: bigint;
  private readonly y: bigint;
  private readonly arithmetic: CurveArithmetic;
  private uses = 0;
  private table: FixedBaseTable | undefined;

  constructor(
    readonly curve: Curve,
    uncompressed: Uint8Array,
  ) {
    this.arithmetic = arithmeticFor(curve);
    this.x = bytesToBigInt(uncompressed.subarray(1, 1 + curve.size));
    this.y = bytesToBigInt(uncompressed.subarray(1 + curve.size));
  }

  /** True when u1*G + u2*P is not infinity and its affine x mod n equals target. */
  combinationXEquals(u1: bigint, u2: bigint, target: bigint): boolean {
    this.countUse();
    const arithmetic = this.arithmetic;
    const withG = arithmetic.multiplyGenerator(u1);
    const sum =
      this.table === undefined
        ? arithmetic.add(withG, arithmetic.multiply({ x: this.x, y: this.y }, u2))
        : arithmetic.addMultipleFromTable(withG, this.table, u2);
    return arithmetic.xModNEquals(sum, target);
  }

  /**
   * [k]G and [k]P as affine points with one inversion: SM2 encryption's C1 and shared point. The
   * key counts toward table promotion like a verification does. Null when kP is infinity, which
   * a validated key and k in [1, n-1] never give.
   */
  generatorAndKeyMultiples(k: bigint): { kG: AffinePoint; kP: AffinePoint } | null {
    this.countUse();
    const arithmetic = this.arithmetic;
    const kG = arithmetic.multiplyGenerator(k);
    const kP =
      this.table === undefined
        ? arithmetic.multiply({ x: this.x, y: this.y }, k)
        : arithmetic.addMultipleFromTable(INFINITY, this.table, k);
    if (kG.z === 0n || kP.z === 0n) return null;
    const [c1, shared] = arithmetic.toAffineBatch([kG, kP]) as [AffinePoint, AffinePoint];
    return { kG: c1, kP: shared };
  }

  private countUse(): void {
    if (this.table !== undefined) tables.touch(this);
    else if (++this.uses >= policy.hotAfterUses) tables.promote(this);
  }

  attachTable(): void {
    this.table = this.arithmetic.fixedBaseTable({ x: this.x, y: this.y }, policy.window);
  }

  detachTable(): void {
    this.table = undefined;
    this.uses = 0;
  }

  get hasTable(): boolean {
    return this.table !== undefined;
  }
}

/** The points currently holding tables, least recently used first (a Set keeps insertion order). */
const tables = {
  holders: new Set<PreparedPoint>(),
  touch(prepared: PreparedPoint): void {
    this.holders.delete(prepared);
    this.holders.add(prepared);
  },
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

/** ECDSA: R = (e/s)G + (r/s)Q must not be infinity, and x(R) mod n must equal r. */
export function ecdsaVerify(prepared: PreparedPoint, digest: Uint8Array, { r, s }: SignatureValue): boolean {
  const n = prepared.curve.n;
  const w = modInverse(s, n);
  const e = digestScalar(digest, n);
  return prepared.combinationXEquals((e * w) % n, (r * w) % n, r);
}

/** SM2: t = (r + s) mod n must not be 0; (x1, y1) = sG + tP; (e + x1) mod n must equal r. */
export function sm2Verify(prepared: PreparedPoint, digest: Uint8Array, { r, s }: SignatureValue): boolean {
  const n = prepared.curve.n;
  const t = (r + s) % n;
  if (t === 0n) return false;
  // (e + x1) mod n = r  <=>  x1 mod n = (r - e) mod n
  const e = bytesToBigInt(digest) % n;
  return prepared.combinationXEquals(s, t, (((r - e) % n) + n) % n);
}
