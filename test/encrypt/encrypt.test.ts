/**
 * The encrypt() contract on both backends: misuse is a TypeError, wrong keys and unknown algorithms
 * are typed, KMS's plaintext limits are enforced exactly, and each SM2 format has its shape.
 * (Decryption by node:crypto, OpenSSL and a test-side SM2 decryptor is in roundtrip.test.ts.)
 */

import { constants, createPrivateKey, privateDecrypt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { EncryptOptions } from '../../src/encrypt/encrypt.js';
import { KmsVerifyError, encrypt as webEncrypt } from '../../src/index.js';
import { encrypt as nodeEncrypt } from '../../src/node/index.js';

const text = (path: string) => readFileSync(new URL(`../../vectors/keys/${path}`, import.meta.url), 'utf8');
const PEM = {
  RSA_2048: text('RSA_2048/public.pem'),
  RSA_3072: text('RSA_3072/public.pem'),
  EC_P256: text('EC_P256/public.pem'),
  EC_SM2: text('EC_SM2/public.pem'),
  PSS_ONLY: text('other/rsa-pss-2048.pem'),
};

describe.each([
  ['web (Web Crypto + pure)', webEncrypt],
  ['node (node:crypto)', nodeEncrypt],
] as const)('encrypt on the %s backend', (_name, encrypt) => {
  describe('KMS plaintext limits, exactly', () => {
    it.each([
      ['RSAES_OAEP_SHA_256', 'RSA_2048', 190],
      ['RSAES_OAEP_SHA_1', 'RSA_2048', 214],
      ['RSAES_OAEP_SHA_256', 'RSA_3072', 318],
      ['RSAES_OAEP_SHA_1', 'RSA_3072', 342],
      ['SM2PKE', 'EC_SM2', 6047],
    ] as const)(
      '%s on %s: %i bytes encrypt, one more is ERR_PLAINTEXT_TOO_LARGE',
      async (algorithm, spec, limit) => {
        const key = PEM[spec];
        const ciphertext = await encrypt({ key, algorithm, plaintext: new Uint8Array(limit).fill(7) });
        expect(ciphertext.length).toBe(spec === 'EC_SM2' ? limit + 97 : spec === 'RSA_2048' ? 256 : 384);
        const error = await encrypt({ key, algorithm, plaintext: new Uint8Array(limit + 1) }).catch(
          (reason: unknown) => reason,
        );
        expect(error).toBeInstanceOf(KmsVerifyError);
        expect((error as KmsVerifyError).code).toBe('ERR_PLAINTEXT_TOO_LARGE');
        expect((error as Error).message).toContain(`at most ${limit} bytes`);
        expect((error as Error).message).toContain(`is ${limit + 1}`);
      },
    );
  });

  it('encrypts an empty plaintext', async () => {
    const rsa = await encrypt({
      key: PEM.RSA_2048,
      algorithm: 'RSAES_OAEP_SHA_256',
      plaintext: new Uint8Array(0),
    });
    const back = privateDecrypt(
      {
        key: createPrivateKey(text('RSA_2048/private.pem')),
        padding: constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: 'sha256',
      },
      rsa,
    );
    expect(back.length).toBe(0);
    expect(
      (await encrypt({ key: PEM.EC_SM2, algorithm: 'SM2PKE', plaintext: new Uint8Array(0) })).length,
    ).toBe(97);
  });

  it('SM2 formats: c1c3c2 and c1c2c3 are 0x04 || C1 || ... with 97 bytes of overhead; asn1 is a SEQUENCE', async () => {
    const plaintext = new TextEncoder().encode('the three encodings of one ciphertext');
    for (const sm2Format of ['c1c3c2', 'c1c2c3'] as const) {
      const ciphertext = await encrypt({ key: PEM.EC_SM2, algorithm: 'SM2PKE', plaintext, sm2Format });
      expect(ciphertext[0]).toBe(0x04);
      expect(ciphertext.length).toBe(97 + plaintext.length);
    }
    const asn1 = await encrypt({ key: PEM.EC_SM2, algorithm: 'SM2PKE', plaintext, sm2Format: 'asn1' });
    expect(asn1[0]).toBe(0x30);
    expect(asn1.length).toBeGreaterThan(97 + plaintext.length);
  });

  it('every encryption is fresh', async () => {
    const plaintext = new Uint8Array(16);
    for (const [key, algorithm] of [
      [PEM.RSA_2048, 'RSAES_OAEP_SHA_256'],
      [PEM.EC_SM2, 'SM2PKE'],
    ] as const) {
      const a = await encrypt({ key, algorithm, plaintext });
      const b = await encrypt({ key, algorithm, plaintext });
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    }
  });

  describe('typed errors', () => {
    const plaintext = new Uint8Array(4);
    it.each([
      [
        'an unknown algorithm',
        { key: PEM.RSA_2048, algorithm: 'RSAES_PKCS1_V1_5', plaintext },
        'ERR_ALGORITHM_UNSUPPORTED',
        'use one of RSAES_OAEP_SHA_256',
      ],
      [
        'OAEP to an SM2 key',
        { key: PEM.EC_SM2, algorithm: 'RSAES_OAEP_SHA_256', plaintext },
        'ERR_ALGORITHM_MISMATCH',
        'key spec EC_SM2',
      ],
      [
        'SM2PKE to an RSA key',
        { key: PEM.RSA_2048, algorithm: 'SM2PKE', plaintext },
        'ERR_ALGORITHM_MISMATCH',
        'key spec RSA_2048',
      ],
      [
        'SM2PKE to a P-256 key',
        { key: PEM.EC_P256, algorithm: 'SM2PKE', plaintext },
        'ERR_ALGORITHM_MISMATCH',
        'KMS uses it with EC_SM2',
      ],
      [
        'OAEP to a key restricted to RSASSA-PSS',
        { key: PEM.PSS_ONLY, algorithm: 'RSAES_OAEP_SHA_1', plaintext },
        'ERR_ALGORITHM_MISMATCH',
        'restricted to RSASSA-PSS',
      ],
      [
        'a malformed key',
        { key: '-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----', algorithm: 'SM2PKE', plaintext },
        'ERR_KEY_FORMAT',
        'empty',
      ],
    ] as const)('%s', async (_what, options, code, fragment) => {
      const error = await encrypt(options).catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(KmsVerifyError);
      expect((error as KmsVerifyError).code).toBe(code);
      expect((error as Error).message).toContain(fragment);
    });
  });

  describe('misuse is a TypeError naming the problem', () => {
    const base = { key: PEM.EC_SM2, algorithm: 'SM2PKE', plaintext: new Uint8Array(1) };
    it.each([
      ['no options', undefined, 'expected an options object'],
      ['a numeric algorithm', { ...base, algorithm: 1 }, 'algorithm must be a string'],
      ['a string plaintext', { ...base, plaintext: 'secret' }, 'plaintext must be a Uint8Array, got string'],
      [
        'a missing plaintext',
        { ...base, plaintext: undefined },
        'plaintext must be a Uint8Array, got undefined',
      ],
      [
        'sm2Format with OAEP',
        { ...base, key: PEM.RSA_2048, algorithm: 'RSAES_OAEP_SHA_256', sm2Format: 'asn1' },
        'does not apply to RSAES_OAEP_SHA_256',
      ],
      [
        'an unknown sm2Format',
        { ...base, sm2Format: 'der' },
        'sm2Format must be one of c1c3c2, c1c2c3, asn1',
      ],
      ['a number as key', { ...base, key: 42 }, 'parsePublicKey: expected'],
    ])('%s', async (_what, options, fragment) => {
      const outcome = encrypt(options as EncryptOptions);
      await expect(outcome).rejects.toThrow(TypeError);
      await expect(encrypt(options as EncryptOptions)).rejects.toThrow(fragment);
    });
  });
});
