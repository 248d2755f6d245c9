/**
 * SM2 signature hashing (GB/T 32918.2-2016 §5.5 and §6.1 A1-A2, the same in §7.1 B3-B4):
 *
 *   Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A)
 *   e   = SM3(Z_A || M)
 *
 * where ENTL_A is the bit length of the user ID as two bytes. Also the key derivation function of
 * SM2 encryption (GB/T 32918.4-2016 §5.4.3). KMS signs with the default user ID
 * 1234567812345678 (GM/T 0009-2012 §10), so that is the default here too. Z depends only on the
 * key and the ID, so callers compute it once per key and ID and keep it.
 */

import { bigIntToBytes } from '../internal/hex.js';
import { SM2 } from '../keys/curves.js';
import { Sm3, sm3 } from './sm3.js';

export { DEFAULT_SM2_USER_ID } from '../algorithms.js';

/** ENTL is 16 bits of bit length, so an ID is at most 8191 bytes. */
export const MAX_SM2_USER_ID_BYTES = 8191;

const CURVE_BYTES = [SM2.a, SM2.b, SM2.gx, SM2.gy].map((value) => bigIntToBytes(value, SM2.size));

/** Z_A for an uncompressed public point (0x04 || x || y) and a user ID. */
export function sm2Z(uncompressedPoint: Uint8Array, userId: Uint8Array): Uint8Array {
  if (userId.length > MAX_SM2_USER_ID_BYTES) {
    throw new RangeError(
      `SM2 user ID is ${userId.length} bytes; at most ${MAX_SM2_USER_ID_BYTES} fit in ENTL`,
    );
  }
  const bits = userId.length * 8;
  const hasher = new Sm3().update(new Uint8Array([bits >>> 8, bits & 0xff])).update(userId);
  for (const bytes of CURVE_BYTES) hasher.update(bytes);
  return hasher.update(uncompressedPoint.subarray(1)).digest();
}

/** e = SM3(Z_A || M), the 32 bytes KMS calls the SM2DSA digest. */
export function sm2Digest(z: Uint8Array, message: Uint8Array): Uint8Array {
  return sm3(z, message);
}

/**
 * KDF(Z, klen): SM3(Z || ct) for ct = 1, 2, ... as 32-bit big-endian counters, concatenated and cut
 * to `length` bytes (GB/T 32918.4-2016 §5.4.3).
 */
export function sm2Kdf(z: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const counter = new Uint8Array(4);
  const view = new DataView(counter.buffer);
  for (let offset = 0, count = 1; offset < length; offset += 32, count++) {
    view.setUint32(0, count);
    const block = new Sm3().update(z).update(counter).digest();
    out.set(block.subarray(0, Math.min(32, length - offset)), offset);
  }
  return out;
}
