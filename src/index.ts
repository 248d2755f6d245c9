/**
 * kms-verify: verify Alibaba Cloud KMS signatures and encrypt to KMS public keys offline, on any
 * runtime with Web Crypto. This is the curated public surface; everything else is internal.
 */

import { createVerify } from './verify/verify.js';
import { webBackend } from './verify/web-backend.js';

export {
  type EcKeySpec,
  type EcKeySpecDescriptor,
  KEY_SPECS,
  type KeySpec,
  type KeySpecDescriptor,
  type RsaKeySpec,
  type RsaKeySpecDescriptor,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
  type SigningAlgorithmDescriptor,
} from './algorithms.js';
export {
  AlgorithmMismatchError,
  AlgorithmUnsupportedError,
  BundleFormatError,
  CryptoUnavailableError,
  KeyFormatError,
  KeyInvalidError,
  KeyUnsupportedError,
  KmsVerifyError,
} from './errors.js';
export { type GetPublicKeyResponse, parseKeyBundle } from './fetchers/bundle.js';
export type { CurveName } from './keys/curves.js';
export { publicKeyFingerprint } from './keys/fingerprint.js';
export { MAX_KEY_INPUT_LENGTH, type PublicKeyInput, parsePublicKey } from './keys/parse.js';
export {
  type EcPublicKey,
  type HashName,
  isKmsPublicKey,
  type KeyContainer,
  type KmsPublicKey,
  type RsaPssParameters,
  type RsaPublicKey,
} from './keys/types.js';
export { DEFAULT_SM2_USER_ID } from './sm/sm2.js';
export type { SignatureFormat } from './verify/signature.js';
export type { VerifyOptions } from './verify/verify.js';

/**
 * Verifies a KMS signature offline. Resolves to true or false (false also for malformed signature
 * bytes); rejects with AlgorithmMismatchError when the key cannot be used with the algorithm.
 */
export const verify: ReturnType<typeof createVerify> = createVerify(webBackend);
