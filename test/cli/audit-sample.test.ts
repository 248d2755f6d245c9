/**
 * The shipped sample (what `npm start` audits): every record, signed with the OpenSSL command line
 * by vectors/sample/generate-records.sh, is valid; and the tampered twin gives, line by line, the
 * verdict the script recorded (OpenSSL's verdict, or the error the defect must cause).
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot, runCommand } from '../helpers/cli.js';

const directory = mkdtempSync(join(tmpdir(), 'kms-verify-sample-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const sample = (name: string) => `${projectRoot}/vectors/sample/${name}`;

interface Expected {
  readonly line: number;
  readonly valid?: boolean;
  readonly error?: string;
}

describe('the shipped sample audit', () => {
  it('records.jsonl: every record of every algorithm and mode is valid (npm start, exit 0)', async () => {
    const report = join(directory, 'records.report.jsonl');
    const result = await runCommand([
      'audit',
      '--workers',
      '1',
      sample('records.jsonl'),
      '--keys',
      sample('keys.json'),
      '--report',
      report,
      '--json',
    ]);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      records: number;
      valid: number;
      byAlgorithm: Record<string, unknown>;
    };
    expect(summary.records).toBe(readFileSync(sample('records.jsonl'), 'utf8').trimEnd().split('\n').length);
    expect(summary.valid).toBe(summary.records);
    expect(Object.keys(summary.byAlgorithm).sort()).toEqual([
      'ECDSA_SHA_256',
      'RSA_PKCS1_SHA_256',
      'RSA_PSS_SHA_256',
      'SM2DSA',
    ]);
  });

  it('tampered.jsonl: detection line by line, exit 1', async () => {
    const report = join(directory, 'tampered.report.jsonl');
    const result = await runCommand([
      'audit',
      '--workers',
      '1',
      sample('tampered.jsonl'),
      '--keys',
      sample('keys.json'),
      '--report',
      report,
      '--quiet',
    ]);
    expect(result.code).toBe(1);
    const expected = JSON.parse(readFileSync(sample('tampered-expected.json'), 'utf8')) as Expected[];
    const actual = readFileSync(report, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { line: number; valid: boolean; error?: { code: string } });
    expect(
      actual.map((verdict) => ({
        line: verdict.line,
        ...(verdict.error ? { error: verdict.error.code } : { valid: verdict.valid }),
      })),
    ).toEqual(
      expected.map((entry) => ({
        line: entry.line,
        ...(entry.error === undefined ? { valid: entry.valid } : { error: entry.error }),
      })),
    );
    expect(expected.filter((entry) => entry.valid === false).length).toBeGreaterThan(10);
    expect(expected.filter((entry) => entry.error !== undefined).length).toBeGreaterThanOrEqual(5);
  });
});
