/**
 * The emulator's keys and private-key operations (key-material.ts, signing.ts and decryption.ts,
 * in one file so the five key pairs are generated once), judged by code we did not write: every
 * signature it makes must verify with the OpenSSL CLI (and with node:crypto where node:crypto can
 * verify the scheme) and with our verify() in message mode; every ciphertext made by node:crypto,
 * OpenSSL or our encrypt() must decrypt; tampering must be refused with a typed error. Without
 * `openssl` the OpenSSL part is skipped loudly.
 */

import { spawnSync } from 'node:child_process';
import { constants, createHash, verify as nodeCryptoVerify, publicEncrypt, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptWith, encryptWith } from '../../src/emulator/decryption.js';
import {
  EmulatorCryptoError,
  type EmulatorKeySpec,
  ENCRYPTION_ALGORITHMS_BY_SPEC,
  generateKeyMaterial,
  type KeyMaterial,
  loadKeyMaterial,
  SIGNING_ALGORITHMS_BY_SPEC,
} from '../../src/emulator/key-material.js';
import { emsaPssEncode, signDigest, verifyDigest } from '../../src/emulator/signing.js';
import { DEFAULT_SM2_USER_ID, encrypt, parsePublicKey, verify } from '../../src/node/index.js';
import { sm2Digest, sm2Z } from '../../src/sm/sm2.js';
import { sm2MessageOptions } from '../helpers/openssl-sm2.js';
import { findOpenssl, warnOpensslMissing } from '../helpers/openssl-text.js';

const SPECS: readonly EmulatorKeySpec[] = ['RSA_2048', 'RSA_3072', 'EC_P256', 'EC_P256K', 'EC_SM2'];
const openssl = findOpenssl();
if (!openssl.available) warnOpensslMissing('test/emulator/key-material.test.ts', openssl.detail);

const keys = new Map<EmulatorKeySpec, KeyMaterial>();
let directory = '';
beforeAll(() => {
  for (const spec of SPECS) keys.set(spec, generateKeyMaterial(spec));
  directory = mkdtempSync(join(tmpdir(), 'kms-emulator-keys-'));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function keyOf(spec: EmulatorKeySpec): KeyMaterial {
  return keys.get(spec) as KeyMaterial;
}

/** The digest KMS's caller sends for `message`: SHA-256, or SM3(Z || M) with the default user ID. */
function digestFor(key: KeyMaterial, algorithm: string, message: Uint8Array): Uint8Array {
  if (algorithm !== 'SM2DSA') return new Uint8Array(createHash('sha256').update(message).digest());
  const parsed = parsePublicKey(key.publicKeyPem);
  if (parsed.family !== 'EC') throw new Error('SM2 key expected');
  return sm2Digest(sm2Z(parsed.point, DEFAULT_SM2_USER_ID), message);
}

function expectEmulatorError(run: () => unknown, reason: EmulatorCryptoError['reason']): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(EmulatorCryptoError);
  expect((caught as EmulatorCryptoError).reason).toBe(reason);
  expect((caught as EmulatorCryptoError).code).toBe('ERR_EMULATOR_CRYPTO');
}

function opensslOk(args: readonly string[], input?: Uint8Array): { ok: boolean; out: Uint8Array } {
  // spawnSync blocks the worker, so vitest's own timeout could never end a hung openssl.
  const result = spawnSync('openssl', args, { input, encoding: 'buffer', timeout: 30_000 });
  if (result.error !== undefined) throw result.error;
  return { ok: result.status === 0, out: new Uint8Array(result.stdout) };
}

/** OpenSSL's verdict on a signature over `message` (it hashes the message itself). */
function opensslVerifies(
  key: KeyMaterial,
  algorithm: string,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const publicFile = join(directory, `${key.keySpec}.pub.pem`);
  const messageFile = join(directory, 'message');
  const signatureFile = join(directory, 'signature');
  writeFileSync(publicFile, key.publicKeyPem);
  writeFileSync(messageFile, message);
  writeFileSync(signatureFile, signature);
  const options =
    algorithm === 'SM2DSA'
      ? sm2MessageOptions()
      : algorithm === 'RSA_PSS_SHA_256'
        ? [
            '-rawin',
            '-digest',
            'sha256',
            '-pkeyopt',
            'rsa_padding_mode:pss',
            '-pkeyopt',
            'rsa_pss_saltlen:32',
          ]
        : ['-rawin', '-digest', 'sha256'];
  return opensslOk([
    'pkeyutl',
    '-verify',
    ...options,
    '-pubin',
    '-inkey',
    publicFile,
    '-in',
    messageFile,
    '-sigfile',
    signatureFile,
  ]).ok;
}

describe('key material', () => {
  it.each(SPECS)('%s: generated, written as PKCS#8 and read back to the same public key', (spec) => {
    const key = keyOf(spec);
    expect(key.keySpec).toBe(spec);
    expect(key.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(key.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(parsePublicKey(key.publicKeyPem).keySpec).toBe(spec);
    const again = loadKeyMaterial(spec, key.privateKeyPem);
    expect(again.publicKeyPem).toBe(key.publicKeyPem);
    expect(Object.isFrozen(again)).toBe(true);
  });

  it('refuses a private key of another spec, and text that is not a key', () => {
    expectEmulatorError(() => loadKeyMaterial('EC_P256', keyOf('EC_SM2').privateKeyPem), 'key');
    expectEmulatorError(() => loadKeyMaterial('RSA_3072', keyOf('RSA_2048').privateKeyPem), 'key');
    expectEmulatorError(() => loadKeyMaterial('EC_SM2', 'not a key'), 'key');
    expectEmulatorError(
      () => loadKeyMaterial('EC_P521' as EmulatorKeySpec, keyOf('EC_P256').privateKeyPem),
      'key',
    );
  });

  it('lists the algorithms KMS allows per key spec', () => {
    expect(SIGNING_ALGORITHMS_BY_SPEC.get('RSA_2048')).toEqual(['RSA_PSS_SHA_256', 'RSA_PKCS1_SHA_256']);
    expect(SIGNING_ALGORITHMS_BY_SPEC.get('EC_P256K')).toEqual(['ECDSA_SHA_256']);
    expect(SIGNING_ALGORITHMS_BY_SPEC.get('EC_SM2')).toEqual(['SM2DSA']);
    expect(ENCRYPTION_ALGORITHMS_BY_SPEC.get('RSA_3072')).toEqual(['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1']);
    expect(ENCRYPTION_ALGORITHMS_BY_SPEC.get('EC_SM2')).toEqual(['SM2PKE']);
    expect(ENCRYPTION_ALGORITHMS_BY_SPEC.get('EC_P256')).toEqual([]);
  });
});

const SIGNING_CASES = SPECS.flatMap((spec) =>
  (SIGNING_ALGORITHMS_BY_SPEC.get(spec) ?? []).map((algorithm) => [spec, algorithm] as const),
);

describe('AsymmetricSign: signatures over a digest', () => {
  it.each(SIGNING_CASES)(
    '%s %s verifies with our verify() in message mode, and AsymmetricVerify',
    async (spec, algorithm) => {
      const key = keyOf(spec);
      for (let round = 0; round < 8; round++) {
        const message = randomBytes(round * 37);
        const digest = digestFor(key, algorithm, message);
        const signature = signDigest(key, algorithm, digest);
        if (spec.startsWith('EC')) expect(signature[0]).toBe(0x30);
        const options = { key: key.publicKeyPem, algorithm: algorithm as never, signature };
        expect(await verify({ ...options, message })).toBe(true);
        expect(await verifyDigest(key, algorithm, digest, signature)).toBe(true);
        const tampered = Uint8Array.from(digest);
        tampered[round % 32] = (tampered[round % 32] as number) ^ 0x01;
        expect(await verifyDigest(key, algorithm, tampered, signature)).toBe(false);
        expect(await verify({ ...options, message: Uint8Array.of(...message, 0) })).toBe(false);
      }
    },
  );

  it.each(SIGNING_CASES.filter(([, algorithm]) => algorithm !== 'SM2DSA'))(
    '%s %s verifies with node:crypto',
    (spec, algorithm) => {
      const key = keyOf(spec);
      const message = randomBytes(100);
      const signature = signDigest(key, algorithm, digestFor(key, algorithm, message));
      const options =
        algorithm === 'RSA_PSS_SHA_256'
          ? { key: key.publicKeyPem, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
          : { key: key.publicKeyPem, dsaEncoding: 'der' as const };
      expect(nodeCryptoVerify('sha256', message, options, signature)).toBe(true);
      expect(nodeCryptoVerify('sha256', Uint8Array.of(...message, 1), options, signature)).toBe(false);
    },
  );

  it.skipIf(!openssl.available).each(SIGNING_CASES)(
    '%s %s verifies with the OpenSSL CLI',
    (spec, algorithm) => {
      const key = keyOf(spec);
      for (let round = 0; round < 2; round++) {
        const message = randomBytes(64 + round);
        const signature = signDigest(key, algorithm, digestFor(key, algorithm, message));
        expect(opensslVerifies(key, algorithm, message, signature)).toBe(true);
        expect(opensslVerifies(key, algorithm, Uint8Array.of(...message, 7), signature)).toBe(false);
      }
    },
  );

  it('refuses the wrong algorithm for the key and digests of the wrong length', () => {
    expectEmulatorError(() => signDigest(keyOf('EC_P256'), 'SM2DSA', new Uint8Array(32)), 'algorithm');
    expectEmulatorError(() => signDigest(keyOf('EC_SM2'), 'ECDSA_SHA_256', new Uint8Array(32)), 'algorithm');
    expectEmulatorError(
      () => signDigest(keyOf('RSA_2048'), 'ECDSA_SHA_256', new Uint8Array(32)),
      'algorithm',
    );
    expectEmulatorError(
      () => signDigest(keyOf('RSA_2048'), 'RSAES_OAEP_SHA_256', new Uint8Array(32)),
      'algorithm',
    );
    expectEmulatorError(() => signDigest(keyOf('RSA_2048'), 'NOPE', new Uint8Array(32)), 'algorithm');
    for (const length of [0, 20, 31, 33, 64])
      expectEmulatorError(
        () => signDigest(keyOf('EC_P256'), 'ECDSA_SHA_256', new Uint8Array(length)),
        'digest',
      );
  });

  it('EMSA-PSS encoding has the RFC 8017 shape: top bits cleared, 0xbc trailer, DB separator', () => {
    const encoded = emsaPssEncode(new Uint8Array(32).fill(7), 2047, new Uint8Array(32).fill(9));
    expect(encoded.length).toBe(256);
    expect(encoded[0]! & 0x80).toBe(0);
    expect(encoded[255]).toBe(0xbc);
    expect(() => emsaPssEncode(new Uint8Array(32), 500, new Uint8Array(32))).toThrow(RangeError);
  });
});

const ENCRYPTION_CASES = SPECS.flatMap((spec) =>
  (ENCRYPTION_ALGORITHMS_BY_SPEC.get(spec) ?? []).map((algorithm) => [spec, algorithm] as const),
);

describe('AsymmetricDecrypt and AsymmetricEncrypt', () => {
  it.each(ENCRYPTION_CASES)(
    '%s %s: our encrypt() and encryptWith() output decrypts',
    async (spec, algorithm) => {
      const key = keyOf(spec);
      for (const length of [0, 1, 31, 190]) {
        const plaintext = randomBytes(length);
        const ours = await encrypt({ key: key.publicKeyPem, algorithm: algorithm as never, plaintext });
        expect(decryptWith(key, algorithm, ours)).toEqual(new Uint8Array(plaintext));
        expect(decryptWith(key, algorithm, await encryptWith(key, algorithm, plaintext))).toEqual(
          new Uint8Array(plaintext),
        );
      }
    },
  );

  it.each(ENCRYPTION_CASES.filter(([, algorithm]) => algorithm !== 'SM2PKE'))(
    '%s %s: node:crypto publicEncrypt output decrypts; the other OAEP hash does not',
    (spec, algorithm) => {
      const key = keyOf(spec);
      const oaepHash = algorithm === 'RSAES_OAEP_SHA_1' ? 'sha1' : 'sha256';
      const plaintext = randomBytes(100);
      const ciphertext = new Uint8Array(
        publicEncrypt(
          { key: key.publicKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash },
          plaintext,
        ),
      );
      expect(decryptWith(key, algorithm, ciphertext)).toEqual(new Uint8Array(plaintext));
      const other = algorithm === 'RSAES_OAEP_SHA_1' ? 'RSAES_OAEP_SHA_256' : 'RSAES_OAEP_SHA_1';
      expectEmulatorError(() => decryptWith(key, other, ciphertext), 'ciphertext');
      ciphertext[10] = (ciphertext[10] as number) ^ 1;
      expectEmulatorError(() => decryptWith(key, algorithm, ciphertext), 'ciphertext');
    },
  );

  it('SM2PKE: the ASN.1 form decrypts too; c1c2c3, tampering and garbage are refused', async () => {
    const key = keyOf('EC_SM2');
    const plaintext = new TextEncoder().encode('encryption standard');
    const asn1 = await encrypt({ key: key.publicKeyPem, algorithm: 'SM2PKE', plaintext, sm2Format: 'asn1' });
    expect(decryptWith(key, 'SM2PKE', asn1)).toEqual(plaintext);
    const raw = await encrypt({ key: key.publicKeyPem, algorithm: 'SM2PKE', plaintext });
    const swapped = await encrypt({
      key: key.publicKeyPem,
      algorithm: 'SM2PKE',
      plaintext,
      sm2Format: 'c1c2c3',
    });
    expectEmulatorError(() => decryptWith(key, 'SM2PKE', swapped), 'ciphertext');
    for (const index of [1, 40, 70, raw.length - 1]) {
      const tampered = Uint8Array.from(raw);
      tampered[index] = (tampered[index] as number) ^ 0x01;
      expectEmulatorError(() => decryptWith(key, 'SM2PKE', tampered), 'ciphertext');
    }
    for (const garbage of [
      new Uint8Array(0),
      Uint8Array.of(0x04),
      Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01),
      randomBytes(200),
    ])
      expectEmulatorError(() => decryptWith(key, 'SM2PKE', garbage), 'ciphertext');
    expectEmulatorError(() => decryptWith(keyOf('RSA_2048'), 'SM2PKE', raw), 'algorithm');
  });

  it.skipIf(!openssl.available)(
    'SM2PKE: OpenSSL CLI ciphertexts decrypt, and ours decrypt in OpenSSL',
    async () => {
      const key = keyOf('EC_SM2');
      const publicFile = join(directory, 'sm2.pub.pem');
      const privateFile = join(directory, 'sm2.key.pem');
      writeFileSync(publicFile, key.publicKeyPem);
      writeFileSync(privateFile, key.privateKeyPem);
      for (const length of [1, 19, 100, 1000]) {
        const plaintext = new Uint8Array(randomBytes(length));
        const made = opensslOk(['pkeyutl', '-encrypt', '-pubin', '-inkey', publicFile], plaintext);
        expect(made.ok).toBe(true);
        expect(decryptWith(key, 'SM2PKE', made.out)).toEqual(plaintext);
        const ours = await encryptWith(key, 'SM2PKE', plaintext);
        expect(ours[0]).toBe(0x04);
        const asn1 = await encrypt({
          key: key.publicKeyPem,
          algorithm: 'SM2PKE',
          plaintext,
          sm2Format: 'asn1',
        });
        const back = opensslOk(['pkeyutl', '-decrypt', '-inkey', privateFile], asn1);
        expect(back.ok).toBe(true);
        expect(back.out).toEqual(plaintext);
      }
    },
  );

  it('refuses plaintext over KMS limits and algorithms the key does not allow', async () => {
    await expect(
      encryptWith(keyOf('RSA_2048'), 'RSAES_OAEP_SHA_256', new Uint8Array(191)),
    ).rejects.toMatchObject({
      reason: 'plaintext',
    });
    await expect(encryptWith(keyOf('EC_SM2'), 'SM2PKE', new Uint8Array(6048))).rejects.toMatchObject({
      reason: 'plaintext',
    });
    await expect(encryptWith(keyOf('EC_P256'), 'SM2PKE', new Uint8Array(1))).rejects.toMatchObject({
      reason: 'algorithm',
    });
    expectEmulatorError(
      () => decryptWith(keyOf('EC_P256K'), 'RSAES_OAEP_SHA_1', new Uint8Array(256)),
      'algorithm',
    );
  });
});
