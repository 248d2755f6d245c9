/**
 * The loopback KMS the key-ring conformance checks call through aliyunKmsFetcher: keys for
 * RSA_PSS_SHA_256, ECDSA_SHA_256 and SM2DSA with a signature each, an RSA key for encryption, and a
 * way for Node to decrypt what a runtime encrypted to it. Node-only.
 */

import { constants, privateDecrypt } from 'node:crypto';
import { privatePem, publicPem, signWithVectorKey } from '../conformance/fixtures.js';
import type { KmsFixture } from '../conformance/suite.js';
import { startKmsTestServer, TEST_CREDENTIALS } from '../helpers/kms-test-server.js';

export interface LoopbackKms {
  readonly fixture: KmsFixture;
  /** host:port, for permission flags such as Deno's --allow-net. */
  readonly host: string;
  /** Decrypts the key ring's ciphertext (by result name) with the KMS key's private half. */
  readonly decryptors: ReadonlyMap<string, (ciphertext: Uint8Array) => Uint8Array>;
  close(): Promise<void>;
}

const SIGNING = [
  { keyId: 'key-rsa-pss-0001', spec: 'RSA_2048', algorithm: 'RSA_PSS_SHA_256' },
  { keyId: 'key-ecdsa-p256-0001', spec: 'EC_P256', algorithm: 'ECDSA_SHA_256' },
  { keyId: 'key-sm2-0001', spec: 'EC_SM2', algorithm: 'SM2DSA' },
] as const;
const VERSION = '3f0c9a7e-5b2d-4e8f-9a1c-000000000001';

export async function startLoopbackKms(): Promise<LoopbackKms> {
  const encryptionKeyId = 'key-rsa-oaep-0001';
  const server = await startKmsTestServer({
    keys: [
      ...SIGNING.map(({ keyId, spec }) => ({
        KeyId: keyId,
        KeyVersionId: VERSION,
        PublicKey: publicPem(spec),
      })),
      { KeyId: encryptionKeyId, KeyVersionId: VERSION, PublicKey: publicPem('RSA_3072') },
    ],
  });
  const keys = SIGNING.map(({ keyId, spec, algorithm }) => {
    const message = new TextEncoder().encode(`key ring conformance: ${algorithm}`);
    return {
      keyId,
      keyVersionId: VERSION,
      algorithm,
      message: Buffer.from(message).toString('base64'),
      signature: Buffer.from(signWithVectorKey(spec, algorithm, message)).toString('base64'),
    };
  });
  const encryptionKey = { keyId: encryptionKeyId, keyVersionId: VERSION, algorithm: 'RSAES_OAEP_SHA_256' };
  const decrypt = (ciphertext: Uint8Array) =>
    new Uint8Array(
      privateDecrypt(
        { key: privatePem('RSA_3072'), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        ciphertext,
      ),
    );
  return {
    fixture: {
      endpoint: server.url,
      accessKeyId: TEST_CREDENTIALS.accessKeyId,
      accessKeySecret: TEST_CREDENTIALS.accessKeySecret,
      keys,
      encryptionKey,
      missingKeyId: 'key-that-does-not-exist',
    },
    host: new URL(server.url).host,
    decryptors: new Map([[`key ring encrypt ${encryptionKey.algorithm}`, decrypt]]),
    close: () => server.close(),
  };
}
