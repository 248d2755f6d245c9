/**
 * AsymmetricEncrypt and AsymmetricDecrypt over an emulator key. Decryption is RSAES-OAEP with
 * SHA-256 or SHA-1 (node:crypto privateDecrypt) and SM2PKE (GB/T 32918.4-2016 §7.1) for ciphertexts
 * 0x04 || C1 || C3 || C2 (what our encrypt() writes by default) or the GB/T 35276
 * SEQUENCE { x, y, C3, C2 }: the first byte tells them apart. Encryption is a public-key operation:
 * it goes through the library's own Node entry, as an offline user would. The big-integer
 * arithmetic here is not constant-time: this is a development emulator, not a place for real secrets.
 */

import { constants, privateDecrypt, timingSafeEqual } from 'node:crypto';
import { ENCRYPTION_ALGORITHMS } from '../algorithms.js';
import { KmsVerifyError } from '../errors.js';
import { bigIntToBytes, bytesToBigInt } from '../internal/hex.js';
import { isOnCurve } from '../keys/curves.js';
import { DerReader, TAG } from '../keys/der.js';
import { encrypt, parsePublicKey } from '../node/index.js';
import { sm2Kdf } from '../sm/sm2.js';
import { Sm3 } from '../sm/sm3.js';
import {
  arithmetic,
  checkAlgorithm,
  EmulatorCryptoError,
  type KeyMaterial,
  type PrivateParts,
  partsOf,
} from './key-material.js';

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
