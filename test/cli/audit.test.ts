/**
 * `kms-verify audit` end to end on files written here: one report line per input line in input
 * order, verdicts and error codes, the summary, exit codes, gzip and stdin, and a malformed-input
 * corpus (truncated lines, invalid JSON, wrong types, an empty file, a 1 MiB line, CRLF).
 */

import { execFile, spawnSync } from 'node:child_process';
import { constants, createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { GetPublicKeyResponse } from '../../src/index.js';
import { projectRoot, runCommand } from '../helpers/cli.js';

const directory = mkdtempSync(join(tmpdir(), 'kms-verify-audit-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const keys = `${projectRoot}/vectors/sample/keys.json`;
const sample = JSON.parse(readFileSync(keys, 'utf8')) as GetPublicKeyResponse[];
const [rsa, , p256] = sample as [GetPublicKeyResponse, GetPublicKeyResponse, GetPublicKeyResponse];
const privateKey = (spec: string) =>
  createPrivateKey(readFileSync(`${projectRoot}/vectors/keys/${spec}/private.pem`));
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

function ecdsaRecord(id: string, message: Uint8Array) {
  return {
    id,
    KeyId: p256.KeyId,
    KeyVersionId: p256.KeyVersionId,
    Algorithm: 'ECDSA_SHA_256',
    Message: b64(message),
    Value: b64(sign('sha256', message, privateKey('EC_P256'))),
  };
}

function pssRecord(id: string, message: Uint8Array) {
  const signature = sign('sha256', message, {
    key: privateKey('RSA_2048'),
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: 32,
  });
  return {
    id,
    KeyId: rsa.KeyId,
    KeyVersionId: rsa.KeyVersionId,
    Algorithm: 'RSA_PSS_SHA_256',
    Message: b64(message),
    Value: b64(signature),
  };
}

function file(name: string, content: string | Uint8Array): string {
  const path = join(directory, name);
  writeFileSync(path, content);
  return path;
}

const audit = (records: string, ...rest: string[]) =>
  runCommand(['audit', '--workers', '1', records, '--keys', keys, '--quiet', ...rest]);
const reportOf = (path: string) =>
  readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map(
      (line) => JSON.parse(line) as { line: number; id?: unknown; valid: boolean; error?: { code: string } },
    );

describe('kms-verify audit', () => {
  const valid = [
    ecdsaRecord('a', new TextEncoder().encode('first')),
    pssRecord('b', new TextEncoder().encode('second')),
  ];
  const tampered = {
    ...ecdsaRecord('c', new TextEncoder().encode('third')),
    Message: b64(new TextEncoder().encode('thirD')),
  };

  it('all valid: exit 0, a report line per record', async () => {
    const input = file('valid.jsonl', `${valid.map((record) => JSON.stringify(record)).join('\n')}\n`);
    const report = join(directory, 'valid.report.jsonl');
    const result = await audit(input, '--report', report);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/records\s+valid\s+invalid\s+errors/);
    expect(reportOf(report)).toEqual([
      { line: 1, id: 'a', valid: true },
      { line: 2, id: 'b', valid: true },
    ]);
  });

  it('invalid and unjudgeable records: exit 1, verdicts and codes in input order, and a summary to match', async () => {
    const lines = [
      JSON.stringify(valid[0]),
      JSON.stringify(tampered),
      '{"KeyId": "truncated',
      JSON.stringify({ ...valid[1], KeyVersionId: 'v-unknown' }),
      JSON.stringify({ ...valid[0], Algorithm: 'SM2DSA' }),
      JSON.stringify({ ...valid[0], Value: 42 }),
      '',
      JSON.stringify({ ...valid[0], Message: undefined, Digest: b64(new Uint8Array(31)) }),
      JSON.stringify(valid[1]),
    ];
    const input = file('mixed.jsonl', lines.join('\r\n'));
    const report = join(directory, 'mixed.report.jsonl');
    const result = await audit(input, '--report', report, '--json');
    expect(result.code).toBe(1);
    const verdicts = reportOf(report);
    expect(verdicts).toHaveLength(lines.length);
    expect(verdicts.map((verdict) => verdict.error?.code ?? verdict.valid)).toEqual([
      true,
      false,
      'ERR_RECORD_FORMAT',
      'ERR_KEY_NOT_FOUND',
      'ERR_ALGORITHM_MISMATCH',
      'ERR_RECORD_FORMAT',
      'ERR_RECORD_FORMAT',
      'ERR_RECORD_FORMAT',
      true,
    ]);
    expect(verdicts.map((verdict) => verdict.id)).toEqual([
      'a',
      'c',
      undefined,
      'b',
      'a',
      'a',
      undefined,
      'a',
      'b',
    ]);
    const summary = JSON.parse(result.stdout) as {
      records: number;
      valid: number;
      invalid: number;
      errors: number;
      byErrorCode: Record<string, number>;
    };
    expect(summary).toMatchObject({ records: 9, valid: 2, invalid: 1, errors: 6 });
    expect(summary.byErrorCode).toEqual({
      ERR_RECORD_FORMAT: 4,
      ERR_KEY_NOT_FOUND: 1,
      ERR_ALGORITHM_MISMATCH: 1,
    });
  });

  it('a 1 MiB line is one record like any other', async () => {
    const big = new Uint8Array(1024 * 1024).fill(0x61);
    const input = file(
      'big.jsonl',
      `${JSON.stringify(ecdsaRecord('big', big))}\n${JSON.stringify(valid[0])}`,
    );
    const report = join(directory, 'big.report.jsonl');
    expect((await audit(input, '--report', report)).code).toBe(0);
    expect(reportOf(report).map((verdict) => verdict.id)).toEqual(['big', 'a']);
  });

  it('an empty file has no records and nothing to fail', async () => {
    const result = await audit(file('empty.jsonl', ''), '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ records: 0 });
  });

  it('reads gzip, recognised by its bytes', async () => {
    const input = file(
      'valid.jsonl.gz',
      gzipSync(`${valid.map((record) => JSON.stringify(record)).join('\n')}\n`),
    );
    const result = await audit(input, '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ records: 2, valid: 2 });
  });

  it('reads standard input as -', async () => {
    const stdin = Readable.from([Buffer.from(`${JSON.stringify(valid[1])}\n${JSON.stringify(tampered)}\n`)]);
    const result = await runCommand(
      ['audit', '--workers', '1', '-', '--keys', keys, '--json'],
      {},
      {},
      stdin,
    );
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ records: 2, valid: 1, invalid: 1 });
  });

  it.each([
    [
      'a missing input file',
      ['audit', '--workers', '1', join(directory, 'missing.jsonl'), '--keys', keys],
      'ENOENT',
    ],
    ['no input', ['audit', '--workers', '1', '--keys', keys], 'exactly one RECORDS file'],
    [
      'a bad concurrency',
      ['audit', '--workers', '1', 'x.jsonl', '--keys', keys, '--concurrency', '0'],
      '--concurrency must be an integer',
    ],
    [
      'no key source',
      ['audit', '--workers', '1', 'x.jsonl'],
      'give exactly one of --keys, --region and --endpoint',
    ],
  ])('cannot run: %s -> exit 2', async (_what, args, fragment) => {
    const result = await runCommand(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(fragment);
  });

  it('a key source that answers nothing is exit 2, not a run of failed records', async () => {
    const input = file('one.jsonl', `${JSON.stringify(valid[0])}\n`);
    const env = { ALIBABA_CLOUD_ACCESS_KEY_ID: 'id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret' };
    const result = await runCommand(
      ['audit', '--workers', '1', input, '--endpoint', 'http://127.0.0.1:9', '--quiet'],
      {},
      env,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the key source answered no request');
  });
});

describe('kms-verify audit with worker threads (the built binary)', () => {
  const binary = `${projectRoot}/dist/cli/main.js`;
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string }>((resolve) => {
      execFile(process.execPath, [binary, ...args], { cwd: projectRoot }, (error, stdout) => {
        resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? null), stdout });
      });
    });

  it.each(['records.jsonl', 'tampered.jsonl'])(
    '%s: two workers give the report of one, byte for byte',
    async (name) => {
      const reports = [1, 2, 3].map((workers) => join(directory, `${name}.${workers}.report`));
      const codes = [];
      for (const [index, workers] of [1, 2, 3].entries()) {
        const result = await run([
          'audit',
          `vectors/sample/${name}`,
          '--keys',
          keys,
          '--workers',
          String(workers),
          '--report',
          reports[index] as string,
          '--quiet',
        ]);
        codes.push(result.code);
      }
      expect(new Set(codes).size).toBe(1);
      expect(readFileSync(reports[1] as string, 'utf8')).toBe(readFileSync(reports[0] as string, 'utf8'));
      expect(readFileSync(reports[2] as string, 'utf8')).toBe(readFileSync(reports[0] as string, 'utf8'));
    },
  );

  it('works when the host was started with node -e (workers must not inherit --input-type)', () => {
    const script = `
      import { runCli } from ${JSON.stringify(`${projectRoot}/dist/cli/run.js`)};
      import { processIo } from ${JSON.stringify(`${projectRoot}/dist/cli/io.js`)};
      process.exitCode = await runCli(['audit', 'vectors/sample/records.jsonl', '--keys', ${JSON.stringify(keys)}, '--workers', '2', '--quiet'], processIo);
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: projectRoot,
      encoding: 'utf8',
    });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(child.stdout).toMatch(/^records\s+valid/);
  });

  it('a larger file with every kind of line: workers keep input order', async () => {
    const lines: string[] = [];
    for (let index = 0; index < 1500; index++) {
      const record =
        index % 2 === 0
          ? ecdsaRecord(`e${index}`, Buffer.from(`m${index}`))
          : pssRecord(`p${index}`, Buffer.from(`m${index}`));
      lines.push(
        index % 11 === 0
          ? '{broken'
          : index % 7 === 0
            ? JSON.stringify({ ...record, Value: b64(new Uint8Array(8)) })
            : JSON.stringify(record),
      );
    }
    const input = file('many.jsonl', `${lines.join('\n')}\n`);
    const one = join(directory, 'many.1.report');
    const two = join(directory, 'many.2.report');
    expect(
      (await run(['audit', input, '--keys', keys, '--workers', '1', '--report', one, '--quiet'])).code,
    ).toBe(1);
    expect(
      (await run(['audit', input, '--keys', keys, '--workers', '2', '--report', two, '--quiet'])).code,
    ).toBe(1);
    expect(readFileSync(two, 'utf8')).toBe(readFileSync(one, 'utf8'));
    expect(readFileSync(two, 'utf8').trimEnd().split('\n')).toHaveLength(1500);
  });
});
