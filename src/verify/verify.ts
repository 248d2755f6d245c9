/**
 * verify(): checks a KMS signature offline, over the message or over the precomputed digest that
 * KMS AsymmetricSign/AsymmetricVerify take, for RSA_PSS_SHA_256, RSA_PKCS1_SHA_256, ECDSA_SHA_256
 * and SM2DSA.
 *
 * Outcomes: true or false for the signature; false also for signature bytes that are malformed or
 * out of range. A key that cannot be used with the algorithm is an AlgorithmMismatchError, an
 * unknown algorithm name an AlgorithmUnsupportedError, bad key material a key error. Wrong argument
 * types and impossible options are TypeError or RangeError.
 */

import { SIGNING_ALGORITHMS, type SignatureScheme, type SigningAlgorithmDescriptor } from '../algorithms.js';
import { AlgorithmMismatchError, AlgorithmUnsupportedError } from '../errors.js';
import { lazyModule } from '../internal/lazy.js';
import { type PublicKeyInput, parsePublicKey } from '../keys/parse.js';
import type { EcPublicKey, KmsPublicKey, RsaPublicKey } from '../keys/types.js';
import type { VerifyBackend } from './backend.js';
import { ecdsaVerify } from './ecc.js';
import { emsaPkcs1v15Matches, emsaPssMatches } from './emsa.js';
import { preparedPoint } from './prepared.js';
import { decodeSignature, type SignatureFormat } from './signature.js';

export interface VerifyOptions {
  /** A key from parsePublicKey, or key material it accepts (e.g. the PEM GetPublicKey returns). */
  readonly key: KmsPublicKey | PublicKeyInput;
  /** The KMS algorithm name: RSA_PSS_SHA_256, RSA_PKCS1_SHA_256, ECDSA_SHA_256 or SM2DSA. */
  readonly algorithm: string;
  /** The signed message; the library hashes it. Exactly one of message and digest. */
  readonly message?: Uint8Array;
  /** The digest KMS signed: SHA-256 of the message, or for SM2DSA e = SM3(Z || M). */
  readonly digest?: Uint8Array;
  /** The signature bytes (base64-decoded KMS output). */
  readonly signature: Uint8Array;
  /** ECDSA and SM2 only: 'der' (what KMS returns, the default) or 'p1363' (r || s). */
  readonly signatureFormat?: SignatureFormat;
  /** SM2DSA over a message only: the signer's user ID; default 1234567812345678. */
  readonly userId?: Uint8Array | string;
}

interface VerifyRequest {
  readonly algorithm: SigningAlgorithmDescriptor;
  readonly key: KmsPublicKey;
  readonly message: Uint8Array | undefined;
  readonly digest: Uint8Array | undefined;
  readonly signature: Uint8Array;
  readonly signatureFormat: SignatureFormat;
  /** SM2DSA over a message: the signer's user ID, or undefined for KMS's default. */
  readonly userId: Uint8Array | undefined;
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value as object).constructor?.name ?? 'object';
}

function algorithmFor(name: unknown): SigningAlgorithmDescriptor {
  if (typeof name !== 'string')
    throw new TypeError(`verify: algorithm must be a string, got ${describe(name)}`);
  const algorithm = SIGNING_ALGORITHMS.get(name);
  if (algorithm === undefined) {
    throw new AlgorithmUnsupportedError(
      `signing algorithm "${name}" is not supported; use one of ${[...SIGNING_ALGORITHMS.keys()].join(', ')}`,
    );
  }
  return algorithm;
}

/** The key must be one KMS allows with the algorithm, and nothing the key itself says may contradict it. */
function checkKeyFits(key: KmsPublicKey, algorithm: SigningAlgorithmDescriptor): void {
  if (!algorithm.keySpecs.has(key.keySpec)) {
    throw new AlgorithmMismatchError(
      `${algorithm.name} cannot verify with key spec ${key.keySpec}; KMS uses it with ${[...algorithm.keySpecs].join(', ')}`,
    );
  }
  if (key.family !== 'RSA' || !key.pssOnly) return;
  if (algorithm.scheme !== 'RSASSA-PSS') {
    throw new AlgorithmMismatchError(`${algorithm.name} cannot verify with a key restricted to RSASSA-PSS`);
  }
  const restriction = key.pssParameters;
  if (
    restriction !== null &&
    (restriction.hash !== algorithm.hash ||
      restriction.mgf1Hash !== algorithm.hash ||
      restriction.saltLength > (algorithm.saltLength ?? 0))
  ) {
    throw new AlgorithmMismatchError(
      `${algorithm.name} conflicts with the key's RSASSA-PSS restriction (${restriction.hash}, MGF1 ${restriction.mgf1Hash}, salt >= ${restriction.saltLength})`,
    );
  }
}

function request(options: VerifyOptions): VerifyRequest {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`verify: expected an options object, got ${describe(options)}`);
  }
  const algorithm = algorithmFor(options.algorithm);
  const { message, digest, signature, signatureFormat, userId } = options;
  if ((message === undefined) === (digest === undefined)) {
    throw new TypeError('verify: give exactly one of message and digest');
  }
  if (message !== undefined && !isBytes(message)) {
    throw new TypeError(`verify: message must be a Uint8Array, got ${describe(message)}`);
  }
  if (digest !== undefined) {
    if (!isBytes(digest)) throw new TypeError(`verify: digest must be a Uint8Array, got ${describe(digest)}`);
    if (digest.length !== algorithm.digestLength) {
      throw new RangeError(
        `verify: the ${algorithm.name} digest is ${algorithm.digestLength} bytes (${algorithm.hash}), got ${digest.length}`,
      );
    }
  }
  if (!isBytes(signature))
    throw new TypeError(`verify: signature must be a Uint8Array, got ${describe(signature)}`);
  if (signatureFormat !== undefined) {
    if (algorithm.family !== 'EC')
      throw new TypeError(`verify: signatureFormat does not apply to ${algorithm.name}`);
    if (signatureFormat !== 'der' && signatureFormat !== 'p1363') {
      throw new TypeError(`verify: signatureFormat must be 'der' or 'p1363', got ${String(signatureFormat)}`);
    }
  }
  if (userId !== undefined) {
    if (algorithm.scheme !== 'SM2')
      throw new TypeError(`verify: userId applies to SM2DSA only, not ${algorithm.name}`);
    if (digest !== undefined)
      throw new TypeError('verify: userId has no effect with a digest (e already includes Z)');
    if (typeof userId !== 'string' && !isBytes(userId)) {
      throw new TypeError(`verify: userId must be a string or Uint8Array, got ${describe(userId)}`);
    }
  }
  const key = parsePublicKey(options.key);
  checkKeyFits(key, algorithm);
  return {
    algorithm,
    key,
    message,
    digest,
    signature,
    signatureFormat: signatureFormat ?? 'der',
    userId: typeof userId === 'string' ? new TextEncoder().encode(userId) : userId,
  };
}

/** SM2 and SM3 code, loaded on the first SM2DSA verification (see src/internal/lazy.ts). */
const sm2Module = lazyModule('SM2DSA verification', () => import('./sm2.js'));

type SchemeVerifier = (request: VerifyRequest, backend: VerifyBackend) => Promise<boolean>;

async function rsaScheme(request: VerifyRequest, backend: VerifyBackend): Promise<boolean> {
  const key = request.key as RsaPublicKey;
  const { algorithm, message, signature } = request;
  if (message !== undefined) return backend.rsaVerifyMessage(key, algorithm, message, signature);
  const digest = request.digest as Uint8Array;
  const em = await backend.rsaRecover(key, signature);
  if (em === null) return false;
  return algorithm.scheme === 'RSASSA-PSS'
    ? emsaPssMatches(em, digest, key.modulusBits, algorithm.saltLength ?? 0, backend.sha256)
    : emsaPkcs1v15Matches(em, digest);
}

const SCHEMES: ReadonlyMap<SignatureScheme, SchemeVerifier> = new Map<SignatureScheme, SchemeVerifier>([
  ['RSASSA-PSS', rsaScheme],
  ['RSASSA-PKCS1-v1_5', rsaScheme],
  [
    'ECDSA',
    async (request, backend) => {
      const key = request.key as EcPublicKey;
      const point = preparedPoint(key);
      const value = decodeSignature(request.signature, request.signatureFormat, point.curve);
      if (value === null) return false;
      if (request.message !== undefined) {
        const native = backend.ecdsaVerifyMessage(
          key,
          request.message,
          request.signature,
          request.signatureFormat,
          value,
        );
        if (native !== undefined) return native;
      }
      const digest = request.digest ?? (await backend.sha256(request.message as Uint8Array));
      return ecdsaVerify(point, digest, value);
    },
  ],
  [
    'SM2',
    async (request) => {
      const key = request.key as EcPublicKey;
      const point = preparedPoint(key);
      const value = decodeSignature(request.signature, request.signatureFormat, point.curve);
      if (value === null) return false;
      const sm2 = sm2Module.loaded() ?? (await sm2Module.load());
      return sm2.sm2VerifySignature(key, point, value, request.digest, request.message, request.userId);
    },
  ],
]);

/** Builds the public verify function over one backend. */
export function createVerify(backend: VerifyBackend): (options: VerifyOptions) => Promise<boolean> {
  return async function verify(options: VerifyOptions): Promise<boolean> {
    const verified = request(options);
    const scheme = SCHEMES.get(verified.algorithm.scheme);
    if (scheme === undefined)
      throw new AlgorithmUnsupportedError(`no verifier for ${verified.algorithm.scheme}`);
    return scheme(verified, backend);
  };
}
