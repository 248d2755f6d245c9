/**
 * The RSA public operation in plain BigInt (RSAVP1, RFC 8017 §5.2.2 with the length checks of
 * §8.2.2 step 1 and §8.1.2 step 2), for runtimes whose native crypto cannot verify a precomputed
 * digest. Returns null when the signature is not a valid representative, which verification
 * reports as false.
 */

import { bigIntToBytes, bytesToBigInt } from '../internal/hex.js';
import { modPow } from '../internal/modular.js';

export interface RsaPublicNumbers {
  readonly n: bigint;
  readonly e: bigint;
  /** Modulus length in bytes. */
  readonly k: number;
}

export function rsaPublicOperation(key: RsaPublicNumbers, signature: Uint8Array): Uint8Array | null {
  if (signature.length !== key.k) return null;
  const s = bytesToBigInt(signature);
  if (s >= key.n) return null;
  return bigIntToBytes(modPow(s, key.e, key.n), key.k);
}
