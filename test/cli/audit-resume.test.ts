/**
 * Resuming an interrupted audit: after a crash (the report cut anywhere, even mid-line) or a SIGINT
 * to the real binary, --resume re-verifies nothing that was reported, duplicates no report line,
 * and ends with the report and summary of an uninterrupted run.
 */

import { spawn } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyRingCore } from '../../src/cache/key-ring.js';
import { bundleFetcher, encrypt, type GetPublicKeyResponse, verify } from '../../src/index.js';
import { runAudit } from '../../src/node/audit.js';
import { projectRoot, runCommand } from '../helpers/cli.js';

const directory = mkdtempSync(join(tmpdir(), 'kms-verify-resume-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const keys = `${projectRoot}/vectors/sample/keys.json`;
const sample = JSON.parse(readFileSync(keys, 'utf8')) as GetPublicKeyResponse[];
const p256 = sample[2] as GetPublicKeyResponse;
const privateKey = createPrivateKey(readFileSync(`${projectRoot}/vectors/keys/EC_P256/private.pem`));

/** `count` records: every 9th tampered, every 13th not JSON, the rest valid. */
function records(count: number): string {
  const lines: string[] = [];
  for (let index = 0; index < count; index++) {
    if (index % 13 === 12) {
      lines.push('{not json');
      continue;
    }
    const message = Buffer.from(`record ${index}`);
    const signature = sign('sha256', message, privateKey);
    lines.push(
      JSON.stringify({
        id: index,
        KeyId: p256.KeyId,
        KeyVersionId: p256.KeyVersionId,
        Algorithm: 'ECDSA_SHA_256',
        Message: (index % 9 === 8 ? Buffer.from(`record ${index}!`) : message).toString('base64'),
        Value: signature.toString('base64'),
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

function countingRing() {
  const calls = { verify: 0 };
  const ring = new KeyRingCore({
    fetcher: bundleFetcher(sample),
    operations: {
      verify: (options) => {
        calls.verify++;
        return verify(options);
      },
      encrypt,
    },
  });
  return { ring, calls };
}

describe('audit --resume', () => {
  const input = join(directory, 'records.jsonl');
  writeFileSync(input, records(300));

  it.each([0, 1, 150, 299])(
    'after a crash with %i complete report lines and a torn one, finishes the exact report',
    async (done) => {
      const full = join(directory, 'full.report.jsonl');
      const reference = await runAudit({ ring: countingRing().ring, input, report: full });
      const expected = readFileSync(full, 'utf8');
      const lines = expected.split('\n');
      const torn = join(directory, `torn-${done}.report.jsonl`);
      writeFileSync(
        torn,
        `${lines.slice(0, done).join('\n')}${done > 0 ? '\n' : ''}${(lines[done] ?? '').slice(0, 7)}`,
      );
      const { ring, calls } = countingRing();
      const resumed = await runAudit({ ring, input, report: torn, resume: true });
      expect(readFileSync(torn, 'utf8')).toBe(expected);
      // Only the records after the reported ones are verified (lines that are not JSON never reach verify).
      const remaining = Array.from({ length: 300 - done }, (_, offset) => done + offset).filter(
        (index) => index % 13 !== 12,
      );
      expect(calls.verify).toBe(remaining.length);
      expect(resumed.resumedAfter).toBe(done);
      const { elapsedMs: _a, recordsPerSecond: _b, resumedAfter: _c, ...wanted } = reference;
      const { elapsedMs: _d, recordsPerSecond: _e, resumedAfter: _f, ...got } = resumed;
      expect(got).toEqual(wanted);
    },
  );

  it('reports progress about once a second, with the fraction of the input read', async () => {
    const longer = join(directory, 'progress.jsonl');
    writeFileSync(longer, records(200).repeat(150));
    const seen: { records: number; fraction?: number }[] = [];
    const summary = await runAudit({
      ring: countingRing().ring,
      input: longer,
      onProgress: (progress) => seen.push(progress),
    });
    expect(summary.records).toBe(30_000);
    expect(seen.length).toBeGreaterThan(0);
    for (const progress of seen) {
      expect(progress.fraction).toBeGreaterThan(0);
      expect(progress.fraction).toBeLessThanOrEqual(1);
      expect(progress.records).toBeLessThan(30_000);
    }
  });

  it('refuses a report longer than the input, and --resume without --report', async () => {
    const long = join(directory, 'long.report.jsonl');
    writeFileSync(long, '{"line":1,"valid":true}\n'.repeat(400));
    const tooLong = await runCommand([
      'audit',
      input,
      '--keys',
      keys,
      '--report',
      long,
      '--resume',
      '--quiet',
    ]);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toContain('the report has 400 lines but the input only 300');
    const noReport = await runCommand(['audit', '--workers', '1', input, '--keys', keys, '--resume']);
    expect(noReport.code).toBe(2);
    expect(noReport.stderr).toContain('--resume needs the --report');
  });

  it('the built binary stops on SIGINT, then --resume completes the report without duplicates', async () => {
    const binary = `${projectRoot}/dist/cli/main.js`;
    expect(existsSync(binary), 'dist/ is missing: npm test builds it first').toBe(true);
    const big = join(directory, 'big.jsonl');
    const block = records(200);
    writeFileSync(big, block.repeat(200));
    const report = join(directory, 'big.report.jsonl');
    const first = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [binary, 'audit', big, '--keys', keys, '--report', report, '--quiet'],
        { cwd: projectRoot },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      setTimeout(() => child.kill('SIGINT'), 700);
      child.on('close', (code) => resolve({ code, stderr }));
    });
    const partial = readFileSync(report, 'utf8')
      .split('\n')
      .filter((line) => line !== '').length;
    expect(first.code).toBe(2);
    expect(first.stderr).toContain('run again with --resume to continue');
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(40_000);
    const second = await runCommand([
      'audit',
      '--workers',
      '1',
      big,
      '--keys',
      keys,
      '--report',
      report,
      '--resume',
      '--json',
    ]);
    expect(second.code).toBe(1);
    const lines = readFileSync(report, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(40_000);
    expect(lines.map((line) => (JSON.parse(line) as { line: number }).line)).toEqual(
      Array.from({ length: 40_000 }, (_, index) => index + 1),
    );
    const summary = JSON.parse(second.stdout) as { records: number; resumedAfter: number };
    expect(summary.records).toBe(40_000);
    expect(summary.resumedAfter).toBe(partial);
    console.log(
      `SIGINT run: exit ${first.code}, ${partial} records reported before stopping; resumed for the rest`,
    );
  });
});
