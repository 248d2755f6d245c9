/**
 * kms-verify: verify Alibaba Cloud KMS signatures and encrypt to KMS public keys offline, on any
 * runtime with Web Crypto. This is the curated public surface; everything else is internal.
 */

export {
  type EcKeySpec,
  type EcKeySpecDescriptor,
  KEY_SPECS,
  type KeySpec,
  type KeySpecDescriptor,
  type RsaKeySpec,
  type RsaKeySpecDescriptor,
} from './algorithms.js';
export {
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
