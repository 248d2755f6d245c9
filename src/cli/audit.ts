/**
 * `kms-verify audit RECORDS`: re-verifies every signed record of a JSON Lines file (or `-` for
 * stdin; gzip accepted) against a key bundle or KMS, one report line per input line, and prints a
 * summary. Exit 0 when every record is valid, 1 when any is invalid or could not be judged, 2 when
 * the job itself could not run (unreadable input, bad options, a key source that answered nothing).
 */

import { availableParallelism } from 'node:os';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { type AuditSummary, runAudit, type Tally } from '../node/audit.js';
import { type CliIo, EXIT, InputError, UsageError } from './io.js';
import { KEY_SOURCE_OPTIONS, KEY_SOURCE_USAGE, keyRingFor } from './key-source.js';

export const AUDIT_USAGE = `kms-verify audit RECORDS.jsonl ${KEY_SOURCE_USAGE} [--report REPORT.jsonl [--resume]] [--concurrency N] [--workers N] [--json] [--quiet]`;

/** Errors that mean the key source, not the record, failed. */
const KEY_SOURCE_CODES = new Set(['ERR_FETCH_FAILED', 'ERR_FETCH_TIMEOUT', 'ERR_CREDENTIALS']);

function columns(rows: readonly (readonly string[])[]): string {
  const widths = (rows[0] ?? []).map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function tallyRows(title: string, map: Readonly<Record<string, Tally>>): string {
  const keys = Object.keys(map).sort();
  if (keys.length === 0) return '';
  const rows = keys.map((key) => {
    const tally = map[key] as Tally;
    return [key, String(tally.valid), String(tally.invalid), String(tally.errors)];
  });
  return `\n${columns([[title, 'valid', 'invalid', 'errors'], ...rows])}\n`;
}

function humanSummary(summary: AuditSummary): string {
  const head = columns([
    ['records', 'valid', 'invalid', 'errors', 'elapsed', 'records/s'],
    [
      String(summary.records),
      String(summary.valid),
      String(summary.invalid),
      String(summary.errors),
      `${(summary.elapsedMs / 1000).toFixed(2)} s`,
      String(Math.round(summary.recordsPerSecond)),
    ],
  ]);
  const codes = Object.keys(summary.byErrorCode).sort();
  const errors =
    codes.length === 0
      ? ''
      : `\n${columns([['error code', 'records'], ...codes.map((code) => [code, String(summary.byErrorCode[code])])])}\n`;
  return `${head}\n${tallyRows('key version', summary.byKeyVersion)}${tallyRows('algorithm', summary.byAlgorithm)}${errors}`;
}

export async function auditCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      ...KEY_SOURCE_OPTIONS,
      report: { type: 'string' },
      concurrency: { type: 'string' },
      workers: { type: 'string' },
      json: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      resume: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError('audit takes exactly one RECORDS file (or - for stdin)');
  const concurrency = values.concurrency === undefined ? 64 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000) {
    throw new UsageError(`--concurrency must be an integer from 1 to 10000, not ${values.concurrency}`);
  }
  const workers = values.workers === undefined ? availableParallelism() : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
    throw new UsageError(`--workers must be an integer from 1 to 256, not ${values.workers}`);
  }
  if (values.resume && values.report === undefined)
    throw new UsageError('--resume needs the --report of the interrupted run');
  const ring = await keyRingFor(values, io);
  // The first Ctrl-C stops reading and finishes what is in flight, so --resume can continue.
  const stop = new AbortController();
  const onInterrupt = () => {
    stop.abort();
    io.stderr('\nkms-verify: interrupted; finishing the records in flight (Ctrl-C again to quit now)\n');
    process.removeListener('SIGINT', onInterrupt);
  };
  process.on('SIGINT', onInterrupt);
  const showProgress = io.stderrIsTerminal === true && !values.quiet;
  let summary: AuditSummary;
  try {
    summary = await runAudit({
      ring,
      input: positionals[0] as string,
      ...(io.stdin === undefined ? {} : { stdin: io.stdin as Readable }),
      ...(values.report === undefined ? {} : { report: values.report }),
      concurrency,
      workers,
      resume: values.resume,
      signal: stop.signal,
      ...(showProgress
        ? {
            onProgress: ({ records, invalid, errors, elapsedMs, fraction }) => {
              const eta =
                fraction !== undefined && fraction > 0
                  ? `, ETA ${Math.max(0, Math.round((elapsedMs * (1 - fraction)) / fraction / 1000))} s`
                  : '';
              io.stderr(
                `\r${records} records, ${Math.round((records / elapsedMs) * 1000)}/s, ${invalid} invalid, ${errors} errors${eta}   `,
              );
            },
          }
        : {}),
    });
  } catch (error) {
    if (error instanceof RangeError)
      throw new InputError(error.message.replace(/^audit: /, ''), { cause: error });
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && (error as { syscall?: unknown }).syscall !== undefined) {
      throw new InputError(`${(error as { path?: string }).path ?? positionals[0]}: ${code}`, {
        cause: error,
      });
    }
    throw error;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
  if (showProgress) io.stderr('\n');
  io.stdout(values.json ? `${JSON.stringify(summary, null, 2)}\n` : humanSummary(summary));
  if (summary.interrupted) {
    io.stderr(`kms-verify: stopped after ${summary.records} records; run again with --resume to continue\n`);
    return EXIT.ERROR;
  }
  const judged = summary.valid + summary.invalid;
  const keySourceFailures = Object.entries(summary.byErrorCode)
    .filter(([code]) => KEY_SOURCE_CODES.has(code))
    .reduce((sum, [, count]) => sum + count, 0);
  if (judged === 0 && summary.records > 0 && keySourceFailures === summary.errors) {
    io.stderr('kms-verify: the key source answered no request; no record could be judged\n');
    return EXIT.ERROR;
  }
  return summary.valid === summary.records ? EXIT.OK : EXIT.FAILED;
}
