/**
 * The three elliptic curves KMS uses, as data: short Weierstrass curves y^2 = x^3 + ax + b over a
 * prime field, each with cofactor 1, so every affine point on the curve other than infinity has
 * prime order n and point validation is: coordinates below p, on the curve (SEC 1 v2 §3.2.2.1).
 *
 * Domain parameters: P-256 from SEC 2 v2 §2.4.2 (secp256r1 = prime256v1), secp256k1 from SEC 2 v2
 * §2.4.1, SM2 from GB/T 32918.5-2017 §5 (the recommended 256-bit curve). Point encodings follow
 * SEC 1 v2 §2.3.3-2.3.4 (uncompressed 04||X||Y, compressed 02/03||X).
 *
 * The arithmetic here is plain BigInt: it runs once per key when a key is parsed, never per
 * signature.
 */

import { KeyFormatError, KeyInvalidError } from '../errors.js';
import { bigIntToBytes, bytesToBigInt } from '../internal/hex.js';
import { modPow } from '../internal/modular.js';

export type CurveName = 'P-256' | 'secp256k1' | 'SM2';

export interface Curve {
  /** Our name, also the OpenSSL-independent label used in messages. */
  readonly name: CurveName;
  /** The name OpenSSL prints as "ASN1 OID". */
  readonly opensslName: string;
  readonly oid: string;
  readonly p: bigint;
  readonly a: bigint;
  readonly b: bigint;
  readonly n: bigint;
  readonly gx: bigint;
  readonly gy: bigint;
  /** Bytes per coordinate. */
  readonly size: number;
}

function curve(fields: Curve): Curve {
  return Object.freeze(fields);
}

export const P256: Curve = curve({
  name: 'P-256',
  opensslName: 'prime256v1',
  oid: '1.2.840.10045.3.1.7',
  p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
  a: 0xffffffff00000001000000000000000000000000fffffffffffffffffffffffcn,
  b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
  n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
  size: 32,
});

export const SECP256K1: Curve = curve({
  name: 'secp256k1',
  opensslName: 'secp256k1',
  oid: '1.3.132.0.10',
  p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn,
  a: 0n,
  b: 7n,
  n: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
  gx: 0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n,
  gy: 0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n,
  size: 32,
});

export const SM2: Curve = curve({
  name: 'SM2',
  opensslName: 'SM2',
  oid: '1.2.156.10197.1.301',
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
  size: 32,
});

/** Named curves by OID; a Map so no lookup can reach Object.prototype. */
export const CURVES_BY_OID: ReadonlyMap<string, Curve> = new Map(
  [P256, SECP256K1, SM2].map((c) => [c.oid, c]),
);

function curveRightHandSide(c: Curve, x: bigint): bigint {
  return (((x * x + c.a) % c.p) * x + c.b) % c.p;
}

export function isOnCurve(c: Curve, x: bigint, y: bigint): boolean {
  return x < c.p && y < c.p && (y * y) % c.p === curveRightHandSide(c, x);
}

/**
 * Decodes and validates an encoded public point, returning the uncompressed form 04||X||Y.
 * Compressed points are decompressed (all three primes are 3 mod 4, so the root is a power).
 */
export function decodePoint(c: Curve, encoded: Uint8Array, where: string): Uint8Array {
  const format = encoded[0];
  if (encoded.length === 1 && format === 0x00) {
    throw new KeyInvalidError(`${where}: the public point is the point at infinity`);
  }
  const size = c.size;
  let x: bigint;
  let y: bigint;
  if (format === 0x04 && encoded.length === 1 + 2 * size) {
    x = bytesToBigInt(encoded.subarray(1, 1 + size));
    y = bytesToBigInt(encoded.subarray(1 + size));
    if (x >= c.p || y >= c.p)
      throw new KeyInvalidError(`${where}: a point coordinate is not below the ${c.name} field prime`);
    if (!isOnCurve(c, x, y))
      throw new KeyInvalidError(`${where}: the public point is not on the ${c.name} curve`);
  } else if ((format === 0x02 || format === 0x03) && encoded.length === 1 + size) {
    x = bytesToBigInt(encoded.subarray(1));
    if (x >= c.p)
      throw new KeyInvalidError(`${where}: the point's x coordinate is not below the ${c.name} field prime`);
    const rightHandSide = curveRightHandSide(c, x);
    const root = modPow(rightHandSide, (c.p + 1n) / 4n, c.p);
    if ((root * root) % c.p !== rightHandSide) {
      throw new KeyInvalidError(
        `${where}: the compressed point's x coordinate is not on the ${c.name} curve`,
      );
    }
    y = (root & 1n) === BigInt(format & 1) ? root : c.p - root;
  } else {
    const described =
      format === 0x06 || format === 0x07
        ? 'hybrid point encoding (0x06/0x07) is not supported'
        : `expected a ${1 + 2 * size}-byte uncompressed or ${1 + size}-byte compressed point, found ${encoded.length} bytes starting 0x${(format ?? 0).toString(16).padStart(2, '0')}`;
    throw new KeyFormatError(`${where}: ${described}`);
  }
  const out = new Uint8Array(1 + 2 * size);
  out[0] = 0x04;
  out.set(bigIntToBytes(x, size), 1);
  out.set(bigIntToBytes(y, size), 1 + size);
  return out;
}
