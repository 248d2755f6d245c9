/**
 * The CLI against a loopback KMS: `keys fetch` writes and merges bundles all or nothing, and
 * `verify --endpoint` fetches live. Credentials come from the injected environment, as the real
 * command reads ALIBABA_CLOUD_* variables.
 */

import { createPrivateKey, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type GetPublicKeyResponse, parseKeyBundle } from '../../src/index.js';
import { projectRoot, runCommand } from '../helpers/cli.js';
import { type KmsTestServer, startKmsTestServer, TEST_CREDENTIALS } from '../helpers/kms-test-server.js';

const root = projectRoot;
const sample = JSON.parse(
  await readFile(`${root}/vectors/sample/keys.json`, 'utf8'),
) as GetPublicKeyResponse[];
const [rsa, , p256] = sample as [GetPublicKeyResponse, GetPublicKeyResponse, GetPublicKeyResponse];
const ENV = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: TEST_CREDENTIALS.accessKeySecret,
};

let server: KmsTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const run = (
  args: string[],
  files: Record<string, string | Uint8Array> = {},
  env: Record<string, string> = ENV,
) => runCommand(args, files, env);

const pair = (entry: GetPublicKeyResponse) => [
  '--key-id',
  entry.KeyId,
  '--key-version-id',
  entry.KeyVersionId,
];

describe('kms-verify keys fetch', () => {
  it('prints a versioned bundle of the fetched keys', async () => {
    server = await startKmsTestServer({ keys: sample });
    const result = await run(['keys', 'fetch', ...pair(rsa), ...pair(p256), '--endpoint', server.url]);
    expect(result.code).toBe(0);
    const bundle = JSON.parse(result.stdout) as { format: string; keys: GetPublicKeyResponse[] };
    expect(bundle.format).toBe('kms-verify-key-bundle');
    expect(bundle.keys.map((entry) => entry.KeyId).sort()).toEqual([p256.KeyId, rsa.KeyId].sort());
    expect(server.requests.map((request) => request.signatureVersion)).toEqual(['v3', 'v3']);
  });

  it('merges into an existing bundle file, fetching only what it asks for', async () => {
    server = await startKmsTestServer({ keys: sample });
    const first = await run([
      'keys',
      'fetch',
      ...pair(rsa),
      '--endpoint',
      server.url,
      '--out',
      'keys.json',
      '--signature-version',
      'v1',
    ]);
    expect(first.code).toBe(0);
    const second = await run(
      ['keys', 'fetch', ...pair(p256), '--endpoint', server.url, '--out', 'keys.json'],
      first.files,
    );
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('2 key versions in keys.json');
    expect(parseKeyBundle(second.files['keys.json'] as string).map((entry) => entry.KeyId)).toEqual([
      p256.KeyId,
      rsa.KeyId,
    ]);
    expect(server.requests.map((request) => request.signatureVersion)).toEqual(['v1', 'v3']);
  });

  it('writes nothing when any key cannot be fetched, and names each failure', async () => {
    server = await startKmsTestServer({ keys: sample });
    const result = await run([
      'keys',
      'fetch',
      ...pair(rsa),
      '--key-id',
      'key-missing',
      '--key-version-id',
      'v1',
      '--endpoint',
      server.url,
      '--out',
      'keys.json',
    ]);
    expect(result.code).toBe(2);
    expect(result.files['keys.json']).toBeUndefined();
    expect(result.stderr).toContain('key-missing v1: ERR_KEY_NOT_FOUND');
    expect(result.stderr).toContain('1 of 2 key versions could not be fetched; nothing written');
  });

  it.each([
    [
      'missing credentials',
      [...pair(rsa), '--endpoint', 'http://127.0.0.1:9'],
      {},
      'ERR_CREDENTIALS: no Alibaba Cloud credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET',
    ],
    [
      'unpaired ids',
      ['--key-id', 'a', '--key-id', 'b', '--key-version-id', 'v', '--endpoint', 'http://127.0.0.1:9'],
      ENV,
      '2 --key-id but 1 --key-version-id',
    ],
    ['no source', pair(rsa), ENV, 'keys fetch needs'],
    ['a bad region', [...pair(rsa), '--region', 'Mars!'], ENV, 'is not a region id'],
  ])('%s -> exit 2', async (_what, args, env, fragment) => {
    const result = await run(['keys', 'fetch', ...args], {}, env as Record<string, string>);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(fragment);
  });
});

describe('kms-verify verify --endpoint', () => {
  it('fetches the key live and verifies', async () => {
    server = await startKmsTestServer({ keys: sample });
    const message = new TextEncoder().encode('live');
    const signature = sign(
      'sha256',
      message,
      createPrivateKey(await readFile(`${root}/vectors/keys/EC_P256/private.pem`)),
    );
    const result = await run(
      [
        'verify',
        ...pair(p256),
        '--endpoint',
        server.url,
        '--algorithm',
        'ECDSA_SHA_256',
        '--message-file',
        'm.bin',
        '--value',
        signature.toString('base64'),
      ],
      { 'm.bin': message },
    );
    expect(result).toMatchObject({ code: 0, stdout: 'valid\n' });
  });

  it('refuses two key sources', async () => {
    const result = await run([
      'verify',
      ...pair(p256),
      '--keys',
      'vectors/sample/keys.json',
      '--region',
      'cn-hangzhou',
      '--algorithm',
      'ECDSA_SHA_256',
      '--digest',
      'AA==',
      '--value',
      'AA==',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('give exactly one of --keys, --region and --endpoint');
  });
});
