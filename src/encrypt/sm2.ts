/**
 * SM2 public-key encryption (GB/T 32918.4-2016 §6.1): for a random k in [1, n-1],
 *
 *   C1 = [k]G,  (x2, y2) = [k]P_B,  t = KDF(x2 || y2, klen)  (a new k if t is all zero),
 *   C2 = M xor t,  C3 = SM3(x2 || M || y2)
 *
 * in three encodings: 'c1c3c2' (0x04 || x1 || y1 || C3 || C2, the order of the 2016 standard and
 * the form whose fixed 97-byte overhead matches KMS's limits: 6,047-byte plaintext, 6,144-byte
 * ciphertext), 'c1c2c3' (the order of the 2010 draft, still met in older systems), and 'asn1'
 * (GB/T 35276 SM2Cipher, what OpenSSL, GmSSL and Tongsuo produce):
 *
 *   SM2Cipher ::= SEQUENCE {
 *       XCoordinate   INTEGER,
 *       YCoordinate   INTEGER,
 *       HASH          OCTET STRING (SIZE(32)),   -- C3
 *       CipherText    OCTET STRING               -- C2
 *   }
 *
 * The public point was validated when the key was parsed (on the curve, not infinity; h = 1).
 */

import { bigIntToBytes, bytesToBigInt } from '../internal/hex.js';
import { randomBytes } from '../internal/webcrypto.js';
import { encodeElement, encodeUnsignedInteger, TAG } from '../keys/der.js';
import { sm2Kdf } from '../sm/sm2.js';
import { Sm3 } from '../sm/sm3.js';
import type { PreparedPoint } from '../verify/ecc.js';
import type { Sm2CiphertextFormat } from './sm2-format.js';

/** A uniformly random scalar in [1, n-1] by rejection sampling from the CSPRNG. */
export function randomScalar(n: bigint): bigint {
  for (;;) {
    const k = bytesToBigInt(randomBytes(32));
    if (k >= 1n && k < n) return k;
  }
}

function allZero(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte !== 0) return false;
  return true;
}

/**
 * Encrypts to `point`'s key. `nextScalar` supplies k (random by default; tests pass the standard's
 * example value); it is asked again whenever a k must be discarded.
 */
export function sm2Encrypt(
  point: PreparedPoint,
  plaintext: Uint8Array,
  format: Sm2CiphertextFormat,
  nextScalar: () => bigint = () => randomScalar(point.curve.n),
): Uint8Array {
  const size = point.curve.size;
  for (;;) {
    const multiples = point.generatorAndKeyMultiples(nextScalar());
    if (multiples === null) continue;
    const x2 = bigIntToBytes(multiples.kP.x, size);
    const y2 = bigIntToBytes(multiples.kP.y, size);
    const shared = new Uint8Array(2 * size);
    shared.set(x2);
    shared.set(y2, size);
    const t = sm2Kdf(shared, plaintext.length);
    // An all-zero t would leave M in the clear (§6.1 A5); an empty t has nothing to hide.
    if (plaintext.length > 0 && allZero(t)) continue;
    const c2 = new Uint8Array(plaintext.length);
    for (let index = 0; index < plaintext.length; index++)
      c2[index] = (plaintext[index] as number) ^ (t[index] as number);
    const c3 = new Sm3().update(x2).update(plaintext).update(y2).digest();
    const x1 = bigIntToBytes(multiples.kG.x, size);
    const y1 = bigIntToBytes(multiples.kG.y, size);
    if (format === 'asn1') {
      return encodeElement(
        TAG.SEQUENCE,
        encodeUnsignedInteger(x1),
        encodeUnsignedInteger(y1),
        encodeElement(TAG.OCTET_STRING, c3),
        encodeElement(TAG.OCTET_STRING, c2),
      );
    }
    const out = new Uint8Array(1 + 2 * size + c3.length + c2.length);
    out[0] = 0x04;
    out.set(x1, 1);
    out.set(y1, 1 + size);
    const [first, second] = format === 'c1c3c2' ? [c3, c2] : [c2, c3];
    out.set(first, 1 + 2 * size);
    out.set(second, 1 + 2 * size + first.length);
    return out;
  }
}
