/**
 * What parsePublicKey returns: a frozen description of one KMS public key, whatever form it came in.
 * Parsed keys are remembered in a WeakSet so later stages (verify, encrypt, the key ring) can tell
 * a key that went through full validation from a look-alike object built by hand.
 */

import type { EcKeySpec, KeySpec, RsaKeySpec } from '../algorithms.js';
import type { CurveName } from './curves.js';

/** The structure the key was taken from. */
export type KeyContainer = 'spki' | 'pkcs1' | 'certificate' | 'certification-request';

export type HashName = 'SHA-1' | 'SHA-224' | 'SHA-256' | 'SHA-384' | 'SHA-512';

/** The restrictions an `id-RSASSA-PSS` SubjectPublicKeyInfo carries (RFC 4055 §3.1). */
export interface RsaPssParameters {
  readonly hash: HashName;
  readonly mgf1Hash: HashName;
  readonly saltLength: number;
}

interface KmsPublicKeyCommon {
  readonly keySpec: KeySpec;
  /**
   * The canonical SubjectPublicKeyInfo DER: rsaEncryption with NULL parameters for RSA, or
   * id-ecPublicKey with the named curve and an uncompressed point for EC. The same key gives the
   * same bytes whatever encoding it was parsed from. Treat it as read-only.
   */
  readonly spki: Uint8Array;
  readonly container: KeyContainer;
}

export interface RsaPublicKey extends KmsPublicKeyCommon {
  readonly family: 'RSA';
  readonly keySpec: RsaKeySpec;
  readonly modulusBits: number;
  /** Big-endian magnitude, no sign byte. */
  readonly modulus: Uint8Array;
  /** Big-endian magnitude, no sign byte. */
  readonly publicExponent: Uint8Array;
  /**
   * Set when the key came as an `id-RSASSA-PSS` SPKI with parameters; null for rsaEncryption keys
   * and for RSASSA-PSS keys without parameters (no restriction beyond PSS itself).
   */
  readonly pssParameters: RsaPssParameters | null;
  /** True when the key came as an `id-RSASSA-PSS` SPKI (with or without parameters). */
  readonly pssOnly: boolean;
}

export interface EcPublicKey extends KmsPublicKeyCommon {
  readonly family: 'EC';
  readonly keySpec: EcKeySpec;
  readonly curve: CurveName;
  /** Uncompressed SEC 1 point, 0x04 || X || Y. Treat it as read-only. */
  readonly point: Uint8Array;
}

export type KmsPublicKey = RsaPublicKey | EcPublicKey;

const parsedKeys = new WeakSet<object>();

/** Freezes a key description and records that it passed validation. */
export function sealKey<Key extends KmsPublicKey>(key: Key): Key {
  const frozen = Object.freeze(key);
  parsedKeys.add(frozen);
  return frozen;
}

/** True for objects returned by parsePublicKey (not for copies or hand-made look-alikes). */
export function isKmsPublicKey(value: unknown): value is KmsPublicKey {
  return typeof value === 'object' && value !== null && parsedKeys.has(value);
}
