/**
 * AsymmetricSign and AsymmetricVerify over an emulator key. AsymmetricSign takes a digest, so every
 * scheme signs a precomputed hash:
 *
 *   RSA_PKCS1_SHA_256  RSASSA-PKCS1-v1_5 (RFC 8017 §8.2.1, EMSA-PKCS1-v1_5 §9.2) through node:crypto
 *                      privateEncrypt over the SHA-256 DigestInfo;
 *   RSA_PSS_SHA_256    EMSA-PSS (RFC 8017 §9.1.1, MGF1-SHA-256, 32-byte salt as KMS uses) encoded here,
 *                      then the raw RSA private operation through node:crypto (RSA_NO_PADDING);
 *   ECDSA_SHA_256      SEC 1 v2 §4.1.3 over P-256 or secp256k1, DER output. node:crypto has no
 *                      pre-hashed ECDSA signing (sign(null, ...) hashes again), so it is done here;
 *   SM2DSA             GB/T 32918.2-2016 §6.1 over e = the caller's SM3(Z || M), DER output.
 *
 * AsymmetricVerify is a public-key operation: it goes through the library's own Node entry, as an
 * offline user would. The big-integer arithmetic here is not constant-time: this is a development
 * emulator, it must be correct, it is not a place for real secrets.
 */

import { constants, createHash, privateEncrypt, randomBytes } from 'node:crypto';
import { SIGNING_ALGORITHMS } from '../algorithms.js';
import { modInverse } from '../ec/arithmetic.js';
import { bigIntToBytes, bytesToBigInt } from '../internal/hex.js';
import { encodeElement, encodeUnsignedInteger, TAG } from '../keys/der.js';
import { parsePublicKey, verify } from '../node/index.js';
import {
  arithmetic,
  checkAlgorithm,
  checkDigest,
  type KeyMaterial,
  type PrivateParts,
  partsOf,
} from './key-material.js';

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
