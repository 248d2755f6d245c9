/**
 * The loopback KMS the key-ring conformance checks call through aliyunKmsFetcher: the emulator
 * (src/emulator) on 127.0.0.1 with CORS on, holding keys for RSA_PSS_SHA_256, ECDSA_SHA_256 (P-256
 * and secp256k1) and SM2DSA, with a message each signed by node:crypto or OpenSSL with the key's
 * private half, and an RSA encryption key whose private half lets Node decrypt what a runtime
 * encrypted to it. Node-only.
 */

import { constants, privateDecrypt } from 'node:crypto';
import { startEmulator } from '../../src/emulator/index.js';
import { signWithPrivateKey } from '../conformance/fixtures.js';
import type { KmsFixture } from '../conformance/suite.js';

export interface LoopbackKms {
  readonly fixture: KmsFixture;
  /** host:port, for permission flags such as Deno's --allow-net. */
  readonly host: string;
  /** Decrypts the key ring's ciphertext (by result name) with the KMS key's private half. */
  readonly decryptors: ReadonlyMap<string, (ciphertext: Uint8Array) => Uint8Array>;
  close(): Promise<void>;
}

const CREDENTIALS = { accessKeyId: 'LTAI5tConformanceSuite', accessKeySecret: 'conformance-suite-secret' };

const SIGNING = [
  { keySpec: 'RSA_2048', algorithm: 'RSA_PSS_SHA_256' },
  { keySpec: 'EC_P256', algorithm: 'ECDSA_SHA_256' },
  { keySpec: 'EC_P256K', algorithm: 'ECDSA_SHA_256' },
  { keySpec: 'EC_SM2', algorithm: 'SM2DSA' },
] as const;

export async function startLoopbackKms(): Promise<LoopbackKms> {
  const emulator = await startEmulator({
    host: '127.0.0.1',
    port: 0,
    credentials: [CREDENTIALS],
    cors: true,
  });
  try {
    const privateKeyPem = (keyId: string) =>
      emulator.store.key(keyId).versions.at(-1)?.material.privateKeyPem as string;
    const keys = SIGNING.map(({ keySpec, algorithm }) => {
      const { keyId, keyVersionId } = emulator.store.createKey({ keySpec, keyUsage: 'SIGN/VERIFY' });
      const message = new TextEncoder().encode(`key ring conformance: ${algorithm} with ${keySpec}`);
      return {
        keyId,
        keyVersionId,
        algorithm,
        message: Buffer.from(message).toString('base64'),
        signature: Buffer.from(signWithPrivateKey(privateKeyPem(keyId), algorithm, message)).toString(
          'base64',
        ),
      };
    });
    const created = emulator.store.createKey({ keySpec: 'RSA_2048', keyUsage: 'ENCRYPT/DECRYPT' });
    const encryptionKey = { ...created, algorithm: 'RSAES_OAEP_SHA_256' };
    const decrypt = (ciphertext: Uint8Array) =>
      new Uint8Array(
        privateDecrypt(
          {
            key: privateKeyPem(created.keyId),
            padding: constants.RSA_PKCS1_OAEP_PADDING,
            oaepHash: 'sha256',
          },
          ciphertext,
        ),
      );
    return {
      fixture: {
        endpoint: emulator.url,
        ...CREDENTIALS,
        keys,
        encryptionKey,
        missingKeyId: '00000000-0000-4000-8000-00000000dead',
      },
      host: `${emulator.host}:${emulator.port}`,
      decryptors: new Map([[`key ring encrypt ${encryptionKey.algorithm}`, decrypt]]),
      close: () => emulator.close(),
    };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}
