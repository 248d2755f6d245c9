/**
 * Point arithmetic for the short Weierstrass curves of src/keys/curves.ts, written for verification
 * speed in plain BigInt. With a BigInt modular multiplication costing ~0.3 µs here, speed is the
 * number of field multiplications, so:
 *
 * - Jacobian coordinates (X/Z^2, Y/Z^3): no inversion per operation. Doubling uses the a = -3 formula
 *   (P-256, SM2; "dbl-2001-b", 3M + 5S) or the a = 0 formula (secp256k1; "dbl-2009-l", 2M + 5S);
 *   adding an affine point uses "madd-2007-bl" (7M + 4S), with the equal and opposite cases handled
 *   (Explicit-Formulas Database, hyperelliptic.org/EFD, g1p/auto-shortw-jacobian-3 and -0).
 * - Fixed-base tables of affine points with signed windows: k*Q = sum over windows i of
 *   d_i * 2^(w*i) * Q, one mixed addition per non-zero digit and no doublings at all. One table for
 *   the generator per curve, and one per hot public key.
 * - For a point without a table, a width-5 wNAF over its odd multiples (one doubling per bit).
 * - Results are checked against a candidate affine x as c*Z^2 == X, never inverting Z.
 *
 * None of this is constant-time: it only ever handles public values (keys, signatures, digests).
 */

import type { Curve } from '../keys/curves.js';

export interface AffinePoint {
  readonly x: bigint;
  readonly y: bigint;
}

/** Jacobian coordinates; z = 0 is the point at infinity. */
export interface JacobianPoint {
  readonly x: bigint;
  readonly y: bigint;
  readonly z: bigint;
}

export const INFINITY: JacobianPoint = Object.freeze({ x: 1n, y: 1n, z: 0n });

/**
 * A fixed-base table: for window i and j = 1..2^(w-1), the affine point j * 2^(w*i) * Q, stored
 * flat (index i * half + j - 1) as parallel x and y arrays.
 */
export interface FixedBaseTable {
  readonly window: number;
  readonly windows: number;
  readonly xs: readonly bigint[];
  readonly ys: readonly bigint[];
}

const SCALAR_BITS = 256;
const GENERATOR_WINDOW = 10;
const GENERATOR_TABLE_AFTER_USES = 8;
const WNAF_WIDTH = 5;

/** value^-1 mod modulus by the extended Euclidean algorithm. */
export function modInverse(value: bigint, modulus: bigint): bigint {
  let [oldR, r] = [((value % modulus) + modulus) % modulus, modulus];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const quotient = oldR / r;
    [oldR, r] = [r, oldR - quotient * r];
    [oldS, s] = [s, oldS - quotient * s];
  }
  if (oldR !== 1n) throw new RangeError('modInverse: value is not invertible');
  return ((oldS % modulus) + modulus) % modulus;
}

/**
 * Signed base-2^w digits of a scalar below 2^256, least significant first, each in
 * [-2^(w-1), 2^(w-1)]; one extra window takes the final carry.
 */
export function signedWindows(scalar: bigint, window: number): Int32Array {
  const windows = Math.ceil(SCALAR_BITS / window) + 1;
  const digits = new Int32Array(windows);
  const half = 1 << (window - 1);
  const full = 1 << window;
  const bits = scalar.toString(2);
  let carry = 0;
  for (let index = 0; index < windows; index++) {
    const end = bits.length - index * window;
    const start = Math.max(0, end - window);
    let digit = carry + (end > 0 ? Number.parseInt(bits.slice(start, end), 2) : 0);
    carry = 0;
    if (digit > half) {
      digit -= full;
      carry = 1;
    }
    digits[index] = digit;
  }
  return digits;
}

/** Width-w NAF digits, least significant first: odd digits in (-2^(w-1), 2^(w-1)) or zero. */
function wnaf(scalar: bigint, width: number): Int8Array {
  const digits = new Int8Array(SCALAR_BITS + 1);
  const full = 1n << BigInt(width);
  const half = full >> 1n;
  let k = scalar;
  let index = 0;
  while (k > 0n) {
    if (k & 1n) {
      let digit = k & (full - 1n);
      if (digit >= half) digit -= full;
      digits[index] = Number(digit);
      k -= digit;
    }
    k >>= 1n;
    index++;
  }
  return digits;
}

export class CurveArithmetic {
  readonly p: bigint;
  readonly n: bigint;
  private readonly aIsMinusThree: boolean;
  private generatorTable: FixedBaseTable | undefined;
  private generatorUses = 0;

  constructor(readonly curve: Curve) {
    this.p = curve.p;
    this.n = curve.n;
    this.aIsMinusThree = curve.a === curve.p - 3n;
    if (!this.aIsMinusThree && curve.a !== 0n)
      throw new RangeError(`${curve.name}: only a = -3 or a = 0 is implemented`);
  }

  double(point: JacobianPoint): JacobianPoint {
    const { p } = this;
    const { x, y, z } = point;
    if (z === 0n || y === 0n) return INFINITY;
    if (this.aIsMinusThree) {
      const delta = (z * z) % p;
      const gamma = (y * y) % p;
      const beta = (x * gamma) % p;
      const alpha = (3n * (((x - delta) * (x + delta)) % p)) % p;
      const beta4 = (4n * beta) % p;
      let x3 = (alpha * alpha - 2n * beta4) % p;
      if (x3 < 0n) x3 += p;
      let z3 = ((y + z) * (y + z) - gamma - delta) % p;
      if (z3 < 0n) z3 += p;
      let y3 = (alpha * (beta4 - x3) - 8n * ((gamma * gamma) % p)) % p;
      if (y3 < 0n) y3 += p;
      return { x: x3, y: y3, z: z3 };
    }
    const a = (x * x) % p;
    const b = (y * y) % p;
    const c = (b * b) % p;
    let d = (2n * ((x + b) * (x + b) - a - c)) % p;
    if (d < 0n) d += p;
    const e = 3n * a;
    const f = (e * e) % p;
    let x3 = (f - 2n * d) % p;
    if (x3 < 0n) x3 += p;
    let y3 = (e * (d - x3) - 8n * c) % p;
    if (y3 < 0n) y3 += p;
    const z3 = (2n * y * z) % p;
    return { x: x3, y: y3, z: z3 };
  }

  /**
   * point + (qx, qy), the second point affine. Intermediate values are reduced only where a product
   * needs it; Z3 = 2*Z1*H, the simplified form of (Z1 + H)^2 - Z1Z1 - HH.
   */
  addAffine(point: JacobianPoint, qx: bigint, qy: bigint): JacobianPoint {
    const { p } = this;
    const { x, y, z } = point;
    if (z === 0n) return { x: qx, y: qy, z: 1n };
    const zz = (z * z) % p;
    const u2 = (qx * zz) % p;
    const s2 = (((qy * z) % p) * zz) % p;
    const h = u2 - x; // in (-p, p)
    const r = 2n * (s2 - y); // in (-2p, 2p)
    if (h === 0n) {
      // Same x: the same point (double it) or opposite points (infinity).
      return r === 0n ? this.double(point) : INFINITY;
    }
    const hh = (h * h) % p;
    const i = 4n * hh;
    const j = (h * i) % p;
    const v = (x * i) % p;
    let x3 = (r * r - j - 2n * v) % p;
    if (x3 < 0n) x3 += p;
    let y3 = (r * (v - x3) - 2n * y * j) % p;
    if (y3 < 0n) y3 += p;
    let z3 = (2n * z * h) % p;
    if (z3 < 0n) z3 += p;
    return { x: x3, y: y3, z: z3 };
  }

  /** Affine form of several Jacobian points with one inversion (Montgomery's trick); none may be infinity. */
  toAffineBatch(points: readonly JacobianPoint[]): AffinePoint[] {
    const { p } = this;
    const prefix: bigint[] = new Array(points.length);
    let accumulator = 1n;
    for (let index = 0; index < points.length; index++) {
      prefix[index] = accumulator;
      accumulator = (accumulator * (points[index] as JacobianPoint).z) % p;
    }
    let inverse = modInverse(accumulator, p);
    const out: AffinePoint[] = new Array(points.length);
    for (let index = points.length - 1; index >= 0; index--) {
      const point = points[index] as JacobianPoint;
      const zInverse = (inverse * (prefix[index] as bigint)) % p;
      inverse = (inverse * point.z) % p;
      const zz = (zInverse * zInverse) % p;
      out[index] = { x: (point.x * zz) % p, y: (((point.y * zz) % p) * zInverse) % p };
    }
    return out;
  }

  /** The fixed-base table of an affine point (see FixedBaseTable). */
  fixedBaseTable(point: AffinePoint, window: number): FixedBaseTable {
    const windows = Math.ceil(SCALAR_BITS / window) + 1;
    const half = 1 << (window - 1);
    const jacobian: JacobianPoint[] = [];
    let base: JacobianPoint = { x: point.x, y: point.y, z: 1n };
    for (let windowIndex = 0; windowIndex < windows; windowIndex++) {
      // base = 2^(w*i) * Q; the window's entries are base, 2*base, ..., half*base.
      const baseAffine = windowIndex === 0 ? point : (this.toAffineBatch([base])[0] as AffinePoint);
      let multiple: JacobianPoint = { x: baseAffine.x, y: baseAffine.y, z: 1n };
      jacobian.push(multiple);
      for (let j = 2; j <= half; j++) {
        multiple = this.addAffine(multiple, baseAffine.x, baseAffine.y);
        jacobian.push(multiple);
      }
      for (let doubling = 0; doubling < window; doubling++) base = this.double(base);
    }
    const affine = this.toAffineBatch(jacobian);
    return { window, windows, xs: affine.map((entry) => entry.x), ys: affine.map((entry) => entry.y) };
  }

  /**
   * The generator's table (window 10: 27 x 512 points, ~110 ms to build, ~1.3 MiB), built when
   * first asked for. Against window 8 it saves six additions per use (measured 9.5% on SM2
   * encryption); multiplyGenerator() asks for it only once the curve is in real use.
   */
  generator(): FixedBaseTable {
    this.generatorTable ??= this.fixedBaseTable({ x: this.curve.gx, y: this.curve.gy }, GENERATOR_WINDOW);
    return this.generatorTable;
  }

  /**
   * [k]G: through the generator's table once this curve has been used GENERATOR_TABLE_AFTER_USES
   * times, before that by wNAF (~1 ms), so a one-shot command or a short-lived worker never pays
   * for a table it will not use.
   */
  multiplyGenerator(k: bigint): JacobianPoint {
    if (this.generatorTable === undefined && ++this.generatorUses < GENERATOR_TABLE_AFTER_USES) {
      return this.multiply({ x: this.curve.gx, y: this.curve.gy }, k);
    }
    return this.addMultipleFromTable(INFINITY, this.generator(), k);
  }

  /** accumulator + scalar * Q, Q given by its fixed-base table. */
  addMultipleFromTable(accumulator: JacobianPoint, table: FixedBaseTable, scalar: bigint): JacobianPoint {
    const { p } = this;
    const digits = signedWindows(scalar, table.window);
    const half = 1 << (table.window - 1);
    let result = accumulator;
    for (let windowIndex = 0; windowIndex < table.windows; windowIndex++) {
      const digit = digits[windowIndex] as number;
      if (digit === 0) continue;
      const at = windowIndex * half + Math.abs(digit) - 1;
      const y = table.ys[at] as bigint;
      result = this.addAffine(result, table.xs[at] as bigint, digit > 0 ? y : p - y);
    }
    return result;
  }

  /** scalar * Q for a point without a table: width-5 wNAF over the odd multiples Q, 3Q, ..., 15Q. */
  multiply(point: AffinePoint, scalar: bigint): JacobianPoint {
    const { p } = this;
    const count = 1 << (WNAF_WIDTH - 2);
    const jacobian: JacobianPoint[] = [{ x: point.x, y: point.y, z: 1n }];
    const twice = this.toAffineBatch([this.double({ x: point.x, y: point.y, z: 1n })])[0] as AffinePoint;
    for (let index = 1; index < count; index++) {
      jacobian.push(this.addAffine(jacobian[index - 1] as JacobianPoint, twice.x, twice.y));
    }
    const odd = this.toAffineBatch(jacobian);
    const digits = wnaf(scalar, WNAF_WIDTH);
    let top = digits.length - 1;
    while (top >= 0 && digits[top] === 0) top--;
    let result = INFINITY;
    for (let index = top; index >= 0; index--) {
      result = this.double(result);
      const digit = digits[index] as number;
      if (digit !== 0) {
        const entry = odd[(Math.abs(digit) - 1) >> 1] as AffinePoint;
        result = this.addAffine(result, entry.x, digit > 0 ? entry.y : p - entry.y);
      }
    }
    return result;
  }

  /** a + b for two Jacobian points (used once per cold verification). */
  add(a: JacobianPoint, b: JacobianPoint): JacobianPoint {
    if (b.z === 0n) return a;
    if (a.z === 0n) return b;
    const [affine] = this.toAffineBatch([b]);
    return this.addAffine(a, (affine as AffinePoint).x, (affine as AffinePoint).y);
  }

  /**
   * True when the point is not infinity and its affine x, reduced mod n, equals `target` (< n):
   * the affine x is target or target + n (when below p), checked as c * Z^2 == X mod p.
   */
  xModNEquals(point: JacobianPoint, target: bigint): boolean {
    const { p, n } = this;
    if (point.z === 0n) return false;
    const zz = (point.z * point.z) % p;
    for (let candidate = target; candidate < p; candidate += n) {
      if ((candidate * zz) % p === point.x) return true;
    }
    return false;
  }

  toAffine(point: JacobianPoint): AffinePoint | null {
    return point.z === 0n ? null : (this.toAffineBatch([point])[0] as AffinePoint);
  }
}
