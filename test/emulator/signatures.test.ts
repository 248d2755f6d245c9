/**
 * The emulator's cryptography seen from outside, over HTTP: every signature AsymmetricSign makes
 * verifies with our verify() (core entry and Node entry, message mode) and with the OpenSSL 3 CLI,
 * and a tampered one fails in all three; our encrypt() output (both entries, every encryption
 * algorithm, SM2 in both the default C1C3C2 and the ASN.1 encoding) decrypts in AsymmetricDecrypt;
 * and AsymmetricEncrypt output decrypts with OpenSSL and the exported private key (RSA-OAEP).
 */

import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS, type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import {
  ENCRYPTION_ALGORITHMS_BY_SPEC,
  SIGNING_ALGORITHMS_BY_SPEC,
} from '../../src/emulator/key-material.js';
import { DEFAULT_SM2_USER_ID, encrypt, parsePublicKey, verify } from '../../src/index.js';
import { encrypt as nodeEncrypt, verify as nodeVerify } from '../../src/node/index.js';
import { sm2Digest, sm2Z } from '../../src/sm/sm2.js';
import { sm2MessageOptions } from '../helpers/openssl-sm2.js';
import { findOpenssl, runOpenssl, warnOpensslMissing } from '../helpers/openssl-text.js';
import { type OfficialClient, openApiClient, succeed } from './official-sdk.js';

const SPECS = ['RSA_2048', 'RSA_3072', 'EC_P256', 'EC_P256K', 'EC_SM2'] as const;
const openssl = findOpenssl();
if (!openssl.available) warnOpensslMissing('emulator signatures', openssl.detail);

let emulator: RunningEmulator;
let client: OfficialClient;
const directory = mkdtempSync(join(tmpdir(), 'kms-emulator-openssl-'));

beforeAll(async () => {
  emulator = await startEmulator();
  client = openApiClient(new URL(emulator.url), DEMO_CREDENTIALS);
});

afterAll(async () => {
  await emulator.close();
  rmSync(directory, { recursive: true, force: true });
});

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** OpenSSL's verdict; exit status 1 with "failure" in the output is a clean "no". */
function opensslVerifies(args: readonly string[]): boolean {
  // spawnSync blocks the worker, so vitest's own timeout could never end a hung openssl.
  const result = spawnSync('openssl', args, { encoding: 'utf8', timeout: 30_000 });
  if (result.error !== undefined) throw result.error;
  const output = `${result.stdout}${result.stderr}`;
  if (result.status === 0 && /Signature Verified Successfully/.test(output)) return true;
  if (result.status === 1 && /Verification [Ff]ailure|verify error/i.test(output)) return false;
  throw new Error(`openssl ${args.join(' ')} exited ${result.status} without a verdict: ${output}`);
}

function opensslVerify(
  algorithm: string,
  publicKeyFile: string,
  message: Uint8Array,
  digest: Uint8Array,
  signature: Uint8Array,
): boolean {
  const signatureFile = join(directory, 'signature');
  writeFileSync(signatureFile, signature);
  if (algorithm === 'SM2DSA') {
    const messageFile = join(directory, 'message');
    writeFileSync(messageFile, message);
    return opensslVerifies([
      'pkeyutl',
      '-verify',
      ...sm2MessageOptions(),
      '-pubin',
      '-inkey',
      publicKeyFile,
      '-in',
      messageFile,
      '-sigfile',
      signatureFile,
    ]);
  }
  const digestFile = join(directory, 'digest');
  writeFileSync(digestFile, digest);
  const padding =
    algorithm === 'RSA_PSS_SHA_256'
      ? ['rsa_padding_mode:pss', 'rsa_pss_saltlen:32', 'rsa_mgf1_md:sha256']
      : algorithm === 'RSA_PKCS1_SHA_256'
        ? ['rsa_padding_mode:pkcs1']
        : [];
  return opensslVerifies([
    'pkeyutl',
    '-verify',
    ...[...padding, 'digest:sha256'].flatMap((option) => ['-pkeyopt', option]),
    '-pubin',
    '-inkey',
    publicKeyFile,
    '-in',
    digestFile,
    '-sigfile',
    signatureFile,
  ]);
}

describe.each(SPECS)('%s', (keySpec) => {
  it.each(SIGNING_ALGORITHMS_BY_SPEC.get(keySpec) ?? [])(
    '%s signatures verify with verify() and OpenSSL',
    async (algorithm) => {
      const { keyId, keyVersionId } = emulator.store.createKey({ keySpec, keyUsage: 'SIGN/VERIFY' });
      const { PublicKey } = await succeed(client, 'GetPublicKey', {
        KeyId: keyId,
        KeyVersionId: keyVersionId,
      });
      const publicKeyPem = PublicKey as string;
      const publicKeyFile = join(directory, `${keyId}.pem`);
      writeFileSync(publicKeyFile, publicKeyPem);
      const key = parsePublicKey(publicKeyPem);
      for (let round = 0; round < 3; round++) {
        const message = randomBytes(1 + round * 500);
        const digest =
          algorithm === 'SM2DSA' && key.family === 'EC'
            ? sm2Digest(sm2Z(key.point, DEFAULT_SM2_USER_ID), message)
            : createHash('sha256').update(message).digest();
        const signed = await succeed(client, 'AsymmetricSign', {
          KeyId: keyId,
          KeyVersionId: keyVersionId,
          Algorithm: algorithm,
          Digest: b64(digest),
        });
        const signature = Buffer.from(signed.Value as string, 'base64');
        const tampered = Uint8Array.from(signature);
        tampered[tampered.length - 3]! ^= 0x10;
        for (const check of [verify, nodeVerify]) {
          expect(await check({ key: publicKeyPem, algorithm, message, signature })).toBe(true);
          expect(await check({ key: publicKeyPem, algorithm, message, signature: tampered })).toBe(false);
        }
        if (openssl.available) {
          expect(opensslVerify(algorithm, publicKeyFile, message, digest, signature)).toBe(true);
          expect(opensslVerify(algorithm, publicKeyFile, message, digest, tampered)).toBe(false);
        }
      }
    },
  );

  const encryption = ENCRYPTION_ALGORITHMS_BY_SPEC.get(keySpec) ?? [];
  type EncryptionCase = [algorithm: string, encoding: string, sm2Format: 'c1c3c2' | 'asn1' | undefined];
  const cases = encryption.flatMap((algorithm): EncryptionCase[] =>
    algorithm === 'SM2PKE'
      ? [
          [algorithm, 'C1C3C2', 'c1c3c2'],
          [algorithm, 'ASN.1', 'asn1'],
        ]
      : [[algorithm, 'OAEP', undefined]],
  );
  if (cases.length > 0) {
    it.each(cases)(
      'our encrypt() output for %s (%s) decrypts in AsymmetricDecrypt',
      async (algorithm, _encoding, sm2Format) => {
        const { keyId, keyVersionId } = emulator.store.createKey({ keySpec, keyUsage: 'ENCRYPT/DECRYPT' });
        const { PublicKey } = await succeed(client, 'GetPublicKey', {
          KeyId: keyId,
          KeyVersionId: keyVersionId,
        });
        for (const encryptWith of [encrypt, nodeEncrypt]) {
          for (const length of [1, 100, algorithm === 'SM2PKE' ? 6047 : 190]) {
            const plaintext = randomBytes(length);
            const ciphertext = await encryptWith({
              key: PublicKey as string,
              algorithm,
              plaintext,
              ...(sm2Format === undefined ? {} : { sm2Format }),
            });
            const decrypted = await succeed(client, 'AsymmetricDecrypt', {
              KeyId: keyId,
              KeyVersionId: keyVersionId,
              Algorithm: algorithm,
              CiphertextBlob: b64(ciphertext),
            });
            expect(Buffer.from(decrypted.Plaintext as string, 'base64').equals(plaintext)).toBe(true);
          }
        }
      },
    );
  }

  const rsaOaep = encryption.filter((algorithm) => algorithm.startsWith('RSAES_OAEP'));
  if (rsaOaep.length > 0) {
    it.runIf(openssl.available).each(rsaOaep)(
      'AsymmetricEncrypt output for %s decrypts with OpenSSL',
      async (algorithm) => {
        const { keyId, keyVersionId } = emulator.store.createKey({ keySpec, keyUsage: 'ENCRYPT/DECRYPT' });
        const privateKeyFile = join(directory, `${keyId}.key`);
        writeFileSync(
          privateKeyFile,
          emulator.store.version(emulator.store.key(keyId), keyVersionId).material.privateKeyPem,
        );
        const plaintext = randomBytes(64);
        const encrypted = await succeed(client, 'AsymmetricEncrypt', {
          KeyId: keyId,
          KeyVersionId: keyVersionId,
          Algorithm: algorithm,
          Plaintext: b64(plaintext),
        });
        const ciphertextFile = join(directory, 'ciphertext');
        writeFileSync(ciphertextFile, Buffer.from(encrypted.CiphertextBlob as string, 'base64'));
        const hash = algorithm === 'RSAES_OAEP_SHA_256' ? 'sha256' : 'sha1';
        const decrypted = runOpenssl([
          'pkeyutl',
          '-decrypt',
          '-inkey',
          privateKeyFile,
          '-in',
          ciphertextFile,
          '-pkeyopt',
          'rsa_padding_mode:oaep',
          '-pkeyopt',
          `rsa_oaep_md:${hash}`,
          '-pkeyopt',
          `rsa_mgf1_md:${hash}`,
        ]);
        expect(Buffer.from(decrypted).equals(plaintext)).toBe(true);
      },
    );
  }
});
