/**
 * The registry: every KMS key spec this library knows, as frozen descriptors. Code downstream
 * receives a descriptor and reads its fields; it does not branch on key-spec strings.
 *
 * Alibaba Cloud KMS asymmetric key specs: RSA_2048, RSA_3072, EC_P256 (NIST P-256), EC_P256K
 * (secp256k1) and EC_SM2 (GB/T 32918 curve). Signing and encryption algorithms join this table as
 * they are implemented.
 */

import { type Curve, type CurveName, P256, SECP256K1, SM2 } from './keys/curves.js';

export type RsaKeySpec = 'RSA_2048' | 'RSA_3072';
export type EcKeySpec = 'EC_P256' | 'EC_P256K' | 'EC_SM2';
export type KeySpec = RsaKeySpec | EcKeySpec;

export interface RsaKeySpecDescriptor {
  readonly name: RsaKeySpec;
  readonly family: 'RSA';
  readonly modulusBits: number;
}

export interface EcKeySpecDescriptor {
  readonly name: EcKeySpec;
  readonly family: 'EC';
  readonly curve: Curve;
}

export type KeySpecDescriptor = RsaKeySpecDescriptor | EcKeySpecDescriptor;

const RSA_SPECS: readonly RsaKeySpecDescriptor[] = [
  Object.freeze({ name: 'RSA_2048', family: 'RSA', modulusBits: 2048 }),
  Object.freeze({ name: 'RSA_3072', family: 'RSA', modulusBits: 3072 }),
];

const EC_SPECS: readonly EcKeySpecDescriptor[] = [
  Object.freeze({ name: 'EC_P256', family: 'EC', curve: P256 }),
  Object.freeze({ name: 'EC_P256K', family: 'EC', curve: SECP256K1 }),
  Object.freeze({ name: 'EC_SM2', family: 'EC', curve: SM2 }),
];

export const KEY_SPECS: ReadonlyMap<KeySpec, KeySpecDescriptor> = new Map<KeySpec, KeySpecDescriptor>(
  [...RSA_SPECS, ...EC_SPECS].map((spec) => [spec.name, spec]),
);

export const RSA_KEY_SPEC_BY_BITS: ReadonlyMap<number, RsaKeySpecDescriptor> = new Map(
  RSA_SPECS.map((spec) => [spec.modulusBits, spec]),
);

export const EC_KEY_SPEC_BY_CURVE: ReadonlyMap<CurveName, EcKeySpecDescriptor> = new Map(
  EC_SPECS.map((spec) => [spec.curve.name, spec]),
);

/** The smallest RSA modulus any supported key spec has; anything below is refused outright. */
export const MIN_RSA_MODULUS_BITS = Math.min(...RSA_SPECS.map((spec) => spec.modulusBits));

/* ------------------------------------------------------------------------------------------------
 * Signing algorithms, as KMS names them (AsymmetricSign / AsymmetricVerify `Algorithm`).
 */

export type SigningAlgorithm = 'RSA_PSS_SHA_256' | 'RSA_PKCS1_SHA_256' | 'ECDSA_SHA_256' | 'SM2DSA';

/** How the signature is checked once the key and digest are known. */
export type SignatureScheme = 'RSASSA-PSS' | 'RSASSA-PKCS1-v1_5' | 'ECDSA' | 'SM2';

export interface SigningAlgorithmDescriptor {
  readonly name: SigningAlgorithm;
  readonly family: 'RSA' | 'EC';
  readonly scheme: SignatureScheme;
  /** The key specs KMS allows with this algorithm; any other key is an algorithm mismatch. */
  readonly keySpecs: ReadonlySet<KeySpec>;
  /** The message hash; a `digest` input is its output. */
  readonly hash: 'SHA-256' | 'SM3';
  readonly digestLength: number;
  /** RSASSA-PSS salt length in bytes (KMS uses the hash length). */
  readonly saltLength?: number;
  /** Web Crypto import and verify parameters, for the RSA algorithms Web Crypto implements. */
  readonly webCrypto?: {
    readonly importParams: RsaHashedImportParams;
    readonly verifyParams: RsaPssParams | Algorithm;
  };
}

function signing(descriptor: Omit<SigningAlgorithmDescriptor, 'keySpecs'> & { keySpecs: KeySpec[] }) {
  return Object.freeze({
    ...descriptor,
    keySpecs: new Set(descriptor.keySpecs),
  }) as SigningAlgorithmDescriptor;
}

export const SIGNING_ALGORITHMS: ReadonlyMap<string, SigningAlgorithmDescriptor> = new Map(
  [
    signing({
      name: 'RSA_PSS_SHA_256',
      family: 'RSA',
      scheme: 'RSASSA-PSS',
      keySpecs: ['RSA_2048', 'RSA_3072'],
      hash: 'SHA-256',
      digestLength: 32,
      saltLength: 32,
      webCrypto: {
        importParams: { name: 'RSA-PSS', hash: 'SHA-256' },
        verifyParams: { name: 'RSA-PSS', saltLength: 32 },
      },
    }),
    signing({
      name: 'RSA_PKCS1_SHA_256',
      family: 'RSA',
      scheme: 'RSASSA-PKCS1-v1_5',
      keySpecs: ['RSA_2048', 'RSA_3072'],
      hash: 'SHA-256',
      digestLength: 32,
      webCrypto: {
        importParams: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        verifyParams: { name: 'RSASSA-PKCS1-v1_5' },
      },
    }),
    signing({
      name: 'ECDSA_SHA_256',
      family: 'EC',
      scheme: 'ECDSA',
      keySpecs: ['EC_P256', 'EC_P256K'],
      hash: 'SHA-256',
      digestLength: 32,
    }),
    signing({
      name: 'SM2DSA',
      family: 'EC',
      scheme: 'SM2',
      keySpecs: ['EC_SM2'],
      hash: 'SM3',
      digestLength: 32,
    }),
  ].map((descriptor) => [descriptor.name, descriptor]),
);

/**
 * The SM2 user ID KMS signs with, 1234567812345678 (GM/T 0009-2012 §10). Here rather than in
 * src/sm/ so that importing it does not pull SM2 and SM3 code into a bundle's main chunk.
 *
 * A typed array cannot be frozen, so the exported one is the caller's copy: the library itself
 * reads KMS_SM2_USER_ID, which is not exported from the package, and writing into
 * DEFAULT_SM2_USER_ID can never change what a default-ID verification checks.
 */
export const DEFAULT_SM2_USER_ID: Uint8Array = new TextEncoder().encode('1234567812345678');

/** The library's own, unexported copy of the default SM2 user ID (see DEFAULT_SM2_USER_ID). */
export const KMS_SM2_USER_ID: Uint8Array = new TextEncoder().encode('1234567812345678');

/* ------------------------------------------------------------------------------------------------
 * Encryption algorithms, as KMS names them (AsymmetricEncrypt / AsymmetricDecrypt `Algorithm`).
 */

export type EncryptionAlgorithm = 'RSAES_OAEP_SHA_256' | 'RSAES_OAEP_SHA_1' | 'SM2PKE';

export interface EncryptionAlgorithmDescriptor {
  readonly name: EncryptionAlgorithm;
  readonly family: 'RSA' | 'EC';
  readonly scheme: 'RSAES-OAEP' | 'SM2PKE';
  readonly keySpecs: ReadonlySet<KeySpec>;
  /** OAEP: the hash for the label and MGF1 (RFC 8017 §7.1); hash length in bytes. */
  readonly hash?: 'SHA-256' | 'SHA-1';
  readonly hashLength?: number;
  /** SM2PKE: KMS's plaintext limit in bytes (its ciphertext limit, 6,144, minus the 97-byte C1 || C3). */
  readonly maxPlaintext?: number;
}

function encryption(descriptor: Omit<EncryptionAlgorithmDescriptor, 'keySpecs'> & { keySpecs: KeySpec[] }) {
  return Object.freeze({
    ...descriptor,
    keySpecs: new Set(descriptor.keySpecs),
  }) as EncryptionAlgorithmDescriptor;
}

export const ENCRYPTION_ALGORITHMS: ReadonlyMap<string, EncryptionAlgorithmDescriptor> = new Map(
  [
    encryption({
      name: 'RSAES_OAEP_SHA_256',
      family: 'RSA',
      scheme: 'RSAES-OAEP',
      keySpecs: ['RSA_2048', 'RSA_3072'],
      hash: 'SHA-256',
      hashLength: 32,
    }),
    encryption({
      name: 'RSAES_OAEP_SHA_1',
      family: 'RSA',
      scheme: 'RSAES-OAEP',
      keySpecs: ['RSA_2048', 'RSA_3072'],
      hash: 'SHA-1',
      hashLength: 20,
    }),
    encryption({ name: 'SM2PKE', family: 'EC', scheme: 'SM2PKE', keySpecs: ['EC_SM2'], maxPlaintext: 6047 }),
  ].map((descriptor) => [descriptor.name, descriptor]),
);
