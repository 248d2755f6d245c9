/**
 * Node's half of the encryption checks: decrypts every ciphertext a runtime's conformance run
 * returned, with the private keys in vectors/keys/ (node:crypto privateDecrypt for RSA-OAEP, the
 * test-side SM2 decryptor for SM2PKE) or the KMS's, and turns each into a result entry, so a runtime
 * whose ciphertext KMS could not decrypt fails like any other check. Node-only.
 */

import { constants, privateDecrypt } from 'node:crypto';
import { readSm2PrivateScalar, type Sm2Format, sm2Decrypt } from '../helpers/sm2-decrypt.js';
import { privatePem, publicPem, SPECS } from './fixtures.js';
import { type Fixtures, KMS_PLAINTEXT, type Run } from './suite.js';

/** A private key that can decrypt a runtime's ciphertext, by the public key it was made for. */
export type Decryptor = (ciphertext: Uint8Array, algorithm: string, sm2Format?: string) => Uint8Array;

export function vectorDecryptor(spec: string): Decryptor {
  const pem = privatePem(spec);
  return (ciphertext, algorithm, sm2Format) => {
    if (algorithm === 'SM2PKE')
      return sm2Decrypt(readSm2PrivateScalar(pem), ciphertext, (sm2Format ?? 'c1c3c2') as Sm2Format);
    return new Uint8Array(
      privateDecrypt(
        {
          key: pem,
          padding: constants.RSA_PKCS1_OAEP_PADDING,
          oaepHash: algorithm === 'RSAES_OAEP_SHA_1' ? 'sha1' : 'sha256',
        },
        ciphertext,
      ),
    );
  };
}

/**
 * Decrypts every ciphertext a run returned and compares it with the plaintext: one result per
 * ciphertext, `decrypted` when it matches. `extra` decrypts the key ring's ciphertexts (KMS keys).
 */
export function decryptRun(
  fixtures: Fixtures,
  run: Run,
  extra: ReadonlyMap<string, (ciphertext: Uint8Array) => Uint8Array> = new Map(),
): { name: string; expected: string; actual: string }[] {
  const bySpec = new Map(SPECS.map((spec) => [publicPem(spec), vectorDecryptor(spec)]));
  const checks: { name: string; expected: string; actual: string }[] = [];
  for (const fixture of fixtures.encryptions) {
    const name = `encrypt ${fixture.name}`;
    checks.push({
      name: `decrypt ${fixture.name} in Node`,
      expected: 'decrypted',
      actual: attempt(() => {
        const ciphertext = run.ciphertexts[name];
        if (ciphertext === undefined) return 'no ciphertext';
        const plaintext = (bySpec.get(fixture.key) as Decryptor)(
          Buffer.from(ciphertext, 'base64'),
          fixture.algorithm,
          fixture.sm2Format,
        );
        return Buffer.from(plaintext).toString('base64') === fixture.plaintext
          ? 'decrypted'
          : 'wrong plaintext';
      }),
    });
  }
  for (const [name, decrypt] of extra) {
    checks.push({
      name: `decrypt ${name} in Node`,
      expected: 'decrypted',
      actual: attempt(() => {
        const ciphertext = run.ciphertexts[name];
        if (ciphertext === undefined) return 'no ciphertext';
        return Buffer.from(decrypt(Buffer.from(ciphertext, 'base64'))).toString() === KMS_PLAINTEXT
          ? 'decrypted'
          : 'wrong plaintext';
      }),
    });
  }
  return checks;
}

function attempt(action: () => string): string {
  try {
    return action();
  } catch (error) {
    return `failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}
