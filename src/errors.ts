/**
 * The one error hierarchy of kms-verify.
 *
 * Every operational failure the library reports is a `KmsVerifyError` subclass with a stable string
 * `code` (also available as the static `Class.code`, so callers can compare without `instanceof`
 * across bundle copies), a message that names the offending input, and `cause` when it wraps another
 * error. Programmer misuse (wrong argument types) is a plain TypeError instead, and a signature that
 * does not verify is `false`, never an error.
 */

export interface KmsVerifyErrorOptions {
  readonly cause?: unknown;
  /** The error Code KMS answered with, when the error came from KMS (e.g. `Forbidden.KeyNotFound`). */
  readonly kmsCode?: string;
  /** The RequestId of the KMS response, for support tickets. */
  readonly requestId?: string;
}

export abstract class KmsVerifyError extends Error {
  /** Stable machine-readable code, e.g. `ERR_KEY_FORMAT`. */
  abstract readonly code: string;
  readonly kmsCode?: string;
  readonly requestId?: string;

  constructor(message: string, options?: KmsVerifyErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options?.kmsCode !== undefined) this.kmsCode = options.kmsCode;
    if (options?.requestId !== undefined) this.requestId = options.requestId;
  }
}

/**
 * The key material is not well-formed: bad PEM armour, bad base64, not strict DER, an unexpected
 * ASN.1 structure, or a private key where a public key was expected.
 */
export class KeyFormatError extends KmsVerifyError {
  static readonly code = 'ERR_KEY_FORMAT';
  readonly code = KeyFormatError.code;
}

/**
 * The key is well-formed but mathematically unusable: an EC point that is not on its curve or is the
 * point at infinity, an even RSA modulus, an RSA exponent that is even, 1, or not below the modulus.
 */
export class KeyInvalidError extends KmsVerifyError {
  static readonly code = 'ERR_KEY_INVALID';
  readonly code = KeyInvalidError.code;
}

/**
 * The key is valid but is not one of the key specs this library supports (RSA_2048, RSA_3072,
 * EC_P256, EC_P256K, EC_SM2): another curve or algorithm, an RSA size KMS does not issue, or
 * explicit curve parameters instead of a named curve.
 */
export class KeyUnsupportedError extends KmsVerifyError {
  static readonly code = 'ERR_KEY_UNSUPPORTED';
  readonly code = KeyUnsupportedError.code;
}

/** A key bundle (a JSON array of GetPublicKey responses) is malformed; the message names the entry. */
export class BundleFormatError extends KmsVerifyError {
  static readonly code = 'ERR_BUNDLE_FORMAT';
  readonly code = BundleFormatError.code;
}

/** A Web API the library needs (such as `crypto.subtle`) does not exist in this runtime or context. */
export class CryptoUnavailableError extends KmsVerifyError {
  static readonly code = 'ERR_CRYPTO_UNAVAILABLE';
  readonly code = CryptoUnavailableError.code;
}

/**
 * Code the library loads on first use could not be loaded: the SM2/SM3 modules behind import(),
 * whose chunk a splitting bundler serves separately (a network error, a missing deployment file, a
 * Content-Security-Policy). The library tries again on the next call, which recovers in Node;
 * browsers keep a failed module fetch for the page's life (Chromium 147, tested), so there only a
 * reload does. Without this class the
 * runtime's own error (a TypeError in browsers) would read as a programming mistake.
 */
export class ModuleLoadError extends KmsVerifyError {
  static readonly code = 'ERR_MODULE_LOAD';
  readonly code = ModuleLoadError.code;
}

/**
 * The key cannot be used with the algorithm asked for: an ECDSA algorithm on an RSA key, SM2DSA on
 * a P-256 key, PKCS#1 v1.5 on a key restricted to RSASSA-PSS ... The algorithm is never guessed
 * from the key, and a mismatch is never reported as an invalid signature.
 */
export class AlgorithmMismatchError extends KmsVerifyError {
  static readonly code = 'ERR_ALGORITHM_MISMATCH';
  readonly code = AlgorithmMismatchError.code;
}

/** The algorithm name is not one this library implements (names are KMS's, e.g. RSA_PSS_SHA_256). */
export class AlgorithmUnsupportedError extends KmsVerifyError {
  static readonly code = 'ERR_ALGORITHM_UNSUPPORTED';
  readonly code = AlgorithmUnsupportedError.code;
}

/** No key exists for the KeyId and KeyVersionId asked for (in a bundle, or at KMS). */
export class KeyNotFoundError extends KmsVerifyError {
  static readonly code = 'ERR_KEY_NOT_FOUND';
  readonly code = KeyNotFoundError.code;
}

/** The plaintext is longer than KMS accepts for the algorithm and key spec; the message names the limit. */
export class PlaintextTooLargeError extends KmsVerifyError {
  static readonly code = 'ERR_PLAINTEXT_TOO_LARGE';
  readonly code = PlaintextTooLargeError.code;
}

/**
 * Fetching a key failed for a reason that may pass: a network error, throttling, a KMS 5xx, a
 * malformed response. Never cached; `retryable` says whether retrying could help.
 */
export class FetchError extends KmsVerifyError {
  static readonly code = 'ERR_FETCH_FAILED';
  readonly code = FetchError.code;
  readonly retryable: boolean;

  constructor(message: string, options?: KmsVerifyErrorOptions & { readonly retryable?: boolean }) {
    super(message, options);
    this.retryable = options?.retryable ?? false;
  }
}

/** A key fetch took longer than its timeout. */
export class FetchTimeoutError extends KmsVerifyError {
  static readonly code = 'ERR_FETCH_TIMEOUT';
  readonly code = FetchTimeoutError.code;
}

/** KMS refused the credentials: unknown AccessKeyId, bad signature, expired STS token, no permission. */
export class CredentialsError extends KmsVerifyError {
  static readonly code = 'ERR_CREDENTIALS';
  readonly code = CredentialsError.code;
}

/** The key exists but is disabled (or pending deletion) at KMS, so KMS would refuse to use it. */
export class KeyDisabledError extends KmsVerifyError {
  static readonly code = 'ERR_KEY_DISABLED';
  readonly code = KeyDisabledError.code;
}

/** A fetched key's SPKI SHA-256 fingerprint is not in the ring's pinned set. */
export class KeyPinningError extends KmsVerifyError {
  static readonly code = 'ERR_KEY_PINNING';
  readonly code = KeyPinningError.code;
}

/** An audit record is not a well-formed AsymmetricVerify request; the message names the field. */
export class RecordFormatError extends KmsVerifyError {
  static readonly code = 'ERR_RECORD_FORMAT';
  readonly code = RecordFormatError.code;
}
