/**
 * SM2DSA signatures made by the OpenSSL 3 command line, the independent signer the SM2 suites and
 * benchmarks use: node:crypto signs SM2 only with an empty distinguishing ID, while KMS signs with
 * 1234567812345678 (GM/T 0009-2012 §10), so `openssl pkeyutl -sign -rawin -digest sm3 -pkeyopt
 * distid:ID` is the one at hand that computes Z with the ID KMS uses. The output is DER, as KMS's.
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** KMS's SM2 user ID, spelled out here so the helper depends on nothing under test. */
export const KMS_SM2_USER_ID = '1234567812345678';

/**
 * The `openssl pkeyutl` options that make it hash SM3(Z || M) itself with `userId` in Z, for
 * `-sign` and `-verify` alike. OpenSSL takes the ID as text: bytes are passed as Latin-1.
 */
export function sm2MessageOptions(userId: string | Uint8Array = KMS_SM2_USER_ID): string[] {
  const text = typeof userId === 'string' ? userId : Buffer.from(userId).toString('latin1');
  return ['-rawin', '-digest', 'sm3', '-pkeyopt', `distid:${text}`];
}

/**
 * Signs `message` (OpenSSL hashes SM3(Z || M) itself) with the private key in the PEM file at
 * `privateKey.path`, or in `privateKey.pem`, under `userId`. Throws with OpenSSL's stderr on failure.
 */
export function opensslSm2Sign(
  privateKey: { readonly path: string } | { readonly pem: string },
  message: Uint8Array,
  userId: string = KMS_SM2_USER_ID,
): Uint8Array {
  const directory = 'pem' in privateKey ? mkdtempSync(join(tmpdir(), 'kms-verify-sm2-sign-')) : undefined;
  try {
    let keyPath: string;
    if ('pem' in privateKey) {
      keyPath = join(directory as string, 'key.pem');
      writeFileSync(keyPath, privateKey.pem, { mode: 0o600 });
    } else {
      keyPath = privateKey.path;
    }
    const result = spawnSync(
      'openssl',
      ['pkeyutl', '-sign', ...sm2MessageOptions(userId), '-inkey', keyPath],
      { input: message, encoding: 'buffer' },
    );
    if (result.error !== undefined) throw result.error;
    if (result.status !== 0)
      throw new Error(
        `openssl pkeyutl -sign (SM2) exited ${result.status}: ${result.stderr.toString('utf8')}`,
      );
    return new Uint8Array(result.stdout);
  } finally {
    if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
  }
}
