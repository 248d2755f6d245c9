/**
 * Key bundles: a JSON array of Alibaba Cloud KMS GetPublicKey responses
 * (`{ KeyId, KeyVersionId, PublicKey, RequestId }`), the form in which keys travel to offline and
 * air-gapped machines. This module checks the shape of each entry and names the bad one; the keys
 * themselves are parsed by whoever uses them, so one bad key does not hide the others.
 */

import { BundleFormatError } from '../errors.js';

export interface GetPublicKeyResponse {
  readonly KeyId: string;
  readonly KeyVersionId: string;
  /** PEM SubjectPublicKeyInfo, as KMS returns it. */
  readonly PublicKey: string;
  readonly RequestId?: string;
}

const REQUIRED_FIELDS = ['KeyId', 'KeyVersionId', 'PublicKey'] as const;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Validates a bundle given as JSON text or as an already-parsed value. */
export function parseKeyBundle(input: string | unknown): readonly GetPublicKeyResponse[] {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new BundleFormatError(`key bundle is not valid JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  if (!Array.isArray(value)) {
    throw new BundleFormatError(
      `key bundle must be a JSON array of GetPublicKey responses, found ${describe(value)}`,
    );
  }
  const seen = new Map<string, number>();
  return Object.freeze(
    value.map((entry: unknown, index): GetPublicKeyResponse => {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
        throw new BundleFormatError(
          `key bundle entry ${index}: expected an object, found ${describe(entry)}`,
        );
      }
      const record = entry as Record<string, unknown>;
      for (const field of REQUIRED_FIELDS) {
        const fieldValue = Object.hasOwn(record, field) ? record[field] : undefined;
        if (typeof fieldValue !== 'string' || fieldValue === '') {
          throw new BundleFormatError(
            `key bundle entry ${index}: ${field} must be a non-empty string, found ${fieldValue === '' ? 'an empty string' : describe(fieldValue)}`,
          );
        }
      }
      const requestId = Object.hasOwn(record, 'RequestId') ? record.RequestId : undefined;
      if (requestId !== undefined && typeof requestId !== 'string') {
        throw new BundleFormatError(
          `key bundle entry ${index}: RequestId must be a string, found ${describe(requestId)}`,
        );
      }
      const identity = `${record.KeyId as string}\u0000${record.KeyVersionId as string}`;
      const previous = seen.get(identity);
      if (previous !== undefined) {
        throw new BundleFormatError(
          `key bundle entry ${index}: KeyId ${record.KeyId as string} version ${record.KeyVersionId as string} repeats entry ${previous}`,
        );
      }
      seen.set(identity, index);
      return Object.freeze({
        KeyId: record.KeyId as string,
        KeyVersionId: record.KeyVersionId as string,
        PublicKey: record.PublicKey as string,
        ...(requestId === undefined ? {} : { RequestId: requestId }),
      });
    }),
  );
}
