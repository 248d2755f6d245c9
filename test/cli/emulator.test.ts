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
import { signKmsRequestV3 } from '../../src/fetchers/aliyun-signature.js';
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
  const first = await Promise.race([
    new Promise<string>((resolve) => lines.once('line', resolve)),
    exited.then((outcome) => {
      throw new Error(`the emulator exited before listening: ${JSON.stringify(outcome)}`);
    }),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no first line; stderr: ${stderr}`)), 30_000),
    ),
  ]);
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
    const running = await start(['--fault', 'unavailable=1']);
    const response = await fetch(`${running.url}/?Action=ListKeys`);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { Code: string }).Code).toBe('ServiceUnavailableTemporary');
    running.child.kill('SIGTERM');
    const outcome = await running.exited;
    expect(outcome.code).toBe(0);
    expect(outcome.stderr).toContain('LTAI5tKmsEmulatorDemo (demo pair');
  });

  it.each([
    [['--port', '70000'], /--port must be a port number/],
    [['--port', 'http'], /--port must be a port number/],
    [['--access-key-id', 'a'], /1 --access-key-id but 0 --access-key-secret/],
    [['--fault', 'fire=1'], /--fault "fire=1"/],
    [['--fault', 'throttling=2'], /fraction of calls/],
    [['--bogus'], /Unknown option/],
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

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected invalid JSON');
}
