/**
 * encrypt(): encrypts to a KMS public key offline, producing ciphertext that KMS AsymmetricDecrypt
 * accepts (its CiphertextBlob is the base64 of these bytes): RSAES_OAEP_SHA_256 and
 * RSAES_OAEP_SHA_1 on RSA keys (RFC 8017 §7.1, MGF1 with the same hash, empty label), SM2PKE on SM2
 * keys (GB/T 32918.4). KMS's plaintext limits are enforced before any work.
 */

import { ENCRYPTION_ALGORITHMS, type EncryptionAlgorithmDescriptor } from '../algorithms.js';
import { AlgorithmMismatchError, AlgorithmUnsupportedError, PlaintextTooLargeError } from '../errors.js';
import { lazyModule } from '../internal/lazy.js';
import { type PublicKeyInput, parsePublicKey } from '../keys/parse.js';
import type { EcPublicKey, KmsPublicKey, RsaPublicKey } from '../keys/types.js';
import { preparedPoint } from '../verify/prepared.js';
import type { EncryptBackend } from './backend.js';
import { SM2_CIPHERTEXT_FORMATS, type Sm2CiphertextFormat } from './sm2-format.js';

export interface EncryptOptions {
  /** A key from parsePublicKey, or key material it accepts (e.g. the PEM GetPublicKey returns). */
  readonly key: KmsPublicKey | PublicKeyInput;
  /** The KMS algorithm name: RSAES_OAEP_SHA_256, RSAES_OAEP_SHA_1 or SM2PKE. */
  readonly algorithm: string;
  readonly plaintext: Uint8Array;
  /** SM2PKE only: 'c1c3c2' (default), 'asn1' or 'c1c2c3'. */
  readonly sm2Format?: Sm2CiphertextFormat;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value as object).constructor?.name ?? 'object';
}

/** KMS's plaintext limit for the algorithm and key: k - 2*hLen - 2 for OAEP (RFC 8017 §7.1.1). */
export function plaintextLimit(algorithm: EncryptionAlgorithmDescriptor, key: KmsPublicKey): number {
  if (key.family === 'RSA') return Math.ceil(key.modulusBits / 8) - 2 * (algorithm.hashLength ?? 0) - 2;
  return algorithm.maxPlaintext ?? 0;
}

function checked(options: EncryptOptions): {
  algorithm: EncryptionAlgorithmDescriptor;
  key: KmsPublicKey;
  plaintext: Uint8Array;
  format: Sm2CiphertextFormat;
} {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`encrypt: expected an options object, got ${describe(options)}`);
  }
  const { plaintext, sm2Format } = options;
  if (typeof options.algorithm !== 'string') {
    throw new TypeError(`encrypt: algorithm must be a string, got ${describe(options.algorithm)}`);
  }
  const algorithm = ENCRYPTION_ALGORITHMS.get(options.algorithm);
  if (algorithm === undefined) {
    throw new AlgorithmUnsupportedError(
      `encryption algorithm "${options.algorithm}" is not supported; use one of ${[...ENCRYPTION_ALGORITHMS.keys()].join(', ')}`,
    );
  }
  if (!(plaintext instanceof Uint8Array)) {
    throw new TypeError(`encrypt: plaintext must be a Uint8Array, got ${describe(plaintext)}`);
  }
  if (sm2Format !== undefined) {
    if (algorithm.scheme !== 'SM2PKE')
      throw new TypeError(`encrypt: sm2Format does not apply to ${algorithm.name}`);
    if (!SM2_CIPHERTEXT_FORMATS.has(sm2Format)) {
      throw new TypeError(
        `encrypt: sm2Format must be one of ${[...SM2_CIPHERTEXT_FORMATS].join(', ')}, got ${String(sm2Format)}`,
      );
    }
  }
  const key = parsePublicKey(options.key);
  if (!algorithm.keySpecs.has(key.keySpec)) {
    throw new AlgorithmMismatchError(
      `${algorithm.name} cannot encrypt to key spec ${key.keySpec}; KMS uses it with ${[...algorithm.keySpecs].join(', ')}`,
    );
  }
  if (key.family === 'RSA' && key.pssOnly) {
    throw new AlgorithmMismatchError(
      `${algorithm.name} cannot encrypt to a key restricted to RSASSA-PSS signatures`,
    );
  }
  const limit = plaintextLimit(algorithm, key);
  if (plaintext.length > limit) {
    throw new PlaintextTooLargeError(
      `${algorithm.name} with key spec ${key.keySpec} encrypts at most ${limit} bytes (the KMS limit); the plaintext is ${plaintext.length}`,
    );
  }
  return { algorithm, key, plaintext, format: sm2Format ?? 'c1c3c2' };
}

/** SM2PKE with its SM3 and KDF, loaded on the first SM2 encryption (see src/internal/lazy.ts). */
const sm2Module = lazyModule('SM2PKE encryption', () => import('./sm2.js'));

/** Builds the public encrypt function over one backend. */
export function createEncrypt(backend: EncryptBackend): (options: EncryptOptions) => Promise<Uint8Array> {
  return async function encrypt(options: EncryptOptions): Promise<Uint8Array> {
    const { algorithm, key, plaintext, format } = checked(options);
    if (algorithm.scheme === 'RSAES-OAEP')
      return backend.rsaOaepEncrypt(key as RsaPublicKey, algorithm, plaintext);
    const sm2 = sm2Module.loaded() ?? (await sm2Module.load());
    return sm2.sm2Encrypt(preparedPoint(key as EcPublicKey), plaintext, format);
  };
}
