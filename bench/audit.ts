/**
 * The audit job at scale: records per second and peak RSS for 100,000 and 1,000,000 records, one
 * thread against worker threads. Inputs are built from the shipped sample (all algorithms, message
 * and digest mode: the "mixed" set) and from P-256 records alone; every line is verified (repeated
 * lines are not cached verdicts). Each run is a child process on the built command, reporting its
 * own peak RSS (threads included), so runs do not disturb each other's memory. The peer for the
 * ratio is the same input in one thread.
 */

import { spawnSync } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GetPublicKeyResponse } from '../src/index.js';

const root = new URL('..', import.meta.url).pathname;
const keys = join(root, 'vectors/sample/keys.json');

function p256Records(): string[] {
  const sample = JSON.parse(readFileSync(keys, 'utf8')) as GetPublicKeyResponse[];
  const key = sample[2] as GetPublicKeyResponse;
  const privateKey = createPrivateKey(readFileSync(join(root, 'vectors/keys/EC_P256/private.pem')));
  return Array.from({ length: 50 }, (_, index) => {
    const message = Buffer.from(`{"event":"login","user":"u${index}","ts":${1_700_000_000 + index}}`);
    return JSON.stringify({
      KeyId: key.KeyId,
      KeyVersionId: key.KeyVersionId,
      Algorithm: 'ECDSA_SHA_256',
      Message: message.toString('base64'),
      Value: sign('sha256', message, privateKey).toString('base64'),
    });
  });
}

function write(name: string, lines: readonly string[], count: number): string {
  const path = join(tmpdir(), `kms-verify-bench-${name}-${count}.jsonl`);
  if (existsSync(path)) return path;
  const file = openSync(path, 'w');
  const block = `${lines.join('\n')}\n`;
  for (let written = 0; written < count; written += lines.length) {
    const remaining = count - written;
    writeSync(file, remaining >= lines.length ? block : `${lines.slice(0, remaining).join('\n')}\n`);
  }
  closeSync(file);
  return path;
}

/** The built command in a child that prints its summary and its own peak RSS. */
const CHILD = `
import { runCli } from ${JSON.stringify(join(root, 'dist/cli/run.js'))};
import { processIo } from ${JSON.stringify(join(root, 'dist/cli/io.js'))};
let out = '';
const code = await runCli(process.argv.slice(1), { ...processIo, stdout: (text) => { out += text; }, stderrIsTerminal: false });
const summary = JSON.parse(out);
console.log(JSON.stringify({ code, rate: summary.recordsPerSecond, records: summary.records, maxRssKb: process.resourceUsage().maxRSS }));
`;

export interface AuditRun {
  readonly input: string;
  readonly records: number;
  readonly workers: number;
  readonly rate: number;
  readonly maxRssMb: number;
}

export function auditRuns(
  counts: readonly number[] = [100_000, 1_000_000],
  workerCounts: readonly number[] = [1, 2],
): AuditRun[] {
  if (!existsSync(join(root, 'dist/cli/run.js'))) throw new Error('build first: npm run build');
  const inputs: [string, string[]][] = [
    [
      'mixed (sample: all algorithms, both modes)',
      readFileSync(join(root, 'vectors/sample/records.jsonl'), 'utf8').trimEnd().split('\n'),
    ],
    ['P-256 message mode', p256Records()],
  ];
  const runs: AuditRun[] = [];
  for (const [name, lines] of inputs) {
    for (const count of counts) {
      const path = write(name.split(' ')[0] as string, lines, count);
      for (const workers of workerCounts) {
        const child = spawnSync(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            CHILD,
            'audit',
            path,
            '--keys',
            keys,
            '--json',
            '--quiet',
            '--workers',
            String(workers),
          ],
          { encoding: 'utf8', maxBuffer: 1 << 20 },
        );
        const result = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as {
          rate: number;
          records: number;
          maxRssKb: number;
        };
        if (result.records !== count)
          throw new Error(`${name} ${count}: the audit judged ${result.records} records: ${child.stderr}`);
        runs.push({
          input: name,
          records: count,
          workers,
          rate: result.rate,
          maxRssMb: result.maxRssKb / 1024,
        });
        console.log(
          `${name}, ${count} records, ${workers} worker(s): ${Math.round(result.rate)}/s, peak RSS ${Math.round(result.maxRssKb / 1024)} MB`,
        );
      }
    }
  }
  return runs;
}

export function formatAuditRuns(runs: readonly AuditRun[]): string {
  const lines = [
    '| input | records | workers | records/s | vs 1 thread | peak RSS |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const run of runs) {
    const single = runs.find(
      (other) => other.input === run.input && other.records === run.records && other.workers === 1,
    );
    lines.push(
      `| ${run.input} | ${run.records.toLocaleString('en-US')} | ${run.workers} | ${Math.round(run.rate).toLocaleString('en-US')} | ${single === undefined ? '' : `${(run.rate / single.rate).toFixed(2)}x`} | ${Math.round(run.maxRssMb)} MB |`,
    );
  }
  return lines.join('\n');
}
