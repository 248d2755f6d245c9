/**
 * Audit records: one JSON object per line, shaped like a KMS AsymmetricVerify request —
 * `KeyId`, `KeyVersionId`, `Algorithm`, `Value` (base64 signature) and exactly one of `Message`
 * (base64 of the raw message) or `Digest` (base64), plus optional `id` (echoed in the report) and
 * `SignatureFormat` (`der` or `p1363`). Unknown fields are ignored.
 *
 * judgeRecord turns any line into a verdict: valid, invalid, or an error with the typed code that
 * explains why the record could not be judged. It never throws for bad input, so one bad record
 * never stops a run.
 */

import type { KeyRingCore } from '../cache/key-ring.js';
import { KmsVerifyError, RecordFormatError } from '../errors.js';
import { Base64SyntaxError, base64ToBytes } from '../internal/base64.js';

export interface AuditRecord {
  readonly id?: unknown;
  readonly keyId: string;
  readonly keyVersionId: string;
  readonly algorithm: string;
  readonly signature: Uint8Array;
  readonly message?: Uint8Array;
  readonly digest?: Uint8Array;
  readonly signatureFormat?: 'der' | 'p1363';
}

export interface Verdict {
  /** 1-based line number in the input. */
  readonly line: number;
  readonly id?: unknown;
  readonly valid: boolean;
  readonly error?: { readonly code: string; readonly message: string };
  /** For summaries: what the record said, when it said it. */
  readonly keyId?: string;
  readonly keyVersionId?: string;
  readonly algorithm?: string;
}

function text(record: Record<string, unknown>, field: string): string {
  const value = Object.hasOwn(record, field) ? record[field] : undefined;
  if (typeof value !== 'string' || value === '') {
    throw new RecordFormatError(
      `${field} must be a non-empty string${value === undefined ? ', and it is missing' : ''}`,
    );
  }
  return value;
}

function bytes(record: Record<string, unknown>, field: string): Uint8Array | undefined {
  if (!Object.hasOwn(record, field) || record[field] === undefined) return undefined;
  const value = record[field];
  if (typeof value !== 'string') throw new RecordFormatError(`${field} must be a base64 string`);
  try {
    return base64ToBytes(value);
  } catch (error) {
    if (!(error instanceof Base64SyntaxError)) throw error;
    throw new RecordFormatError(`${field} is not base64: ${error.message}`, { cause: error });
  }
}

/** Parses one line into a record, or throws RecordFormatError naming what is wrong. */
export function parseRecord(line: string): AuditRecord {
  if (line.trim() === '') throw new RecordFormatError('empty line');
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new RecordFormatError(`not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RecordFormatError(
      `a record must be a JSON object, found ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`,
    );
  }
  const record = value as Record<string, unknown>;
  const keyId = text(record, 'KeyId');
  const keyVersionId = text(record, 'KeyVersionId');
  const algorithm = text(record, 'Algorithm');
  const signature = bytes(record, 'Value');
  if (signature === undefined)
    throw new RecordFormatError('Value must be a base64 string, and it is missing');
  const message = bytes(record, 'Message');
  const digest = bytes(record, 'Digest');
  if ((message === undefined) === (digest === undefined))
    throw new RecordFormatError('give exactly one of Message and Digest');
  const format = Object.hasOwn(record, 'SignatureFormat') ? record.SignatureFormat : undefined;
  if (format !== undefined && format !== 'der' && format !== 'p1363') {
    throw new RecordFormatError(`SignatureFormat must be "der" or "p1363", found ${JSON.stringify(format)}`);
  }
  return {
    ...(Object.hasOwn(record, 'id') ? { id: record.id } : {}),
    keyId,
    keyVersionId,
    algorithm,
    signature,
    ...(message === undefined ? {} : { message }),
    ...(digest === undefined ? {} : { digest }),
    ...(format === undefined ? {} : { signatureFormat: format }),
  };
}

function idOf(line: string): unknown {
  try {
    const value = JSON.parse(line) as { id?: unknown } | null;
    return typeof value === 'object' && value !== null ? value.id : undefined;
  } catch {
    return undefined;
  }
}

/** The verdict for one input line. Typed failures become errors; anything else is a bug and throws. */
export async function judgeRecord(ring: KeyRingCore, line: string, lineNumber: number): Promise<Verdict> {
  let record: AuditRecord | undefined;
  try {
    record = parseRecord(line);
    const valid = await ring.verify({
      keyId: record.keyId,
      keyVersionId: record.keyVersionId,
      algorithm: record.algorithm,
      signature: record.signature,
      ...(record.message === undefined ? {} : { message: record.message }),
      ...(record.digest === undefined ? {} : { digest: record.digest }),
      ...(record.signatureFormat === undefined ? {} : { signatureFormat: record.signatureFormat }),
    });
    return {
      line: lineNumber,
      id: record.id,
      valid,
      keyId: record.keyId,
      keyVersionId: record.keyVersionId,
      algorithm: record.algorithm,
    };
  } catch (error) {
    // A digest of the wrong length is a RangeError from verify: for a record it is a format error.
    const typed =
      error instanceof KmsVerifyError
        ? error
        : error instanceof RangeError || error instanceof TypeError
          ? new RecordFormatError(error.message.replace(/^verify: /, ''))
          : undefined;
    if (typed === undefined) throw error;
    return {
      line: lineNumber,
      id: record?.id ?? idOf(line),
      valid: false,
      error: { code: typed.code, message: typed.message },
      ...(record === undefined
        ? {}
        : { keyId: record.keyId, keyVersionId: record.keyVersionId, algorithm: record.algorithm }),
    };
  }
}
