/**
 * `kms-verify encrypt` through runCli: the base64 CiphertextBlob on stdout decrypts with the private
 * key (node:crypto for OAEP, OpenSSL for SM2); failures exit 2 with nothing on stdout.
 */

import { spawnSync } from 'node:child_process';
import { constants, createPrivateKey, privateDecrypt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { projectRoot, runCommand } from '../helpers/cli.js';

const root = projectRoot;
const plaintext = new TextEncoder().encode('a data key to wrap');
const files: Record<string, Uint8Array> = { 'plain.bin': plaintext, 'big.bin': new Uint8Array(191) };

const run = (args: string[]) => runCommand(args, files);

const RSA = [
  '--keys',
  'vectors/sample/keys.json',
  '--key-id',
  'key-sample-rsa2048-0001',
  '--key-version-id',
  '00000000-0000-4000-8000-00000000a001',
];
const SM2 = [
  '--keys',
  'vectors/sample/keys.json',
  '--key-id',
  'key-sample-ecsm2-0001',
  '--key-version-id',
  '00000000-0000-4000-8000-00000000a005',
];

describe('kms-verify encrypt', () => {
  it.each([
    ['RSAES_OAEP_SHA_256', 'sha256'],
    ['RSAES_OAEP_SHA_1', 'sha1'],
  ])('%s: the blob decrypts with the private key', async (algorithm, oaepHash) => {
    const result = await run(['encrypt', ...RSA, '--algorithm', algorithm, '--in', 'plain.bin']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const key = createPrivateKey(await readFile(`${root}/vectors/keys/RSA_2048/private.pem`));
    const blob = Buffer.from(result.stdout.trim(), 'base64');
    expect(privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, blob)).toEqual(
      Buffer.from(plaintext),
    );
  });

  const openssl = spawnSync('openssl', ['version']).status === 0;
  it.skipIf(!openssl)('SM2PKE --sm2-format asn1: OpenSSL decrypts the blob', async () => {
    const result = await run([
      'encrypt',
      ...SM2,
      '--algorithm',
      'SM2PKE',
      '--in',
      'plain.bin',
      '--sm2-format',
      'asn1',
    ]);
    expect(result.code).toBe(0);
    const decrypted = spawnSync(
      'openssl',
      ['pkeyutl', '-decrypt', '-inkey', `${root}/vectors/keys/EC_SM2/private.pem`],
      {
        input: Buffer.from(result.stdout.trim(), 'base64'),
      },
    );
    expect(decrypted.status).toBe(0);
    expect(new Uint8Array(decrypted.stdout)).toEqual(plaintext);
  });

  it('SM2PKE defaults to C1 || C3 || C2 (97 bytes of overhead)', async () => {
    const result = await run(['encrypt', ...SM2, '--algorithm', 'SM2PKE', '--in', 'plain.bin']);
    const blob = Buffer.from(result.stdout.trim(), 'base64');
    expect(blob[0]).toBe(0x04);
    expect(blob.length).toBe(97 + plaintext.length);
  });

  it.each([
    [
      'a plaintext over the KMS limit',
      [...RSA, '--algorithm', 'RSAES_OAEP_SHA_256', '--in', 'big.bin'],
      'ERR_PLAINTEXT_TOO_LARGE: RSAES_OAEP_SHA_256 with key spec RSA_2048 encrypts at most 190 bytes',
    ],
    [
      'the wrong key for the algorithm',
      [...RSA, '--algorithm', 'SM2PKE', '--in', 'plain.bin'],
      'ERR_ALGORITHM_MISMATCH',
    ],
    [
      'an unknown algorithm',
      [...RSA, '--algorithm', 'RSAES_PKCS1', '--in', 'plain.bin'],
      'ERR_ALGORITHM_UNSUPPORTED',
    ],
    [
      'an unknown SM2 format',
      [...SM2, '--algorithm', 'SM2PKE', '--in', 'plain.bin', '--sm2-format', 'der'],
      '--sm2-format must be one of c1c3c2, c1c2c3, asn1',
    ],
    [
      '--sm2-format with OAEP',
      [...RSA, '--algorithm', 'RSAES_OAEP_SHA_1', '--in', 'plain.bin', '--sm2-format', 'asn1'],
      'sm2Format does not apply',
    ],
    [
      'a missing input file',
      [...RSA, '--algorithm', 'RSAES_OAEP_SHA_1', '--in', 'missing.bin'],
      'cannot read missing.bin: ENOENT',
    ],
    ['no --in', [...RSA, '--algorithm', 'RSAES_OAEP_SHA_1'], '--in is required'],
    [
      'an unknown key version',
      [
        '--keys',
        'vectors/sample/keys.json',
        '--key-id',
        'key-sample-rsa2048-0001',
        '--key-version-id',
        'v9',
        '--algorithm',
        'RSAES_OAEP_SHA_1',
        '--in',
        'plain.bin',
      ],
      'ERR_KEY_NOT_FOUND',
    ],
  ])('cannot encrypt: %s -> exit 2, nothing on stdout', async (_what, args, fragment) => {
    const result = await run(['encrypt', ...args]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(fragment);
  });
});
