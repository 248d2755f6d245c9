/**
 * `kms-verify emulator` as a real child process (the TypeScript entry under node --import tsx, so no
 * build is needed): it prints `listening on URL` first, serves signed calls, stops cleanly with exit
 * 0 on SIGTERM and on SIGINT, and keeps its keys in --state across a restart. Usage mistakes are
 * checked in-process.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { exposureWarning } from '../../src/cli/emulator.js';
import { startEmulator } from '../../src/emulator/index.js';
import { signDigest } from '../../src/emulator/signing.js';
import { signKmsRequestV3 } from '../../src/fetchers/aliyun-signature.js';
import { DEFAULT_SM2_USER_ID, parsePublicKey } from '../../src/index.js';
import { sm2Digest, sm2Z } from '../../src/sm/sm2.js';
import { openApiClient } from '../emulator/official-sdk.js';
import { projectRoot, runCommand } from '../helpers/cli.js';

const directory = mkdtempSync(join(tmpdir(), 'kms-emulator-cli-'));
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(directory, { recursive: true, force: true });
});

const PAIR = { accessKeyId: 'LTAI-cli', accessKeySecret: 'cli-secret' };

interface Running {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

async function start(args: readonly string[]): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'emulator', ...args], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => {
      child.once('exit', (code, signal) => {
        children.delete(child);
        resolve({ code, signal, stderr });
      });
    },
  );
  const lines = createInterface({ input: child.stdout! });
  let timer: NodeJS.Timeout | undefined;
  const first = await Promise.race([
    new Promise<string>((resolve) => lines.once('line', resolve)),
    exited.then((outcome) => {
      throw new Error(`the emulator exited before listening: ${JSON.stringify(outcome)}`);
    }),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no first line; stderr: ${stderr}`)), 30_000);
    }),
  ]).finally(() => clearTimeout(timer)); // a pending 30 s timer would outlive the test
  const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(first);
  if (match === null) throw new Error(`unexpected first line ${JSON.stringify(first)}`);
  return { child, url: match[1]!, exited };
}

async function call(url: string, action: string, params: Record<string, string>) {
  const signed = await signKmsRequestV3({
    action,
    params,
    host: new URL(url).host,
    parametersIn: 'body',
    ...PAIR,
  });
  const headers = Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name !== 'host'));
  const response = await fetch(`${url}/`, { method: 'POST', headers, body: signed.body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('kms-verify emulator', () => {
  it('serves, stops on SIGTERM with exit 0, and keeps its keys in --state across a restart', async () => {
    const statePath = join(directory, 'state.json');
    const args = [
      '--access-key-id',
      PAIR.accessKeyId,
      '--access-key-secret',
      PAIR.accessKeySecret,
      '--state',
      statePath,
    ];
    const first = await start(args);
    const created = await call(first.url, 'CreateKey', { KeySpec: 'EC_SM2', KeyUsage: 'SIGN/VERIFY' });
    expect(created.status).toBe(200);
    const metadata = created.body.KeyMetadata as Record<string, string>;
    const reference = { KeyId: metadata.KeyId!, KeyVersionId: metadata.PrimaryKeyVersion! };
    expect(
      (await call(first.url, 'CreateAlias', { KeyId: reference.KeyId, AliasName: 'alias/cli' })).status,
    ).toBe(200);
    const before = await call(first.url, 'GetPublicKey', reference);
    first.child.kill('SIGTERM');
    const outcome = await first.exited;
    expect(outcome).toMatchObject({ code: 0, signal: null });
    expect(outcome.stderr).toMatch(/SIGTERM: closed after 3 requests/);
    expect(JSON.parse(readFileSync(statePath, 'utf8')).keys).toHaveLength(1);

    const second = await start(args);
    const after = await call(second.url, 'GetPublicKey', { ...reference, KeyId: 'alias/cli' });
    expect(after.status).toBe(200);
    expect(after.body.PublicKey).toBe(before.body.PublicKey);
    expect(after.body.KeyId).toBe(reference.KeyId);
    second.child.kill('SIGINT');
    expect(await second.exited).toMatchObject({ code: 0, signal: null });
  });

  it('accepts the demo pair by default and applies --fault', async () => {
    const running = await start(['--fault', 'unavailable=1', '--log']);
    const response = await fetch(`${running.url}/?Action=ListKeys`);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { Code: string }).Code).toBe('ServiceUnavailableTemporary');
    running.child.kill('SIGTERM');
    const outcome = await running.exited;
    expect(outcome.code).toBe(0);
    expect(outcome.stderr).toContain('LTAI5tKmsEmulatorDemo (demo pair');
    expect(outcome.stderr).not.toContain('warning');
    expect(outcome.stderr).toMatch(
      /\n[0-9A-F-]{36} GET ListKeys - 503 ServiceUnavailableTemporary \(fault: unavailable\)\n/,
    );
  });

  // In-process: a test should not open a port on every interface with the demo pair to check this.
  it.each([
    ['127.0.0.1', false],
    ['127.0.0.2', false],
    ['::1', false],
    ['localhost', false],
    ['0.0.0.0', true],
    ['::', true],
    ['192.168.1.20', true],
  ])('warns about --host %s: %s', (host, warns) => {
    const warning = exposureWarning(host, true);
    expect(warning !== undefined).toBe(warns);
    if (warns) expect(warning).toContain(`${host} is not a loopback address`);
  });

  it('names the public demo secret in that warning only when the demo pair is in use', () => {
    expect(exposureWarning('0.0.0.0', true)).toContain('the demo AccessKey secret is public');
    expect(exposureWarning('0.0.0.0', false)).not.toContain('demo');
  });

  it.each([
    [['--port', '70000'], /--port must be a port number/],
    [['--port', 'http'], /--port must be a port number/],
    [['--access-key-id', 'a'], /1 --access-key-id but 0 --access-key-secret/],
    [['--fault', 'fire=1'], /--fault "fire=1"/],
    [['--fault', 'throttling=2'], /fraction of calls/],
    [['--bogus'], /Unknown option/],
    [['--cors', '--cors-origin', 'http://localhost:5173'], /either it or --cors-origin/],
    [['--cors-origin', 'http://localhost:5173/app'], /is not an origin like/],
  ])('refuses %j with exit 2 and the usage', async (args, message) => {
    const run = await runCommand(['emulator', ...args]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain('usage: kms-verify emulator');
  });

  it('refuses a damaged state file with exit 2, naming it', async () => {
    const statePath = join(directory, 'damaged.json');
    writeFileSync(statePath, '{"format":');
    const run = await runCommand(['emulator', '--state', statePath]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`kms-verify: ${statePath}: not JSON: ${jsonError('{"format":')}\n`);
  });
});

describe('the other commands against the emulator', () => {
  it('keys fetch, verify and encrypt work with --endpoint and credentials from the environment', async () => {
    const emulator = await startEmulator({ credentials: [PAIR] });
    try {
      const env = {
        ALIBABA_CLOUD_ACCESS_KEY_ID: PAIR.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: PAIR.accessKeySecret,
      };
      const signer = emulator.store.createKey({
        keySpec: 'EC_SM2',
        keyUsage: 'SIGN/VERIFY',
        alias: 'alias/cli-sign',
      });
      const encrypter = emulator.store.createKey({ keySpec: 'RSA_3072', keyUsage: 'ENCRYPT/DECRYPT' });
      const version = emulator.store.version(emulator.store.key(signer.keyId), signer.keyVersionId);

      const fetched = await runCommand(
        [
          'keys',
          'fetch',
          '--endpoint',
          emulator.url,
          '--signature-version',
          'v1',
          '--key-id',
          'alias/cli-sign',
          '--key-version-id',
          signer.keyVersionId,
        ],
        {},
        env,
      );
      expect(fetched.code).toBe(0);
      expect(fetched.stdout).toContain(JSON.stringify(version.material.publicKeyPem));

      const message = new TextEncoder().encode('verified by the CLI through the emulator');
      const key = parsePublicKey(version.material.publicKeyPem);
      if (key.family !== 'EC') throw new Error('SM2 key expected');
      const signature = signDigest(
        version.material,
        'SM2DSA',
        sm2Digest(sm2Z(key.point, DEFAULT_SM2_USER_ID), message),
      );
      const verifyArgs = (value: Uint8Array) => [
        'verify',
        '--endpoint',
        emulator.url,
        '--key-id',
        signer.keyId,
        '--key-version-id',
        signer.keyVersionId,
        '--algorithm',
        'SM2DSA',
        '--message-file',
        'message.bin',
        '--value',
        Buffer.from(value).toString('base64'),
      ];
      const valid = await runCommand(verifyArgs(signature), { 'message.bin': message }, env);
      expect([valid.code, valid.stdout]).toEqual([0, 'valid\n']);
      const tampered = Uint8Array.from(signature);
      tampered[10]! ^= 1;
      const invalid = await runCommand(verifyArgs(tampered), { 'message.bin': message }, env);
      expect([invalid.code, invalid.stdout]).toEqual([1, 'invalid\n']);

      const plaintext = new TextEncoder().encode('encrypted by the CLI, decrypted by the emulator');
      const encrypted = await runCommand(
        [
          'encrypt',
          '--endpoint',
          emulator.url,
          '--key-id',
          encrypter.keyId,
          '--key-version-id',
          encrypter.keyVersionId,
          '--algorithm',
          'RSAES_OAEP_SHA_256',
          '--in',
          'plain.txt',
        ],
        { 'plain.txt': plaintext },
        env,
      );
      expect(encrypted.code).toBe(0);
      const decrypted = await openApiClient(new URL(emulator.url), PAIR).call('AsymmetricDecrypt', {
        KeyId: encrypter.keyId,
        KeyVersionId: encrypter.keyVersionId,
        Algorithm: 'RSAES_OAEP_SHA_256',
        CiphertextBlob: encrypted.stdout.trim(),
      });
      expect(
        decrypted.ok && Buffer.from(decrypted.body.Plaintext as string, 'base64').equals(plaintext),
      ).toBe(true);

      const wrong = await runCommand(
        verifyArgs(signature),
        { 'message.bin': message },
        { ...env, ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'wrong' },
      );
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toMatch(/ERR_CREDENTIALS.*SignatureDoesNotMatch/);
    } finally {
      await emulator.close();
    }
  });
});

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected invalid JSON');
}
