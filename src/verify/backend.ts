/**
 * What a verification backend provides: the operations a runtime's native crypto can do faster or
 * differently. Everything else (option checks, key/algorithm matching, signature decoding, EMSA
 * checks, the pure ECDSA and SM2 equations) is shared, so every backend gives the same answers.
 */

import type { SigningAlgorithmDescriptor } from '../algorithms.js';
import type { EcPublicKey, RsaPublicKey } from '../keys/types.js';
import type { Sha256 } from './emsa.js';
import type { SignatureFormat, SignatureValue } from './signature.js';

export interface VerifyBackend {
  readonly name: string;
  readonly sha256: Sha256;
  /** RSASSA-PSS or PKCS#1 v1.5 over the message, hashing included, in one native call. */
  rsaVerifyMessage(
    key: RsaPublicKey,
    algorithm: SigningAlgorithmDescriptor,
    message: Uint8Array,
    signature: Uint8Array,
  ): Promise<boolean>;
  /** RSAVP1: the k-byte encoded message, or null when the signature is not a valid representative. */
  rsaRecover(key: RsaPublicKey, signature: Uint8Array): Uint8Array | null | Promise<Uint8Array | null>;
  /**
   * ECDSA-SHA-256 over the message natively, for the curves this backend's crypto implements;
   * undefined for the others, which then take the shared pure path. The signature has already
   * been decoded strictly and range-checked (`value`); `signature` is its original encoding.
   */
  ecdsaVerifyMessage(
    key: EcPublicKey,
    message: Uint8Array,
    signature: Uint8Array,
    format: SignatureFormat,
    value: SignatureValue,
  ): Promise<boolean> | undefined;
}
