/**
 * Builds the conformance fixtures in Node, with crypto we did not write: keys from vectors/keys/ in
 * every encoding with node:crypto's SPKI fingerprint, signatures by node:crypto (RSA-PSS, PKCS#1
 * v1.5, ECDSA on P-256 and secp256k1) and the OpenSSL CLI or sm-crypto-v2 (SM2 with KMS's user
 * ID), a freshly generated key of each spec for the swapped-key cases, inputs that must fail, and
 * plaintexts.
 * decrypt.ts decrypts what each runtime encrypted to these keys. Node-only.
 */

import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sm2 } from 'sm-crypto-v2';
import { DEFAULT_SM2_USER_ID } from '../../src/algorithms.js';
import { sm2Digest, sm2Z } from '../../src/sm/sm2.js';
import { KMS_SM2_USER_ID, opensslSm2Sign } from '../helpers/openssl-sm2.js';
import { readSm2PrivateScalar } from '../helpers/sm2-decrypt.js';
import { KEY_VECTORS_DIR, pemToDer } from '../helpers/vectors.js';
import type {
  EncryptionFixture,
  ErrorFixture,
  Fixtures,
  KeyFixture,
  KmsFixture,
  SignatureFixture,
} from './suite.js';

export const SPECS = ['RSA_2048', 'RSA_3072', 'EC_P256', 'EC_P256K', 'EC_SM2'] as const;
type Spec = (typeof SPECS)[number];

const text = (path: string) => readFileSync(join(KEY_VECTORS_DIR, path), 'utf8');
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

export function publicPem(spec: string): string {
  return text(`${spec}/public.pem`);
}

export function privatePem(spec: string): string {
  return text(`${spec}/private.pem`);
}

/** SHA-256 of the SPKI DER as node:crypto exports it, hex. */
export function nodeFingerprint(pem: string): string {
  const der = createPublicKey(pem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}

function keyFixtures(): KeyFixture[] {
  return SPECS.map((keySpec) => {
    const encodings: Record<string, string> = {
      'public.pem': publicPem(keySpec),
      'der:public.der': base64(readFileSync(join(KEY_VECTORS_DIR, keySpec, 'public.der'))),
      'public.b64': text(`${keySpec}/public.b64`).trim(),
      'cert.pem': text(`${keySpec}/cert.pem`),
      'csr.pem': text(`${keySpec}/csr.pem`),
    };
    if (keySpec.startsWith('RSA')) {
      encodings['pkcs1.pem'] = text(`${keySpec}/pkcs1.pem`);
      encodings['der:pkcs1.der'] = base64(readFileSync(join(KEY_VECTORS_DIR, keySpec, 'pkcs1.der')));
    } else {
      encodings['compressed.pem'] = text(`${keySpec}/compressed.pem`);
    }
    if (keySpec === 'EC_SM2') {
      // The SM2 algorithm OID in place of id-ecPublicKey, as some Chinese toolkits write it; the
      // canonical SPKI, and so the fingerprint, is that of public.pem.
      encodings['sm2-algorithm-oid.pem'] = text('EC_SM2/sm2-algorithm-oid.pem');
      encodings['sm2-algorithm-oid-params.pem'] = text('EC_SM2/sm2-algorithm-oid-params.pem');
    }
    return { keySpec, fingerprint: nodeFingerprint(publicPem(keySpec)), encodings };
  });
}

/** A fresh key pair's public PEM of the same spec: the swapped key a signature must fail under. */
function otherPublicPem(spec: Spec): string {
  const pair =
    spec === 'RSA_2048' || spec === 'RSA_3072'
      ? generateKeyPairSync('rsa', { modulusLength: spec === 'RSA_2048' ? 2048 : 3072 })
      : generateKeyPairSync('ec', {
          namedCurve: { EC_P256: 'prime256v1', EC_P256K: 'secp256k1', EC_SM2: 'SM2' }[spec],
        });
  return pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

/** r || s of a DER ECDSA-Sig-Value (SEQUENCE of two INTEGERs, short lengths for 256-bit curves). */
function derToP1363(der: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(2 * size);
  let offset = 2;
  for (let index = 0; index < 2; index++) {
    if (der[offset] !== 0x02) throw new Error('ECDSA-Sig-Value: expected INTEGER');
    const length = der[offset + 1] as number;
    const value = der.subarray(offset + 2, offset + 2 + length);
    const trimmed = value.subarray(Math.max(0, value.length - size));
    out.set(trimmed, (index + 1) * size - trimmed.length);
    offset += 2 + length;
  }
  return out;
}

const SIGNERS: readonly { readonly spec: Spec; readonly algorithm: string }[] = [
  { spec: 'RSA_2048', algorithm: 'RSA_PSS_SHA_256' },
  { spec: 'RSA_2048', algorithm: 'RSA_PKCS1_SHA_256' },
  { spec: 'RSA_3072', algorithm: 'RSA_PSS_SHA_256' },
  { spec: 'RSA_3072', algorithm: 'RSA_PKCS1_SHA_256' },
  { spec: 'EC_P256', algorithm: 'ECDSA_SHA_256' },
  { spec: 'EC_P256K', algorithm: 'ECDSA_SHA_256' },
  { spec: 'EC_SM2', algorithm: 'SM2DSA' },
];

/** Why the OpenSSL CLI cannot sign SM2 here, once known; null while it can. */
let opensslSm2Unavailable: string | null | undefined;

/**
 * An SM2DSA signature with KMS's user ID by the OpenSSL CLI or, where there is none (CI may have
 * only Node and npm) or it was built without SM2, by sm-crypto-v2: either way by code we did not
 * write, so the suite runs everywhere instead of failing on a missing tool. Says which, once.
 */
function sm2Sign(privateKeyPem: string, message: Uint8Array): Uint8Array {
  if (typeof opensslSm2Unavailable !== 'string') {
    try {
      const signature = opensslSm2Sign({ pem: privateKeyPem }, message);
      opensslSm2Unavailable = null;
      return signature;
    } catch (error) {
      if (opensslSm2Unavailable === null) throw error;
      opensslSm2Unavailable = error instanceof Error ? error.message : String(error);
      console.warn(
        `conformance fixtures: SM2 signed by sm-crypto-v2, the OpenSSL CLI cannot (${opensslSm2Unavailable.split('\n')[0]})`,
      );
    }
  }
  const privateKey = readSm2PrivateScalar(privateKeyPem).toString(16).padStart(64, '0');
  const signature = sm2.doSignature(message, privateKey, {
    der: true,
    hash: true,
    publicKey: sm2.getPublicKeyFromPrivateKey(privateKey),
    userId: KMS_SM2_USER_ID,
  });
  return new Uint8Array(Buffer.from(signature, 'hex'));
}

/** A KMS-style signature (DER for EC) over `message` by node:crypto, or sm2Sign for SM2DSA. */
export function signWithPrivateKey(
  privateKeyPem: string,
  algorithm: string,
  message: Uint8Array,
): Uint8Array {
  if (algorithm === 'SM2DSA') return sm2Sign(privateKeyPem, message);
  const key = createPrivateKey(privateKeyPem);
  if (algorithm === 'RSA_PSS_SHA_256') {
    return sign('sha256', message, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  }
  return sign('sha256', message, key);
}

function signatureFixtures(): SignatureFixture[] {
  const others = new Map<Spec, string>();
  return SIGNERS.map(({ spec, algorithm }) => {
    const message = new TextEncoder().encode(
      `conformance: ${algorithm} with ${spec}, the same in every runtime`,
    );
    const signature = signWithPrivateKey(privatePem(spec), algorithm, message);
    const key = publicPem(spec);
    const digest =
      algorithm === 'SM2DSA'
        ? sm2Digest(sm2Z(new Uint8Array(pemToDer(key).subarray(-65)), DEFAULT_SM2_USER_ID), message)
        : createHash('sha256').update(message).digest();
    if (!others.has(spec)) others.set(spec, otherPublicPem(spec));
    return {
      name: `${algorithm} ${spec}`,
      algorithm,
      key,
      otherKey: others.get(spec) as string,
      message: base64(message),
      digest: base64(digest),
      signature: base64(signature),
      ...(spec.startsWith('EC') ? { p1363: base64(derToP1363(signature, 32)) } : {}),
    };
  });
}

function errorFixtures(): ErrorFixture[] {
  const rsa = publicPem('RSA_2048');
  const sm2 = publicPem('EC_SM2');
  const p256 = publicPem('EC_P256');
  const b64 = (bytes: number[] | Uint8Array) => base64(new Uint8Array(bytes));
  const digest32 = b64(new Uint8Array(32));
  return [
    {
      name: 'unknown signing algorithm',
      operation: 'verify',
      options: { key: rsa, algorithm: 'RSA_PSS_SHA_512', digest: digest32, signature: b64([1]) },
      expected: 'error:ERR_ALGORITHM_UNSUPPORTED',
    },
    {
      name: 'RSA key with ECDSA_SHA_256',
      operation: 'verify',
      options: { key: rsa, algorithm: 'ECDSA_SHA_256', digest: digest32, signature: b64([1]) },
      expected: 'error:ERR_ALGORITHM_MISMATCH',
    },
    {
      name: 'SM2 key with ECDSA_SHA_256',
      operation: 'verify',
      options: { key: sm2, algorithm: 'ECDSA_SHA_256', digest: digest32, signature: b64([1]) },
      expected: 'error:ERR_ALGORITHM_MISMATCH',
    },
    {
      name: 'digest of the wrong length',
      operation: 'verify',
      options: { key: p256, algorithm: 'ECDSA_SHA_256', digest: b64([1, 2, 3]), signature: b64([1]) },
      expected: 'error:RangeError',
    },
    {
      name: 'malformed DER signature is false',
      operation: 'verify',
      options: {
        key: p256,
        algorithm: 'ECDSA_SHA_256',
        digest: digest32,
        signature: b64([0x30, 0x03, 0x02]),
      },
      expected: 'false',
    },
    {
      name: 'RSA signature of the wrong length is false',
      operation: 'verify',
      options: {
        key: rsa,
        algorithm: 'RSA_PKCS1_SHA_256',
        digest: digest32,
        signature: b64(new Uint8Array(255)),
      },
      expected: 'false',
    },
    {
      name: 'text that is no key',
      operation: 'parse',
      options: { key: 'this is not a key' },
      expected: 'error:ERR_KEY_FORMAT',
    },
    {
      name: 'P-384 key',
      operation: 'parse',
      options: { key: text('other/p384.pem') },
      expected: 'error:ERR_KEY_UNSUPPORTED',
    },
    {
      name: 'Ed25519 key',
      operation: 'parse',
      options: { key: text('other/ed25519.pem') },
      expected: 'error:ERR_KEY_UNSUPPORTED',
    },
    {
      name: 'RSA-1024 key',
      operation: 'parse',
      options: { key: text('other/rsa-1024.pem') },
      expected: 'error:ERR_KEY_UNSUPPORTED',
    },
    {
      name: 'OAEP-SHA-256 plaintext above the limit',
      operation: 'encrypt',
      options: { key: rsa, algorithm: 'RSAES_OAEP_SHA_256', plaintext: b64(new Uint8Array(191)) },
      expected: 'error:ERR_PLAINTEXT_TOO_LARGE',
    },
    {
      name: 'SM2PKE to an RSA key',
      operation: 'encrypt',
      options: { key: rsa, algorithm: 'SM2PKE', plaintext: b64([1]) },
      expected: 'error:ERR_ALGORITHM_MISMATCH',
    },
  ];
}

function encryptionFixtures(): EncryptionFixture[] {
  const plaintext = (length: number) =>
    base64(new Uint8Array(length).map((_, index) => (index * 31 + 7) & 0xff));
  return [
    {
      name: 'RSAES_OAEP_SHA_256 RSA_2048',
      algorithm: 'RSAES_OAEP_SHA_256',
      key: publicPem('RSA_2048'),
      plaintext: plaintext(32),
      ciphertextLength: 256,
    },
    {
      name: 'RSAES_OAEP_SHA_256 RSA_2048 at the limit',
      algorithm: 'RSAES_OAEP_SHA_256',
      key: publicPem('RSA_2048'),
      plaintext: plaintext(190),
      ciphertextLength: 256,
    },
    {
      name: 'RSAES_OAEP_SHA_1 RSA_2048',
      algorithm: 'RSAES_OAEP_SHA_1',
      key: publicPem('RSA_2048'),
      plaintext: plaintext(32),
      ciphertextLength: 256,
    },
    {
      name: 'RSAES_OAEP_SHA_256 RSA_3072',
      algorithm: 'RSAES_OAEP_SHA_256',
      key: publicPem('RSA_3072'),
      plaintext: plaintext(32),
      ciphertextLength: 384,
    },
    {
      name: 'RSAES_OAEP_SHA_1 RSA_3072',
      algorithm: 'RSAES_OAEP_SHA_1',
      key: publicPem('RSA_3072'),
      plaintext: plaintext(32),
      ciphertextLength: 384,
    },
    {
      name: 'SM2PKE c1c3c2',
      algorithm: 'SM2PKE',
      key: publicPem('EC_SM2'),
      plaintext: plaintext(32),
      sm2Format: 'c1c3c2',
      ciphertextLength: 97 + 32,
    },
    {
      name: 'SM2PKE c1c2c3',
      algorithm: 'SM2PKE',
      key: publicPem('EC_SM2'),
      plaintext: plaintext(32),
      sm2Format: 'c1c2c3',
      ciphertextLength: 97 + 32,
    },
    {
      name: 'SM2PKE asn1',
      algorithm: 'SM2PKE',
      key: publicPem('EC_SM2'),
      plaintext: plaintext(32),
      sm2Format: 'asn1',
    },
    {
      name: 'SM2PKE at the limit',
      algorithm: 'SM2PKE',
      key: publicPem('EC_SM2'),
      plaintext: plaintext(6047),
      ciphertextLength: 6144,
    },
  ];
}

/** Everything but the KMS part, which the runner adds once its loopback KMS is up. */
export function buildFixtures(kms?: KmsFixture): Fixtures {
  return {
    keys: keyFixtures(),
    signatures: signatureFixtures(),
    encryptions: encryptionFixtures(),
    errors: errorFixtures(),
    ...(kms === undefined ? {} : { kms }),
  };
}
