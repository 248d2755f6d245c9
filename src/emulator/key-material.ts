/**
 * The emulator's private keys: generation, the PEM forms kept in its state file, and the private-key
 * operations KMS performs on the caller's behalf. Node-only.
 *
 * - AsymmetricSign takes a digest, so every scheme signs a precomputed hash:
 *   RSA_PKCS1_SHA_256  RSASSA-PKCS1-v1_5 (RFC 8017 §8.2.1, EMSA-PKCS1-v1_5 §9.2) through node:crypto
 *                      privateEncrypt over the SHA-256 DigestInfo;
 *   RSA_PSS_SHA_256    EMSA-PSS (RFC 8017 §9.1.1, MGF1-SHA-256, 32-byte salt as KMS uses) encoded here,
 *                      then the raw RSA private operation through node:crypto (RSA_NO_PADDING);
 *   ECDSA_SHA_256      SEC 1 v2 §4.1.3 over P-256 or secp256k1, DER output. node:crypto has no
 *                      pre-hashed ECDSA signing (sign(null, ...) hashes again), so it is done here;
 *   SM2DSA             GB/T 32918.2-2016 §6.1 over e = the caller's SM3(Z || M), DER output.
 * - AsymmetricDecrypt: RSAES-OAEP with SHA-256 or SHA-1 (node:crypto privateDecrypt) and SM2PKE
 *   (GB/T 32918.4-2016 §7.1) for ciphertexts 0x04 || C1 || C3 || C2 (what our encrypt() writes by
 *   default) or the GB/T 35276 SEQUENCE { x, y, C3, C2 }: the first byte tells them apart.
 * - AsymmetricVerify and AsymmetricEncrypt are public-key operations: they go through the library's
 *   own Node entry, as an offline user would.
 *
 * The big-integer arithmetic here is not constant-time. This is a development emulator: it must be
 * correct, it is not a place for real secrets.
 */

import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  privateDecrypt,
  privateEncrypt,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { ENCRYPTION_ALGORITHMS, type KeySpec, SIGNING_ALGORITHMS } from '../algorithms.js';
import { type AffinePoint, CurveArithmetic, modInverse } from '../ec/arithmetic.js';
import { KmsVerifyError } from '../errors.js';
import { bigIntToBytes, bytesToBigInt } from '../internal/hex.js';
import { type Curve, isOnCurve, P256, SECP256K1, SM2 } from '../keys/curves.js';
import { DerReader, encodeElement, encodeUnsignedInteger, TAG } from '../keys/der.js';
import { encrypt, parsePublicKey, verify } from '../node/index.js';
import { sm2Kdf } from '../sm/sm2.js';
import { Sm3 } from '../sm/sm3.js';

export type EmulatorKeySpec = KeySpec;

/** A private operation that KMS would refuse, with the reason the protocol layer maps to a KMS code. */
export class EmulatorCryptoError extends KmsVerifyError {
  static readonly code = 'ERR_EMULATOR_CRYPTO';
  readonly code = EmulatorCryptoError.code;

  constructor(
    readonly reason: 'algorithm' | 'digest' | 'plaintext' | 'ciphertext' | 'key',
    message: string,
  ) {
    super(message);
  }
}

export interface KeyMaterial {
  readonly keySpec: EmulatorKeySpec;
  /** SPKI PEM, what GetPublicKey returns. */
  readonly publicKeyPem: string;
  /** PKCS#8 PEM, for the state file. */
  readonly privateKeyPem: string;
}

interface PrivateParts {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** EC keys: the curve, its arithmetic, the scalar d and the public point. */
  readonly ec?: { readonly curve: Curve; readonly d: bigint; readonly point: AffinePoint };
  /** RSA keys: modulus length in bits. */
  readonly modulusBits?: number;
}

const PRIVATE = new WeakMap<KeyMaterial, PrivateParts>();

const GENERATION: Readonly<Record<EmulatorKeySpec, Parameters<typeof generateKeyPairSync>>> = {
  RSA_2048: ['rsa', { modulusLength: 2048, publicExponent: 65537 }] as never,
  RSA_3072: ['rsa', { modulusLength: 3072, publicExponent: 65537 }] as never,
  EC_P256: ['ec', { namedCurve: 'prime256v1' }] as never,
  EC_P256K: ['ec', { namedCurve: 'secp256k1' }] as never,
  EC_SM2: ['ec', { namedCurve: 'SM2' }] as never,
};

const CURVES: ReadonlyMap<EmulatorKeySpec, Curve> = new Map([
  ['EC_P256', P256],
  ['EC_P256K', SECP256K1],
  ['EC_SM2', SM2],
]);

const ARITHMETIC = new Map<Curve, CurveArithmetic>();
function arithmetic(curve: Curve): CurveArithmetic {
  let found = ARITHMETIC.get(curve);
  if (found === undefined) {
    found = new CurveArithmetic(curve);
    ARITHMETIC.set(curve, found);
  }
  return found;
}

/** The signing / encryption algorithms KMS allows for each key spec, from the library's tables. */
export const SIGNING_ALGORITHMS_BY_SPEC: ReadonlyMap<EmulatorKeySpec, readonly string[]> =
  bySpec(SIGNING_ALGORITHMS);
export const ENCRYPTION_ALGORITHMS_BY_SPEC: ReadonlyMap<EmulatorKeySpec, readonly string[]> =
  bySpec(ENCRYPTION_ALGORITHMS);

function bySpec(
  table: ReadonlyMap<string, { readonly keySpecs: ReadonlySet<KeySpec> }>,
): ReadonlyMap<EmulatorKeySpec, readonly string[]> {
  const out = new Map<EmulatorKeySpec, string[]>();
  for (const spec of Object.keys(GENERATION) as EmulatorKeySpec[]) out.set(spec, []);
  for (const [name, descriptor] of table) for (const spec of descriptor.keySpecs) out.get(spec)?.push(name);
  return out;
}

export function isEmulatorKeySpec(value: string): value is EmulatorKeySpec {
  return Object.hasOwn(GENERATION, value);
}

/** A fresh key pair of `keySpec`. */
export function generateKeyMaterial(keySpec: EmulatorKeySpec): KeyMaterial {
  if (!isEmulatorKeySpec(keySpec)) throw new RangeError(`unknown key spec ${String(keySpec)}`);
  const [type, options] = GENERATION[keySpec];
  const { privateKey } = generateKeyPairSync(type as 'rsa', options as never) as unknown as {
    privateKey: KeyObject;
  };
  return seal(keySpec, privateKey);
}

/** Key material from its PKCS#8 PEM (the state file); the key must be of `keySpec`. */
export function loadKeyMaterial(keySpec: EmulatorKeySpec, privateKeyPem: string): KeyMaterial {
  if (!isEmulatorKeySpec(keySpec))
    throw new EmulatorCryptoError('key', `unknown key spec ${String(keySpec)}`);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(privateKeyPem);
  } catch (error) {
    throw new EmulatorCryptoError(
      'key',
      `the ${keySpec} private key does not parse: ${(error as Error).message}`,
    );
  }
  return seal(keySpec, privateKey);
}

function seal(keySpec: EmulatorKeySpec, privateKey: KeyObject): KeyMaterial {
  const publicKey = createPublicKey(privateKey);
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  // The library's own parser decides what the key is; a mismatch with the claimed spec is refused.
  const parsed = parsePublicKey(publicKeyPem);
  if (parsed.keySpec !== keySpec)
    throw new EmulatorCryptoError(
      'key',
      `the private key is ${parsed.keySpec ?? 'unsupported'}, not ${keySpec}`,
    );
  const material: KeyMaterial = Object.freeze({
    keySpec,
    publicKeyPem,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  });
  const curve = CURVES.get(keySpec);
  if (curve !== undefined) {
    const d = ecPrivateScalar(privateKey);
    const point = arithmetic(curve).toAffine(arithmetic(curve).multiplyGenerator(d));
    if (point === null || d <= 0n || d >= curve.n)
      throw new EmulatorCryptoError('key', `${keySpec}: bad private scalar`);
    PRIVATE.set(material, { privateKey, publicKey, ec: { curve, d, point } });
  } else {
    PRIVATE.set(material, {
      privateKey,
      publicKey,
      modulusBits: (privateKey.asymmetricKeyDetails?.modulusLength as number | undefined) ?? 0,
    });
  }
  return material;
}

/**
 * d from the PKCS#8 form (RFC 5208 PrivateKeyInfo { version, algorithm, privateKey OCTET STRING })
 * wrapping SEC 1 ECPrivateKey { version INTEGER (1), privateKey OCTET STRING, ... }. Not through
 * KeyObject.export({ type: 'sec1' }): for an SM2 key read from PEM, OpenSSL 3 reports the key type
 * SM2 rather than EC, and Node 20 then aborts the whole process on a failed assertion.
 */
function ecPrivateScalar(privateKey: KeyObject): bigint {
  const der = new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' }));
  const info = DerReader.single(der, TAG.SEQUENCE, 'PrivateKeyInfo');
  info.integer('version');
  info.sequence('privateKeyAlgorithm');
  const inner = info.content(info.expect(TAG.OCTET_STRING, 'privateKey'));
  const ecPrivateKey = DerReader.single(inner, TAG.SEQUENCE, 'ECPrivateKey');
  ecPrivateKey.integer('version');
  return bytesToBigInt(ecPrivateKey.content(ecPrivateKey.expect(TAG.OCTET_STRING, 'privateKey')));
}

function partsOf(key: KeyMaterial): PrivateParts {
  const parts = PRIVATE.get(key);
  if (parts === undefined)
    throw new TypeError('not key material made by generateKeyMaterial/loadKeyMaterial');
  return parts;
}

function checkAlgorithm(
  key: KeyMaterial,
  table: ReadonlyMap<string, { readonly keySpecs: ReadonlySet<KeySpec> }>,
  algorithm: string,
): void {
  const descriptor = table.get(algorithm);
  if (descriptor === undefined || !descriptor.keySpecs.has(key.keySpec))
    throw new EmulatorCryptoError('algorithm', `${algorithm} cannot be used with a ${key.keySpec} key`);
}

function checkDigest(digest: Uint8Array, algorithm: string): void {
  if (digest.length !== 32)
    throw new EmulatorCryptoError(
      'digest',
      `${algorithm} takes a 32-byte digest, not ${digest.length} bytes`,
    );
}

/* ------------------------------------------------------------------------------------------------
 * Signing.
 */

/** DigestInfo prefix for SHA-256 (RFC 8017 §9.2 note 1). */
const SHA256_DIGEST_INFO = Uint8Array.from([
  0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04,
  0x20,
]);

/** The signature KMS AsymmetricSign returns for `digest`: PKCS#1 / PSS bytes, or DER for ECDSA and SM2DSA. */
export function signDigest(key: KeyMaterial, algorithm: string, digest: Uint8Array): Uint8Array {
  checkAlgorithm(key, SIGNING_ALGORITHMS, algorithm);
  checkDigest(digest, algorithm);
  const parts = partsOf(key);
  switch (algorithm) {
    case 'RSA_PKCS1_SHA_256': {
      const digestInfo = new Uint8Array(SHA256_DIGEST_INFO.length + 32);
      digestInfo.set(SHA256_DIGEST_INFO);
      digestInfo.set(digest, SHA256_DIGEST_INFO.length);
      return new Uint8Array(
        privateEncrypt({ key: parts.privateKey, padding: constants.RSA_PKCS1_PADDING }, digestInfo),
      );
    }
    case 'RSA_PSS_SHA_256': {
      const modulusBits = parts.modulusBits as number;
      const encoded = emsaPssEncode(digest, modulusBits - 1, randomBytes(32));
      const block = new Uint8Array(Math.ceil(modulusBits / 8));
      block.set(encoded, block.length - encoded.length);
      return new Uint8Array(
        privateEncrypt({ key: parts.privateKey, padding: constants.RSA_NO_PADDING }, block),
      );
    }
    case 'ECDSA_SHA_256':
      return ecSign(parts, digest, 'ECDSA');
    default:
      return ecSign(parts, digest, 'SM2');
  }
}

function sha256(...chunks: Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const chunk of chunks) hash.update(chunk);
  return new Uint8Array(hash.digest());
}

/** MGF1 with SHA-256 (RFC 8017 §B.2.1). */
function mgf1Sha256(seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const counter = new Uint8Array(4);
  for (let offset = 0, index = 0; offset < length; offset += 32, index++) {
    new DataView(counter.buffer).setUint32(0, index);
    out.set(sha256(seed, counter).subarray(0, Math.min(32, length - offset)), offset);
  }
  return out;
}

/** EMSA-PSS-ENCODE (RFC 8017 §9.1.1) of an already hashed message, SHA-256 throughout. */
export function emsaPssEncode(messageHash: Uint8Array, emBits: number, salt: Uint8Array): Uint8Array {
  const hashLength = 32;
  const emLength = Math.ceil(emBits / 8);
  if (emLength < hashLength + salt.length + 2)
    throw new RangeError('EMSA-PSS: encoding error (modulus too small)');
  const h = sha256(new Uint8Array(8), messageHash, salt);
  const db = new Uint8Array(emLength - hashLength - 1);
  db[db.length - salt.length - 1] = 0x01;
  db.set(salt, db.length - salt.length);
  const mask = mgf1Sha256(h, db.length);
  for (let index = 0; index < db.length; index++) db[index] = (db[index] as number) ^ (mask[index] as number);
  db[0] = (db[0] as number) & (0xff >> (8 * emLength - emBits));
  const encoded = new Uint8Array(emLength);
  encoded.set(db);
  encoded.set(h, db.length);
  encoded[emLength - 1] = 0xbc;
  return encoded;
}

function randomScalarBelow(n: bigint): bigint {
  for (;;) {
    const k = bytesToBigInt(randomBytes(32));
    if (k >= 1n && k < n) return k;
  }
}

function encodeSignature(r: bigint, s: bigint, size: number): Uint8Array {
  return encodeElement(
    TAG.SEQUENCE,
    encodeUnsignedInteger(bigIntToBytes(r, size)),
    encodeUnsignedInteger(bigIntToBytes(s, size)),
  );
}

/**
 * ECDSA (SEC 1 §4.1.3): r = x([k]G) mod n, s = k^-1 (e + r d) mod n.
 * SM2 (GB/T 32918.2 §6.1): r = (e + x([k]G)) mod n, s = (1 + d)^-1 (k - r d) mod n.
 * A fresh k whenever r or s comes out zero (or, for SM2, r + k = n).
 */
function ecSign(parts: PrivateParts, digest: Uint8Array, scheme: 'ECDSA' | 'SM2'): Uint8Array {
  const { curve, d } = parts.ec as NonNullable<PrivateParts['ec']>;
  const { n } = curve;
  const e = bytesToBigInt(digest) % n;
  const curveArithmetic = arithmetic(curve);
  for (;;) {
    const k = randomScalarBelow(n);
    const kG = curveArithmetic.toAffine(curveArithmetic.multiplyGenerator(k));
    if (kG === null) continue;
    let r: bigint;
    let s: bigint;
    if (scheme === 'ECDSA') {
      r = kG.x % n;
      if (r === 0n) continue;
      s = (modInverse(k, n) * ((e + r * d) % n)) % n;
    } else {
      r = (e + kG.x) % n;
      if (r === 0n || r + k === n) continue;
      s = (modInverse(1n + d, n) * ((((k - r * d) % n) + n) % n)) % n;
    }
    if (s === 0n) continue;
    return encodeSignature(r, s, curve.size);
  }
}

/** What AsymmetricVerify answers: the library's own digest-mode verify over the public key. */
export async function verifyDigest(
  key: KeyMaterial,
  algorithm: string,
  digest: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  checkAlgorithm(key, SIGNING_ALGORITHMS, algorithm);
  checkDigest(digest, algorithm);
  return verify({
    key: parsePublicKey(key.publicKeyPem),
    algorithm: algorithm as never,
    digest,
    signature,
  });
}

/* ------------------------------------------------------------------------------------------------
 * Encryption and decryption.
 */

const OAEP_HASHES: ReadonlyMap<string, string> = new Map([
  ['RSAES_OAEP_SHA_256', 'sha256'],
  ['RSAES_OAEP_SHA_1', 'sha1'],
]);

/** What AsymmetricEncrypt returns: the library's own encrypt() (SM2PKE in its default c1c3c2 form). */
export async function encryptWith(
  key: KeyMaterial,
  algorithm: string,
  plaintext: Uint8Array,
): Promise<Uint8Array> {
  checkAlgorithm(key, ENCRYPTION_ALGORITHMS, algorithm);
  try {
    return await encrypt({ key: parsePublicKey(key.publicKeyPem), algorithm: algorithm as never, plaintext });
  } catch (error) {
    if (error instanceof KmsVerifyError && error.code === 'ERR_PLAINTEXT_TOO_LARGE')
      throw new EmulatorCryptoError('plaintext', error.message);
    throw error;
  }
}

/** What AsymmetricDecrypt returns; EmulatorCryptoError('ciphertext') when the ciphertext is not valid. */
export function decryptWith(key: KeyMaterial, algorithm: string, ciphertext: Uint8Array): Uint8Array {
  checkAlgorithm(key, ENCRYPTION_ALGORITHMS, algorithm);
  const parts = partsOf(key);
  const oaepHash = OAEP_HASHES.get(algorithm);
  if (oaepHash !== undefined) {
    try {
      return new Uint8Array(
        privateDecrypt(
          { key: parts.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash },
          ciphertext,
        ),
      );
    } catch {
      throw new EmulatorCryptoError(
        'ciphertext',
        `the ${algorithm} ciphertext does not decrypt with this key`,
      );
    }
  }
  return sm2Decrypt(parts.ec as NonNullable<PrivateParts['ec']>, ciphertext);
}

interface Sm2Ciphertext {
  readonly x1: bigint;
  readonly y1: bigint;
  readonly c3: Uint8Array;
  readonly c2: Uint8Array;
}

function sm2CiphertextParts(ciphertext: Uint8Array, size: number): Sm2Ciphertext {
  const fail = (why: string): never => {
    throw new EmulatorCryptoError('ciphertext', `SM2PKE ciphertext: ${why}`);
  };
  if (ciphertext[0] === 0x04) {
    if (ciphertext.length < 1 + 2 * size + 32) fail(`${ciphertext.length} bytes is shorter than C1 || C3`);
    return {
      x1: bytesToBigInt(ciphertext.subarray(1, 1 + size)),
      y1: bytesToBigInt(ciphertext.subarray(1 + size, 1 + 2 * size)),
      c3: ciphertext.subarray(1 + 2 * size, 1 + 2 * size + 32),
      c2: ciphertext.subarray(1 + 2 * size + 32),
    };
  }
  if (ciphertext[0] === TAG.SEQUENCE) {
    try {
      const reader = DerReader.single(ciphertext, TAG.SEQUENCE, 'SM2Cipher');
      const x1 = bytesToBigInt(reader.integer('XCoordinate'));
      const y1 = bytesToBigInt(reader.integer('YCoordinate'));
      const c3 = reader.content(reader.expect(TAG.OCTET_STRING, 'HASH'));
      const c2 = reader.content(reader.expect(TAG.OCTET_STRING, 'CipherText'));
      reader.finish();
      if (c3.length !== 32) fail(`HASH is ${c3.length} bytes, not 32`);
      return { x1, y1, c3, c2 };
    } catch (error) {
      if (error instanceof EmulatorCryptoError) throw error;
      return fail((error as Error).message);
    }
  }
  return fail('neither 0x04 || C1 || C3 || C2 nor a DER SEQUENCE');
}

/** GB/T 32918.4-2016 §7.1, steps B1-B7. */
function sm2Decrypt(ec: NonNullable<PrivateParts['ec']>, ciphertext: Uint8Array): Uint8Array {
  const { curve, d } = ec;
  const { x1, y1, c3, c2 } = sm2CiphertextParts(ciphertext, curve.size);
  if (x1 >= curve.p || y1 >= curve.p || !isOnCurve(curve, x1, y1))
    throw new EmulatorCryptoError('ciphertext', 'SM2PKE ciphertext: C1 is not a point on the curve');
  const shared = arithmetic(curve).toAffine(arithmetic(curve).multiply({ x: x1, y: y1 }, d));
  if (shared === null) throw new EmulatorCryptoError('ciphertext', 'SM2PKE ciphertext: [d]C1 is infinity');
  const x2 = bigIntToBytes(shared.x, curve.size);
  const y2 = bigIntToBytes(shared.y, curve.size);
  const z = new Uint8Array(2 * curve.size);
  z.set(x2);
  z.set(y2, curve.size);
  const t = sm2Kdf(z, c2.length);
  if (c2.length > 0 && t.every((byte) => byte === 0))
    throw new EmulatorCryptoError('ciphertext', 'SM2PKE ciphertext: the KDF output is all zero');
  const message = new Uint8Array(c2.length);
  for (let index = 0; index < c2.length; index++)
    message[index] = (c2[index] as number) ^ (t[index] as number);
  const check = new Sm3().update(x2).update(message).update(y2).digest();
  if (!timingSafeEqual(check, c3))
    throw new EmulatorCryptoError('ciphertext', 'SM2PKE ciphertext: C3 does not match');
  return message;
}
