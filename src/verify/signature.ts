/**
 * ECDSA and SM2 signature values: the DER form KMS returns,
 *
 *   Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }   -- RFC 3279 §2.2.3; the same shape is
 *                                                           -- SM2Signature in GB/T 35276 §7.2
 *
 * read as strict DER, and the fixed-width IEEE P1363 form r || s. Both integers must lie in
 * [1, n-1] (SEC 1 §4.1.4 step 1, GB/T 32918.2 §7.1 B1-B2). Anything else is not a signature at all,
 * which verification reports as false, so this returns null instead of throwing.
 */

import { KeyFormatError } from '../errors.js';
import { bytesToBigInt } from '../internal/hex.js';
import type { Curve } from '../keys/curves.js';
import { DerReader, TAG } from '../keys/der.js';

export type SignatureFormat = 'der' | 'p1363';

export interface SignatureValue {
  readonly r: bigint;
  readonly s: bigint;
}

function inRange(value: bigint, n: bigint): boolean {
  return value >= 1n && value < n;
}

function decodeDer(signature: Uint8Array): SignatureValue | null {
  try {
    const value = DerReader.single(signature, TAG.SEQUENCE, 'signature');
    const r = value.positiveInteger('r');
    const s = value.positiveInteger('s');
    value.finish();
    return { r: bytesToBigInt(r), s: bytesToBigInt(s) };
  } catch (error) {
    if (error instanceof KeyFormatError) return null;
    throw error;
  }
}

function decodeP1363(signature: Uint8Array, size: number): SignatureValue | null {
  if (signature.length !== 2 * size) return null;
  return { r: bytesToBigInt(signature.subarray(0, size)), s: bytesToBigInt(signature.subarray(size)) };
}

/** The (r, s) of a signature, or null when it is malformed or out of range for the curve. */
export function decodeSignature(
  signature: Uint8Array,
  format: SignatureFormat,
  curve: Curve,
): SignatureValue | null {
  const value = format === 'der' ? decodeDer(signature) : decodeP1363(signature, curve.size);
  if (value === null || !inRange(value.r, curve.n) || !inRange(value.s, curve.n)) return null;
  return value;
}
