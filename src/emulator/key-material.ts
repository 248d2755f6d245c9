/**
 * The emulator's private keys: generation, loading from the PKCS#8 PEM kept in its state file, the
 * key specs and algorithms KMS allows for each, and the private parts (KeyObject, EC scalar and
 * point, RSA modulus size) that signing.ts and decryption.ts use. The private parts live in a
 * WeakMap beside the frozen material, so a KeyMaterial can be logged or serialized without them.
 * Node-only.
 */

import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ENCRYPTION_ALGORITHMS, type KeySpec, SIGNING_ALGORITHMS } from '../algorithms.js';
import { type AffinePoint, CurveArithmetic } from '../ec/arithmetic.js';
import { KmsVerifyError } from '../errors.js';
import { bytesToBigInt } from '../internal/hex.js';
import { type Curve, P256, SECP256K1, SM2 } from '../keys/curves.js';
import { DerReader, TAG } from '../keys/der.js';
import { parsePublicKey } from '../node/index.js';

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

export interface PrivateParts {
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
export function arithmetic(curve: Curve): CurveArithmetic {
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

export function partsOf(key: KeyMaterial): PrivateParts {
  const parts = PRIVATE.get(key);
  if (parts === undefined)
    throw new TypeError('not key material made by generateKeyMaterial/loadKeyMaterial');
  return parts;
}

export function checkAlgorithm(
  key: KeyMaterial,
  table: ReadonlyMap<string, { readonly keySpecs: ReadonlySet<KeySpec> }>,
  algorithm: string,
): void {
  const descriptor = table.get(algorithm);
  if (descriptor === undefined || !descriptor.keySpecs.has(key.keySpec))
    throw new EmulatorCryptoError('algorithm', `${algorithm} cannot be used with a ${key.keySpec} key`);
}

export function checkDigest(digest: Uint8Array, algorithm: string): void {
  if (digest.length !== 32)
    throw new EmulatorCryptoError(
      'digest',
      `${algorithm} takes a 32-byte digest, not ${digest.length} bytes`,
    );
}
