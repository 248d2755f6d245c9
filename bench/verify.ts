/**
 * Verification throughput with a cached key, one core: this library on its Node backend and on its
 * Web Crypto/pure backend, against node:crypto with a KeyObject, Web Crypto with a cached
 * CryptoKey, jose, @noble/curves, sm-crypto and sm-crypto-v2. Each group is one algorithm and
 * input mode; every candidate checks a genuine signature (and must say true) over a 100-byte message.
 */

import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  verify as nodeCryptoVerify,
  sign,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { flattenedVerify } from 'jose';
import smCrypto from 'sm-crypto';
import { sm2 as sm2v2 } from 'sm-crypto-v2';
import { type KmsPublicKey, parsePublicKey, verify as webVerify } from '../src/index.js';
import { verify as nodeVerify } from '../src/node/index.js';
import { DEFAULT_SM2_USER_ID, sm2Digest, sm2Z } from '../src/sm/sm2.js';
import { opensslSm2Sign } from '../test/helpers/openssl-sm2.js';
import type { Candidate, Group } from './runner.js';

const vectors = new URL('../vectors/keys/', import.meta.url);
const privatePem = (spec: string) => readFileSync(new URL(`${spec}/private.pem`, vectors), 'utf8');
const publicPem = (spec: string) => readFileSync(new URL(`${spec}/public.pem`, vectors), 'utf8');
const subtle = globalThis.crypto.subtle;
const message = new TextEncoder().encode(
  'kms-verify benchmark message: one hundred bytes of payload, as an audit record might carry....',
);
const digest = new Uint8Array(createHash('sha256').update(message).digest());
const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

function ours(
  key: KmsPublicKey,
  algorithm: string,
  signature: Uint8Array,
  mode: 'message' | 'digest',
  e: Uint8Array = digest,
) {
  const input = mode === 'message' ? { message } : { digest: e };
  return [
    {
      name: 'kms-verify (Node backend)',
      ours: true,
      expect: true,
      run: () => nodeVerify({ key, algorithm, signature, ...input }),
    },
    {
      name: 'kms-verify (Web Crypto/pure backend)',
      ours: true,
      expect: true,
      run: () => webVerify({ key, algorithm, signature, ...input }),
    },
  ] satisfies Candidate[];
}

function nodeCrypto(key: KeyObject, signature: Uint8Array, options: object = {}): Candidate {
  return {
    name: 'node:crypto verify (KeyObject)',
    ours: false,
    expect: true,
    run: () => nodeCryptoVerify('sha256', message, { key, ...options }, signature),
  };
}

async function rsaGroups(spec: 'RSA_2048' | 'RSA_3072'): Promise<Group[]> {
  const key = parsePublicKey(publicPem(spec));
  const keyObject = createPublicKey(publicPem(spec));
  const privateKey = createPrivateKey(privatePem(spec));
  const groups: Group[] = [];
  for (const [algorithm, jwsAlgorithm, webName, options] of [
    ['RSA_PSS_SHA_256', 'PS256', 'RSA-PSS', { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }],
    ['RSA_PKCS1_SHA_256', 'RS256', 'RSASSA-PKCS1-v1_5', { padding: constants.RSA_PKCS1_PADDING }],
  ] as const) {
    const signature = new Uint8Array(sign('sha256', message, { key: privateKey, ...options }));
    const cryptoKey = await subtle.importKey(
      'spki',
      key.spki as Uint8Array<ArrayBuffer>,
      { name: webName, hash: 'SHA-256' },
      false,
      ['verify'],
    );
    const webParams = webName === 'RSA-PSS' ? { name: webName, saltLength: 32 } : { name: webName };
    const header = b64url(JSON.stringify({ alg: jwsAlgorithm }));
    const payload = b64url(message);
    const jws = {
      protected: header,
      payload,
      signature: b64url(sign('sha256', Buffer.from(`${header}.${payload}`), { key: privateKey, ...options })),
    };
    groups.push({
      title: `${algorithm} ${spec}, message`,
      candidates: [
        ...ours(key, algorithm, signature, 'message'),
        nodeCrypto(keyObject, signature, options),
        {
          name: 'Web Crypto (cached CryptoKey)',
          ours: false,
          expect: true,
          run: () => subtle.verify(webParams, cryptoKey, signature, message),
        },
        {
          name: `jose flattenedVerify ${jwsAlgorithm}`,
          ours: false,
          expect: true,
          run: async () => (await flattenedVerify(jws, cryptoKey)) !== undefined,
        },
      ],
    });
    groups.push({
      title: `${algorithm} ${spec}, digest`,
      candidates: [...ours(key, algorithm, signature, 'digest'), nodeCrypto(keyObject, signature, options)],
    });
  }
  return groups;
}

async function ecdsaGroups(spec: 'EC_P256' | 'EC_P256K'): Promise<Group[]> {
  const key = parsePublicKey(publicPem(spec));
  const keyObject = createPublicKey(publicPem(spec));
  const privateKey = createPrivateKey(privatePem(spec));
  const der = new Uint8Array(sign('sha256', message, privateKey));
  const p1363 = new Uint8Array(sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
  const noble = spec === 'EC_P256' ? p256 : secp256k1;
  const point = key.family === 'EC' ? key.point : new Uint8Array();
  const nobleOptions = { lowS: false, format: 'compact' } as const;
  const peers: Candidate[] = [nodeCrypto(keyObject, der)];
  const digestPeers: Candidate[] = [
    {
      name: '@noble/curves verify (prehashed)',
      ours: false,
      expect: true,
      run: () => noble.verify(p1363, digest, point, { ...nobleOptions, prehash: false }),
    },
  ];
  if (spec === 'EC_P256') {
    const cryptoKey = await subtle.importKey(
      'spki',
      key.spki as Uint8Array<ArrayBuffer>,
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['verify'],
    );
    peers.push({
      name: 'Web Crypto (cached CryptoKey, P1363)',
      ours: false,
      expect: true,
      run: () => subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, cryptoKey, p1363, message),
    });
    const header = b64url(JSON.stringify({ alg: 'ES256' }));
    const payload = b64url(message);
    const jws = {
      protected: header,
      payload,
      signature: b64url(
        sign('sha256', Buffer.from(`${header}.${payload}`), { key: privateKey, dsaEncoding: 'ieee-p1363' }),
      ),
    };
    peers.push({
      name: 'jose flattenedVerify ES256',
      ours: false,
      expect: true,
      run: async () => (await flattenedVerify(jws, cryptoKey)) !== undefined,
    });
  }
  peers.push({
    name: '@noble/curves verify (hashes the message)',
    ours: false,
    expect: true,
    run: () => noble.verify(p1363, message, point, { ...nobleOptions, prehash: true }),
  });
  return [
    {
      title: `ECDSA_SHA_256 ${spec}, message`,
      candidates: [...ours(key, 'ECDSA_SHA_256', der, 'message'), ...peers],
    },
    {
      title: `ECDSA_SHA_256 ${spec}, digest`,
      candidates: [...ours(key, 'ECDSA_SHA_256', der, 'digest'), ...digestPeers],
    },
  ];
}

function sm2Groups(): Group[] {
  const key = parsePublicKey(publicPem('EC_SM2'));
  const point = key.family === 'EC' ? key.point : new Uint8Array();
  const der = opensslSm2Sign({ path: new URL('EC_SM2/private.pem', vectors).pathname }, message);
  const e = sm2Digest(sm2Z(point, DEFAULT_SM2_USER_ID), message);
  // node:crypto's SM2 uses an empty user ID: the same curve math, so its own signature is the peer.
  const keyObject = createPublicKey(publicPem('EC_SM2'));
  const nodeSignature = sign('sm3', message, createPrivateKey(privatePem('EC_SM2')));
  const publicHex = Buffer.from(point).toString('hex');
  const rsHex = sm2v2.doSignature(message, createSm2PrivateHex(), { hash: true, der: false });
  const precomputed = sm2v2.precomputePublicKey(publicHex);
  const text = new TextDecoder().decode(message);
  const v1Signature = smCrypto.sm2.doSignature(text, createSm2PrivateHex(), { hash: true, der: false });
  const peers: Candidate[] = [
    {
      name: 'node:crypto verify sm3 (KeyObject, native EC)',
      ours: false,
      expect: true,
      run: () => nodeCryptoVerify('sm3', message, keyObject, nodeSignature),
    },
    {
      name: 'sm-crypto-v2 (precomputed key)',
      ours: false,
      expect: true,
      run: () => sm2v2.doVerifySignature(message, rsHex, precomputed, { hash: true }),
    },
    {
      name: 'sm-crypto-v2 (hex key)',
      ours: false,
      expect: true,
      run: () => sm2v2.doVerifySignature(message, rsHex, publicHex, { hash: true }),
    },
    {
      name: 'sm-crypto',
      ours: false,
      expect: true,
      run: () => smCrypto.sm2.doVerifySignature(text, v1Signature, publicHex, { hash: true }),
    },
  ];
  return [
    { title: 'SM2DSA EC_SM2, message', candidates: [...ours(key, 'SM2DSA', der, 'message'), ...peers] },
    {
      title: 'SM2DSA EC_SM2, digest',
      candidates: [...ours(key, 'SM2DSA', der, 'digest', e), peers[0] as Candidate],
    },
  ];
}

/** The SM2 private scalar of the test key, as the hex the sm-crypto libraries sign with. */
function createSm2PrivateHex(): string {
  const jwk = createPrivateKey(privatePem('EC_SM2')).export({ format: 'der', type: 'pkcs8' });
  // PKCS#8 for SM2 from OpenSSL: the 32-byte private scalar follows the bytes 04 20 in the ECPrivateKey.
  const der = Buffer.from(jwk);
  const at = der.indexOf(Buffer.from([0x04, 0x20]), 20);
  return der.subarray(at + 2, at + 34).toString('hex');
}

export async function verifyGroups(): Promise<Group[]> {
  return [
    ...(await rsaGroups('RSA_2048')),
    ...(await rsaGroups('RSA_3072')),
    ...(await ecdsaGroups('EC_P256')),
    ...(await ecdsaGroups('EC_P256K')),
    ...sm2Groups(),
  ];
}
