/**
 * RSA public keys: RSAPublicKey (PKCS#1, RFC 8017 Appendix A.1.1), the rsaEncryption and
 * id-RSASSA-PSS SubjectPublicKeyInfo forms (RFC 3279 §2.3.1, RFC 4055 §1.2 and §3.1), validation,
 * and the canonical rsaEncryption SPKI every RSA key is normalised to.
 */

import { MIN_RSA_MODULUS_BITS, RSA_KEY_SPEC_BY_BITS } from '../algorithms.js';
import { KeyInvalidError, KeyUnsupportedError } from '../errors.js';
import { bytesToBigInt } from '../internal/hex.js';
import {
  DER_NULL,
  DerReader,
  encodeBitString,
  encodeElement,
  encodeObjectIdentifier,
  encodeUnsignedInteger,
  TAG,
} from './der.js';
import {
  type HashName,
  type KeyContainer,
  type RsaPssParameters,
  type RsaPublicKey,
  sealKey,
} from './types.js';

export const RSA_ENCRYPTION_OID = '1.2.840.113549.1.1.1';
export const RSASSA_PSS_OID = '1.2.840.113549.1.1.10';
const MGF1_OID = '1.2.840.113549.1.1.8';

/**
 * Chromium's BoringSSL refuses RSA public exponents longer than 33 bits; refusing them here keeps
 * results identical on every runtime. KMS keys use 65537. With moduli of at least 2048 bits this
 * bound also guarantees e < n.
 */
const MAX_EXPONENT_BITS = 33;

const HASHES_BY_OID: ReadonlyMap<string, HashName> = new Map([
  ['1.3.14.3.2.26', 'SHA-1'],
  ['2.16.840.1.101.3.4.2.4', 'SHA-224'],
  ['2.16.840.1.101.3.4.2.1', 'SHA-256'],
  ['2.16.840.1.101.3.4.2.2', 'SHA-384'],
  ['2.16.840.1.101.3.4.2.3', 'SHA-512'],
]);

export interface RsaKeyOptions {
  readonly container: KeyContainer;
  readonly pssOnly: boolean;
  readonly pssParameters: RsaPssParameters | null;
}

function bitLength(magnitude: Uint8Array): number {
  const first = magnitude[0] ?? 0;
  return (magnitude.length - 1) * 8 + (32 - Math.clz32(first));
}

/**
 * RSAPublicKey ::= SEQUENCE {
 *     modulus           INTEGER,  -- n
 *     publicExponent    INTEGER   -- e
 * }
 */
export function decodeRsaPublicKey(der: Uint8Array, path: string, options: RsaKeyOptions): RsaPublicKey {
  const key = DerReader.single(der, TAG.SEQUENCE, path);
  const modulus = key.positiveInteger('modulus');
  const publicExponent = key.positiveInteger('publicExponent');
  key.finish();
  return rsaPublicKey(modulus, publicExponent, path, options);
}

function rsaPublicKey(
  modulus: Uint8Array,
  exponent: Uint8Array,
  path: string,
  options: RsaKeyOptions,
): RsaPublicKey {
  const modulusBits = bitLength(modulus);
  if (modulusBits < MIN_RSA_MODULUS_BITS) {
    throw new KeyUnsupportedError(
      `${path}: the RSA modulus has ${modulusBits} bits; Alibaba Cloud KMS never issues RSA keys below ${MIN_RSA_MODULUS_BITS} bits (key specs ${[...RSA_KEY_SPEC_BY_BITS.values()].map((spec) => spec.name).join(', ')})`,
    );
  }
  if (((modulus[modulus.length - 1] as number) & 1) === 0) {
    throw new KeyInvalidError(`${path}: the RSA modulus is even`);
  }
  const exponentBits = bitLength(exponent);
  if (((exponent[exponent.length - 1] as number) & 1) === 0) {
    throw new KeyInvalidError(`${path}: the RSA public exponent is even`);
  }
  if (exponentBits === 1) throw new KeyInvalidError(`${path}: the RSA public exponent is 1`);
  if (exponentBits > MAX_EXPONENT_BITS) {
    throw new KeyUnsupportedError(
      `${path}: the RSA public exponent has ${exponentBits} bits; at most ${MAX_EXPONENT_BITS} are supported (KMS uses 65537)`,
    );
  }
  const spec = RSA_KEY_SPEC_BY_BITS.get(modulusBits);
  if (spec === undefined) {
    throw new KeyUnsupportedError(
      `${path}: ${modulusBits}-bit RSA is not a KMS key spec (supported: ${[...RSA_KEY_SPEC_BY_BITS.keys()].join(' and ')} bits)`,
    );
  }
  return sealKey({
    family: 'RSA',
    keySpec: spec.name,
    modulusBits,
    modulus: modulus.slice(),
    publicExponent: exponent.slice(),
    pssParameters: options.pssParameters,
    pssOnly: options.pssOnly,
    container: options.container,
    spki: canonicalRsaSpki(modulus, exponent),
  });
}

function canonicalRsaSpki(modulus: Uint8Array, exponent: Uint8Array): Uint8Array {
  const algorithm = encodeElement(TAG.SEQUENCE, encodeObjectIdentifier(RSA_ENCRYPTION_OID), DER_NULL);
  const rsaPublicKey = encodeElement(
    TAG.SEQUENCE,
    encodeUnsignedInteger(modulus),
    encodeUnsignedInteger(exponent),
  );
  return encodeElement(TAG.SEQUENCE, algorithm, encodeBitString(rsaPublicKey));
}

/**
 * HashAlgorithm ::= AlgorithmIdentifier   -- parameters NULL or absent (RFC 4055 §2.1)
 */
function hashAlgorithm(reader: DerReader, field: string): HashName {
  const algorithm = reader.sequence(field);
  const oid = algorithm.objectIdentifier('algorithm');
  if (algorithm.hasMore()) algorithm.null('parameters');
  algorithm.finish();
  return HASHES_BY_OID.get(oid) ?? algorithm.fail('algorithm', `unknown hash algorithm ${oid}`);
}

/**
 * RSASSA-PSS-params ::= SEQUENCE {
 *     hashAlgorithm      [0] HashAlgorithm    DEFAULT sha1,
 *     maskGenAlgorithm   [1] MaskGenAlgorithm DEFAULT mgf1SHA1,
 *     saltLength         [2] INTEGER          DEFAULT 20,
 *     trailerField       [3] TrailerField     DEFAULT trailerFieldBC   -- must be 1
 * }
 * MaskGenAlgorithm ::= AlgorithmIdentifier { id-mgf1, HashAlgorithm }
 *
 * Called with the AlgorithmIdentifier reader positioned after the OID; consumes the parameters.
 */
export function decodeRsaPssParameters(algorithm: DerReader): RsaPssParameters | null {
  if (!algorithm.hasMore()) return null;
  const params = algorithm.sequence('parameters');
  let hash: HashName = 'SHA-1';
  let mgf1Hash: HashName = 'SHA-1';
  let saltLength = 20;
  const hashField = params.optionalExplicit(0, 'hashAlgorithm');
  if (hashField !== undefined) {
    hash = hashAlgorithm(hashField, 'hashAlgorithm');
    hashField.finish();
  }
  const maskField = params.optionalExplicit(1, 'maskGenAlgorithm');
  if (maskField !== undefined) {
    const mask = maskField.sequence('maskGenAlgorithm');
    const oid = mask.objectIdentifier('algorithm');
    if (oid !== MGF1_OID) mask.fail('algorithm', `mask generation function ${oid} is not MGF1`);
    mgf1Hash = hashAlgorithm(mask, 'parameters');
    mask.finish();
    maskField.finish();
  }
  const saltField = params.optionalExplicit(2, 'saltLength');
  if (saltField !== undefined) {
    const salt = saltField.integer('saltLength');
    if (salt.length > 2 || ((salt[0] as number) & 0x80) !== 0)
      saltField.fail('saltLength', 'salt length out of range');
    saltLength = Number(bytesToBigInt(salt));
    saltField.finish();
  }
  const trailerField = params.optionalExplicit(3, 'trailerField');
  if (trailerField !== undefined) {
    const trailer = trailerField.integer('trailerField');
    if (trailer.length !== 1 || trailer[0] !== 1)
      trailerField.fail('trailerField', 'trailer field must be 1 (0xBC)');
    trailerField.finish();
  }
  params.finish();
  return Object.freeze({ hash, mgf1Hash, saltLength });
}

/** rsaEncryption parameters: NULL is required (RFC 3279 §2.3.1). */
export function requireNullParameters(algorithm: DerReader): void {
  if (!algorithm.hasMore())
    algorithm.fail('parameters', 'rsaEncryption parameters must be NULL, but they are absent');
  algorithm.null('parameters');
}
