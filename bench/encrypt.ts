/**
 * Encryption throughput with a cached key, one core, a 32-byte plaintext (a data key): this library
 * on its Node and Web Crypto/pure backends against node:crypto publicEncrypt with a KeyObject and Web
 * Crypto with a cached CryptoKey for RSAES-OAEP, and against sm-crypto-v2 (with its precomputed
 * key) and sm-crypto for SM2PKE. Every candidate's output is checked for its expected length.
 */

import { constants, createPublicKey, publicEncrypt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import smCrypto from 'sm-crypto';
import { sm2 as sm2v2 } from 'sm-crypto-v2';
import { parsePublicKey, encrypt as webEncrypt } from '../src/index.js';
import { encrypt as nodeEncrypt } from '../src/node/index.js';
import type { Candidate, Group } from './runner.js';

const vectors = new URL('../vectors/keys/', import.meta.url);
const publicPem = (spec: string) => readFileSync(new URL(`${spec}/public.pem`, vectors), 'utf8');
const plaintext = new Uint8Array(32).fill(0x5a);
const subtle = globalThis.crypto.subtle;

function ours(spec: string, algorithm: string, length: number): Candidate[] {
  const key = parsePublicKey(publicPem(spec));
  return [
    {
      name: 'kms-verify (Node backend)',
      ours: true,
      expect: length,
      run: async () => (await nodeEncrypt({ key, algorithm, plaintext })).length,
    },
    {
      name: 'kms-verify (Web Crypto/pure backend)',
      ours: true,
      expect: length,
      run: async () => (await webEncrypt({ key, algorithm, plaintext })).length,
    },
  ];
}

async function oaepGroup(
  spec: 'RSA_2048' | 'RSA_3072',
  algorithm: string,
  hash: 'SHA-256' | 'SHA-1',
): Promise<Group> {
  const length = spec === 'RSA_2048' ? 256 : 384;
  const keyObject = createPublicKey(publicPem(spec));
  const oaepHash = hash === 'SHA-256' ? 'sha256' : 'sha1';
  const cryptoKey = await subtle.importKey(
    'spki',
    parsePublicKey(publicPem(spec)).spki as Uint8Array<ArrayBuffer>,
    { name: 'RSA-OAEP', hash },
    false,
    ['encrypt'],
  );
  return {
    title: `${algorithm} ${spec}`,
    candidates: [
      ...ours(spec, algorithm, length),
      {
        name: 'node:crypto publicEncrypt (KeyObject)',
        ours: false,
        expect: length,
        run: () =>
          publicEncrypt({ key: keyObject, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, plaintext)
            .length,
      },
      {
        name: 'Web Crypto (cached CryptoKey)',
        ours: false,
        expect: length,
        run: async () => (await subtle.encrypt({ name: 'RSA-OAEP' }, cryptoKey, plaintext)).byteLength,
      },
    ],
  };
}

function sm2Group(): Group {
  const key = parsePublicKey(publicPem('EC_SM2'));
  const publicHex = Buffer.from(key.family === 'EC' ? key.point : new Uint8Array()).toString('hex');
  const precomputed = sm2v2.precomputePublicKey(publicHex);
  const plaintextArray = Array.from(plaintext);
  // C1 || C3 || C2 in hex without the 0x04 prefix: 2 * (64 + 32 + 32) characters.
  const hexLength = 2 * (64 + 32 + plaintext.length);
  return {
    title: 'SM2PKE EC_SM2',
    candidates: [
      ...ours('EC_SM2', 'SM2PKE', 97 + plaintext.length),
      {
        name: 'sm-crypto-v2 (precomputed key)',
        ours: false,
        expect: hexLength,
        run: () => sm2v2.doEncrypt(plaintext, precomputed, 1).length,
      },
      {
        name: 'sm-crypto',
        ours: false,
        expect: hexLength,
        run: () => smCrypto.sm2.doEncrypt(plaintextArray, publicHex, 1).length,
      },
    ],
  };
}

export async function encryptGroups(): Promise<Group[]> {
  return [
    await oaepGroup('RSA_2048', 'RSAES_OAEP_SHA_256', 'SHA-256'),
    await oaepGroup('RSA_2048', 'RSAES_OAEP_SHA_1', 'SHA-1'),
    await oaepGroup('RSA_3072', 'RSAES_OAEP_SHA_256', 'SHA-256'),
    sm2Group(),
  ];
}
