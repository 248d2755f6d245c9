/**
 * `kms-verify verify` through runCli: exit 0 and `valid`, exit 1 and `invalid`, exit 2 with a typed
 * code or usage message on stderr and nothing on stdout. Signatures are made here with node:crypto
 * and the OpenSSL command line over the sample bundle's keys.
 */

import { spawnSync } from 'node:child_process';
import { constants, createHash, createPrivateKey, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { projectRoot, runCommand } from '../helpers/cli.js';
import { opensslSm2Sign } from '../helpers/openssl-sm2.js';

const root = projectRoot;
const message = new TextEncoder().encode('an audited record');
const files: Record<string, Uint8Array> = { 'message.bin': message };

const run = (args: string[]) => runCommand(args, files);

const SAMPLE = {
  RSA_2048: ['key-sample-rsa2048-0001', '00000000-0000-4000-8000-00000000a001'],
  EC_P256K: ['key-sample-ecp256k-0001', '00000000-0000-4000-8000-00000000a004'],
  EC_SM2: ['key-sample-ecsm2-0001', '00000000-0000-4000-8000-00000000a005'],
} as const;

const privateKey = (spec: string) => createPrivateKey({ key: Buffer.from(files[`${spec}.pem`] ?? []) });
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

function keyArgs(spec: keyof typeof SAMPLE, algorithm: string): string[] {
  const [keyId, keyVersionId] = SAMPLE[spec];
  return [
    'verify',
    '--keys',
    'vectors/sample/keys.json',
    '--key-id',
    keyId,
    '--key-version-id',
    keyVersionId,
    '--algorithm',
    algorithm,
  ];
}

describe('kms-verify verify', async () => {
  for (const spec of ['RSA_2048', 'EC_P256K', 'EC_SM2']) {
    files[`${spec}.pem`] = new Uint8Array(await readFile(`${root}/vectors/keys/${spec}/private.pem`));
  }
  const pss = sign('sha256', message, {
    key: privateKey('RSA_2048'),
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: 32,
  });
  const k1 = sign('sha256', message, privateKey('EC_P256K'));
  const digest = createHash('sha256').update(message).digest();

  it.each([
    [
      'RSA_PSS_SHA_256 over the message file',
      [...keyArgs('RSA_2048', 'RSA_PSS_SHA_256'), '--message-file', 'message.bin', '--value', b64(pss)],
    ],
    [
      'RSA_PSS_SHA_256 over the digest',
      [...keyArgs('RSA_2048', 'RSA_PSS_SHA_256'), '--digest', b64(digest), '--value', b64(pss)],
    ],
    [
      'ECDSA_SHA_256 on secp256k1',
      [...keyArgs('EC_P256K', 'ECDSA_SHA_256'), '--digest', b64(digest), '--value', b64(k1)],
    ],
  ])('valid: %s -> exit 0', async (_name, args) => {
    expect(await run(args)).toMatchObject({ code: 0, stdout: 'valid\n', stderr: '' });
  });

  it('invalid: a signature over another message -> exit 1', async () => {
    const other = createHash('sha256').update('another record').digest();
    const result = await run([
      ...keyArgs('RSA_2048', 'RSA_PSS_SHA_256'),
      '--digest',
      b64(other),
      '--value',
      b64(pss),
    ]);
    expect(result).toMatchObject({ code: 1, stdout: 'invalid\n', stderr: '' });
  });

  it('--json prints the verdict as JSON', async () => {
    const result = await run([
      ...keyArgs('EC_P256K', 'ECDSA_SHA_256'),
      '--digest',
      b64(digest),
      '--value',
      b64(k1),
      '--json',
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      valid: true,
      keyId: 'key-sample-ecp256k-0001',
      keyVersionId: '00000000-0000-4000-8000-00000000a004',
      algorithm: 'ECDSA_SHA_256',
    });
  });

  const openssl = spawnSync('openssl', ['version']).status === 0;
  it.skipIf(!openssl)('SM2DSA with a user ID, signed by the OpenSSL command line', async () => {
    const signed = opensslSm2Sign({ path: `${root}/vectors/keys/EC_SM2/private.pem` }, message, 'auditor-7');
    const args = [...keyArgs('EC_SM2', 'SM2DSA'), '--message-file', 'message.bin', '--value', b64(signed)];
    expect((await run([...args, '--user-id', 'auditor-7'])).code).toBe(0);
    expect((await run(args)).code).toBe(1);
  });

  it.each([
    [
      'an unknown key version',
      ['--key-version-id', 'nope'],
      'ERR_KEY_NOT_FOUND: vectors/sample/keys.json has KeyId key-sample-ecp256k-0001 but not version nope',
    ],
    [
      'an unknown key',
      ['--key-id', 'key-missing'],
      'ERR_KEY_NOT_FOUND: vectors/sample/keys.json has no key key-missing',
    ],
    ['an algorithm the key cannot use', ['--algorithm', 'SM2DSA'], 'ERR_ALGORITHM_MISMATCH'],
    ['an unknown algorithm', ['--algorithm', 'ECDSA_SHA_384'], 'ERR_ALGORITHM_UNSUPPORTED'],
    ['a short digest', ['--digest', 'AAAA'], 'digest is 32 bytes (SHA-256), got 3'],
    [
      'a value that is not base64',
      ['--value', 'not*base64'],
      "--value is not base64: invalid base64 character '*'",
    ],
    [
      'both message and digest',
      ['--message-file', 'message.bin'],
      'give exactly one of --message-file and --digest',
    ],
    ['an unknown signature format', ['--signature-format', 'raw'], '--signature-format must be der or p1363'],
    ['a missing bundle', ['--keys', 'missing.json'], 'cannot read missing.json: ENOENT'],
    ['a missing message file', ['--digest', '', '--message-file', 'missing.bin'], ''],
  ])('cannot judge: %s -> exit 2', async (_name, overrides, fragment) => {
    const args = [...keyArgs('EC_P256K', 'ECDSA_SHA_256'), '--digest', b64(digest), '--value', b64(k1)];
    for (let index = 0; index < overrides.length; index += 2) {
      const flag = overrides[index] as string;
      const value = overrides[index + 1] as string;
      const at = args.indexOf(flag);
      if (at === -1) args.push(flag, value);
      else if (value === '') args.splice(at, 2);
      else args[at + 1] = value;
    }
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(fragment === '' ? 'cannot read missing.bin' : fragment);
  });

  it('reports a missing required option', async () => {
    const result = await run(['verify', '--keys', 'vectors/sample/keys.json']);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain('--key-id is required');
  });
});
