/**
 * kms-verify: verify Alibaba Cloud KMS signatures and encrypt to KMS public keys offline, on any
 * runtime with Web Crypto. This is the curated public surface; everything else is internal.
 */

import { KeyRingCore, type KeyRingOptions } from './cache/key-ring.js';
import { createEncrypt } from './encrypt/encrypt.js';
import { webEncryptBackend } from './encrypt/web-backend.js';
import { createVerify } from './verify/verify.js';
import { webBackend } from './verify/web-backend.js';

export {
  DEFAULT_SM2_USER_ID,
  type EcKeySpec,
  type EcKeySpecDescriptor,
  ENCRYPTION_ALGORITHMS,
  type EncryptionAlgorithm,
  type EncryptionAlgorithmDescriptor,
  KEY_SPECS,
  type KeySpec,
  type KeySpecDescriptor,
  type RsaKeySpec,
  type RsaKeySpecDescriptor,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
  type SigningAlgorithmDescriptor,
} from './algorithms.js';
export type {
  KeyReference,
  KeyRingEvent,
  KeyRingOperations,
  KeyRingOptions,
  KeyRingStats,
  PrimeResult,
  RingEncryptOptions,
  RingVerifyOptions,
} from './cache/key-ring.js';
export type { EncryptOptions } from './encrypt/encrypt.js';
export type { Sm2CiphertextFormat } from './encrypt/sm2-format.js';
export {
  AlgorithmMismatchError,
  AlgorithmUnsupportedError,
  BundleFormatError,
  CredentialsError,
  CryptoUnavailableError,
  FetchError,
  FetchTimeoutError,
  KeyDisabledError,
  KeyFormatError,
  KeyInvalidError,
  KeyNotFoundError,
  KeyPinningError,
  KeyUnsupportedError,
  KmsVerifyError,
  ModuleLoadError,
  PlaintextTooLargeError,
} from './errors.js';
export { type AliyunKmsFetcherOptions, aliyunKmsFetcher } from './fetchers/aliyun.js';
export {
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  type BundleEntry,
  bundleFetcher,
  type GetPublicKeyResponse,
  type KeyBundleSnapshot,
  parseKeyBundle,
} from './fetchers/bundle.js';
export type { GetPublicKeyRequest, PublicKeyFetcher } from './fetchers/fetcher.js';
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
export type { SignatureFormat } from './verify/signature.js';
export type { VerifyOptions } from './verify/verify.js';

/**
 * Verifies a KMS signature offline. Resolves to true or false (false also for malformed signature
 * bytes); rejects with AlgorithmMismatchError when the key cannot be used with the algorithm.
 */
export const verify: ReturnType<typeof createVerify> = /* @__PURE__ */ createVerify(webBackend);

/**
 * Encrypts to a KMS public key offline; the result is what KMS AsymmetricDecrypt accepts. Rejects
 * with PlaintextTooLargeError above KMS's limit and AlgorithmMismatchError for the wrong key.
 */
export const encrypt: ReturnType<typeof createEncrypt> = /* @__PURE__ */ createEncrypt(webEncryptBackend);

/**
 * KMS public keys fetched once through a fetcher and kept: verify and encrypt by KeyId and
 * KeyVersionId, with single-flight fetching, aliases, negative caching, pinning and snapshots.
 */
export class KeyRing extends KeyRingCore {
  constructor(options: KeyRingOptions) {
    super({ operations: { verify, encrypt }, ...options });
  }
}
