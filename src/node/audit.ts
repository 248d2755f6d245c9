/**
 * The audit job: streams JSON Lines records (a file, gzip or not, or stdin), judges each against a
 * KeyRing, writes exactly one report line per input line in input order, and summarises.
 *
 * Memory is bounded whatever the input size: lines are split from the byte stream as they arrive
 * (a line longer than MAX_LINE_BYTES is reported as an error, its bytes skipped rather than
 * buffered), at most `concurrency` records are in flight, the input is read only as fast as the
 * window drains, and the report is written with backpressure.
 */

import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { stat, truncate } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { judgeRecord, parseRecord, type Verdict } from '../audit/record.js';
import type { KeyRingCore } from '../cache/key-ring.js';
import { AuditPool } from './audit-pool.js';

/** Lines sent to a worker at once: large enough to amortise the message, small enough to balance. */
const BATCH_LINES = 128;

/** Longest line judged; longer lines become ERR_RECORD_FORMAT without being held in memory. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

export interface AuditOptions {
  readonly ring: KeyRingCore;
  /** A file path, or '-' for standard input. Gzip input is recognised by its magic bytes. */
  readonly input: string;
  readonly stdin?: Readable;
  /** Where to write the JSON Lines report; none when undefined. */
  readonly report?: string;
  /** Records judged at once in this thread (without workers). Default 64. */
  readonly concurrency?: number;
  /** Worker threads; 1 (the default) judges in this thread. */
  readonly workers?: number;
  /**
   * Continue an interrupted job: the complete lines of the existing report are the records already
   * judged (a partial last line is cut off); those input lines are skipped, not re-verified, and
   * the report is appended to. The summary still covers the whole input.
   */
  readonly resume?: boolean;
  /** When aborted (SIGINT), no more input is read; what is in flight is finished and reported. */
  readonly signal?: AbortSignal;
  /** Called about once a second with progress, for a terminal display. */
  readonly onProgress?: (progress: AuditProgress) => void;
}

export interface AuditProgress {
  readonly records: number;
  /** Fraction of the input read, when its size is known (a plain file); else undefined. */
  readonly fraction?: number;
  readonly invalid: number;
  readonly errors: number;
  readonly elapsedMs: number;
}

export interface Tally {
  valid: number;
  invalid: number;
  errors: number;
}

export interface AuditSummary {
  readonly records: number;
  readonly valid: number;
  readonly invalid: number;
  readonly errors: number;
  readonly byKeyVersion: Readonly<Record<string, Tally>>;
  readonly byAlgorithm: Readonly<Record<string, Tally>>;
  readonly byErrorCode: Readonly<Record<string, number>>;
  readonly elapsedMs: number;
  readonly recordsPerSecond: number;
  /** Records taken from an earlier run's report (with resume). */
  readonly resumedAfter: number;
  /** True when the run stopped early on its signal; rerun with resume to finish. */
  readonly interrupted: boolean;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export interface Line {
  readonly text: string;
  /** Set when the line was longer than the limit; its text is then empty. */
  readonly tooLongBytes?: number;
}

/** Splits a byte stream into lines (LF or CRLF), never holding more than `maxBytes` of one line. */
export async function* splitLines(
  source: AsyncIterable<Uint8Array>,
  maxBytes = MAX_LINE_BYTES,
): AsyncGenerator<Line> {
  const decoder = new TextDecoder();
  let parts: Uint8Array[] = [];
  let held = 0;
  let skipped = 0;
  let sawAny = false;
  const finish = (): Line => {
    if (skipped > 0) {
      const line = { text: '', tooLongBytes: held + skipped };
      skipped = 0;
      held = 0;
      parts = [];
      return line;
    }
    const joined = new Uint8Array(held);
    let offset = 0;
    for (const part of parts) {
      joined.set(part, offset);
      offset += part.length;
    }
    const end =
      joined.length > 0 && joined[joined.length - 1] === CARRIAGE_RETURN ? joined.length - 1 : joined.length;
    parts = [];
    held = 0;
    return { text: decoder.decode(joined.subarray(0, end)) };
  };
  for await (const chunk of source) {
    sawAny ||= chunk.length > 0;
    let start = 0;
    for (let index = chunk.indexOf(NEWLINE); index !== -1; index = chunk.indexOf(NEWLINE, start)) {
      append(chunk.subarray(start, index));
      yield finish();
      start = index + 1;
    }
    append(chunk.subarray(start));
  }
  // A final line without a newline still counts; a trailing newline does not make an empty line.
  if (held > 0 || skipped > 0) yield finish();
  else if (!sawAny) return;

  function append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (skipped > 0 || held + bytes.length > maxBytes) {
      skipped += bytes.length;
      return;
    }
    parts.push(bytes.slice());
    held += bytes.length;
  }
}

/** The input bytes, gunzipped when they start with the gzip magic bytes; `read` counts raw bytes. */
async function* inputBytes(options: AuditOptions, read: { bytes: number }): AsyncGenerator<Uint8Array> {
  const raw: Readable =
    options.input === '-' ? (options.stdin ?? process.stdin) : createReadStream(options.input);
  const iterator = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await iterator.next();
  if (first.done) return;
  const head = first.value;
  read.bytes += head.length;
  const rest = (async function* () {
    yield head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      read.bytes += next.value.length;
      yield next.value;
    }
  })();
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    (async () => {
      try {
        for await (const chunk of rest)
          if (!gunzip.write(chunk)) await new Promise((resolve) => gunzip.once('drain', resolve));
        gunzip.end();
      } catch (error) {
        gunzip.destroy(error as Error);
      }
    })();
    yield* gunzip as AsyncIterable<Buffer>;
  } else {
    yield* rest;
  }
}

/**
 * How many complete lines an earlier report holds; a partial last line (a crash mid-write) is cut
 * off so appending continues cleanly.
 */
async function completeReportLines(path: string): Promise<number> {
  try {
    await stat(path);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return 0;
    throw error;
  }
  let lines = 0;
  let offset = 0;
  let completeBytes = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let index = chunk.indexOf(NEWLINE); index !== -1; index = chunk.indexOf(NEWLINE, index + 1)) {
      lines++;
      completeBytes = offset + index + 1;
    }
    offset += chunk.length;
  }
  if (completeBytes < offset) await truncate(path, completeBytes);
  return lines;
}

/** An earlier report line as a verdict (without the record's fields, which come from the input). */
function verdictFromReport(text: string, line: number): Verdict {
  const parsed = JSON.parse(text) as { valid?: unknown; error?: { code?: unknown; message?: unknown } };
  const error = parsed.error;
  return {
    line,
    valid: parsed.valid === true,
    ...(typeof error?.code === 'string'
      ? { error: { code: error.code, message: String(error.message ?? '') } }
      : {}),
  };
}

function tally(map: Record<string, Tally>, key: string, verdict: Verdict): void {
  map[key] ??= { valid: 0, invalid: 0, errors: 0 };
  const entry = map[key];
  if (verdict.error !== undefined) entry.errors++;
  else if (verdict.valid) entry.valid++;
  else entry.invalid++;
}

async function write(stream: WriteStream | undefined, text: string): Promise<void> {
  if (stream !== undefined && !stream.write(text)) {
    await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
  }
}

function reportLine(verdict: Verdict): string {
  return `${JSON.stringify({
    line: verdict.line,
    ...(verdict.id === undefined ? {} : { id: verdict.id }),
    valid: verdict.valid,
    ...(verdict.error === undefined ? {} : { error: verdict.error }),
  })}\n`;
}

/** Runs the job. Rejects only when the job itself cannot run (unreadable input, unwritable report). */
export async function runAudit(options: AuditOptions): Promise<AuditSummary> {
  const concurrency = options.concurrency ?? 64;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new RangeError('audit: concurrency must be a positive integer');
  if (options.resume && options.report === undefined)
    throw new RangeError('audit: resume needs a report to resume from');
  const started = performance.now();
  const resumedAfter =
    options.resume && options.report !== undefined ? await completeReportLines(options.report) : 0;
  const previous =
    resumedAfter === 0
      ? undefined
      : splitLines(createReadStream(options.report as string) as AsyncIterable<Uint8Array>);
  const report =
    options.report === undefined
      ? undefined
      : createWriteStream(options.report, { flags: resumedAfter > 0 ? 'a' : 'w' });
  const reportFailed =
    report === undefined ? undefined : new Promise<never>((_, reject) => report.once('error', reject));
  const counts = { records: 0, valid: 0, invalid: 0, errors: 0 };
  const byKeyVersion: Record<string, Tally> = {};
  const byAlgorithm: Record<string, Tally> = {};
  const byErrorCode: Record<string, number> = {};
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1)
    throw new RangeError('audit: workers must be a positive integer');
  // Verdicts come back in batches (one record per batch without workers), kept in input order.
  const window: Promise<readonly Verdict[]>[] = [];
  let lastProgress = started;
  const read = { bytes: 0 };
  const totalBytes =
    options.input === '-' || options.onProgress === undefined ? undefined : (await stat(options.input)).size;

  const count = (verdict: Verdict) => {
    counts.records++;
    if (verdict.error !== undefined) {
      counts.errors++;
      byErrorCode[verdict.error.code] = (byErrorCode[verdict.error.code] ?? 0) + 1;
    } else if (verdict.valid) counts.valid++;
    else counts.invalid++;
    if (verdict.keyId !== undefined) tally(byKeyVersion, `${verdict.keyId} ${verdict.keyVersionId}`, verdict);
    if (verdict.algorithm !== undefined) tally(byAlgorithm, verdict.algorithm, verdict);
  };

  const settle = async (verdict: Verdict) => {
    count(verdict);
    await write(report, reportLine(verdict));
    const now = performance.now();
    if (options.onProgress !== undefined && now - lastProgress >= 1000) {
      lastProgress = now;
      options.onProgress({
        ...(totalBytes === undefined || totalBytes === 0
          ? {}
          : { fraction: Math.min(1, read.bytes / totalBytes) }),
        records: counts.records,
        invalid: counts.invalid,
        errors: counts.errors,
        elapsedMs: now - started,
      });
    }
  };

  let stoppedEarly = false;
  const pool = workers > 1 ? new AuditPool(options.ring, workers) : undefined;
  const limit = pool === undefined ? concurrency : workers * 4;
  let batch: string[] = [];
  let batchStart = 0;
  const flush = () => {
    if (pool === undefined || batch.length === 0) return;
    const judged = pool.judge(batchStart, batch);
    // Observed now, awaited in order later: a worker failure must not surface as unhandled.
    judged.catch(() => undefined);
    window.push(judged);
    batch = [];
  };
  const drainOne = async () => {
    for (const verdict of await (window.shift() as Promise<readonly Verdict[]>)) await settle(verdict);
  };
  const job = (async () => {
    let lineNumber = 0;
    for await (const line of splitLines(inputBytes(options, read))) {
      lineNumber++;
      if (lineNumber <= resumedAfter) {
        // Judged in an earlier run: its verdict is in the report; the record only names its key.
        const earlier = await previous?.next();
        if (earlier === undefined || earlier.done)
          throw new RangeError('audit: the report ended before its line count');
        let fields: Partial<Verdict> = {};
        try {
          const record = parseRecord(line.text);
          fields = { keyId: record.keyId, keyVersionId: record.keyVersionId, algorithm: record.algorithm };
        } catch {
          // A record that could not be parsed has no key to count under.
        }
        count({ ...verdictFromReport(earlier.value.text, lineNumber), ...fields });
        continue;
      }
      if (options.signal?.aborted) {
        stoppedEarly = true;
        break;
      }
      if (line.tooLongBytes !== undefined) {
        flush();
        window.push(
          Promise.resolve([
            {
              line: lineNumber,
              valid: false,
              error: {
                code: 'ERR_RECORD_FORMAT',
                message: `line of ${line.tooLongBytes} bytes; records are at most ${MAX_LINE_BYTES}`,
              },
            },
          ]),
        );
      } else if (pool === undefined) {
        window.push(judgeRecord(options.ring, line.text, lineNumber).then((verdict) => [verdict]));
      } else {
        if (batch.length === 0) batchStart = lineNumber;
        batch.push(line.text);
        if (batch.length >= BATCH_LINES) flush();
      }
      while (window.length >= limit) await drainOne();
    }
    flush();
    await previous?.return(undefined);
    if (lineNumber < resumedAfter) {
      throw new RangeError(
        `audit: the report has ${resumedAfter} lines but the input only ${lineNumber}; is it the report of this input?`,
      );
    }
    while (window.length > 0) await drainOne();
    if (report !== undefined)
      await new Promise<void>((resolve, reject) =>
        report.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
  })();
  try {
    await (reportFailed === undefined ? job : Promise.race([job, reportFailed]));
  } finally {
    await pool?.close();
  }
  const elapsedMs = performance.now() - started;
  return {
    ...counts,
    byKeyVersion,
    byAlgorithm,
    byErrorCode,
    elapsedMs,
    recordsPerSecond:
      counts.records <= resumedAfter ? 0 : ((counts.records - resumedAfter) / elapsedMs) * 1000,
    resumedAfter,
    interrupted: stoppedEarly,
  };
}
