/**
 * SM2DSA verification (GB/T 32918.2-2016 §7.1 B1-B7): e = SM3(Z_A || M), with Z_A kept per key and
 * user ID, then the equation in ecc.ts. verify.ts loads this module with import() the first time an
 * SM2DSA signature is checked, so an application that verifies only RSA or ECDSA neither runs nor
 * (with a splitting bundler) downloads the SM2 and SM3 code.
 */

import { KMS_SM2_USER_ID } from '../algorithms.js';
import type { EcPublicKey } from '../keys/types.js';
import { sm2Digest, sm2Z } from '../sm/sm2.js';
import { type PreparedPoint, sm2Verify } from './ecc.js';
import { sm2ZCache } from './prepared.js';
import type { SignatureValue } from './signature.js';

/** Distinct SM2 user IDs remembered per key; an application uses one or a few. */
const MAX_USER_IDS_PER_KEY = 16;

/** Z_A for this key and user ID, computed once per pair. */
export function sm2ZFor(key: EcPublicKey, userId: Uint8Array): Uint8Array {
  const zByUserId = sm2ZCache(key);
  const id = String.fromCharCode(...userId);
  let z = zByUserId.get(id);
  if (z === undefined) {
    z = sm2Z(key.point, userId);
    if (zByUserId.size >= MAX_USER_IDS_PER_KEY) zByUserId.delete(zByUserId.keys().next().value as string);
    zByUserId.set(id, z);
  }
  return z;
}

/**
 * Checks a decoded, range-checked SM2 signature over the digest e, or over the message with the
 * signer's user ID (KMS's default 1234567812345678 when none is given).
 */
export function sm2VerifySignature(
  key: EcPublicKey,
  point: PreparedPoint,
  value: SignatureValue,
  digest: Uint8Array | undefined,
  message: Uint8Array | undefined,
  userId: Uint8Array | undefined,
): boolean {
  const e = digest ?? sm2Digest(sm2ZFor(key, userId ?? KMS_SM2_USER_ID), message as Uint8Array);
  return sm2Verify(point, e, value);
}
