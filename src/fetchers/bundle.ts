/**
 * Key bundles, the form in which keys travel to offline and air-gapped machines: a JSON array of
 * Alibaba Cloud KMS GetPublicKey responses (`{ KeyId, KeyVersionId, PublicKey, RequestId }`), or
 * the versioned snapshot a KeyRing writes, which adds when each key was fetched:
 *
 *   { "format": "kms-verify-key-bundle", "version": 1, "keys": [ { ..., "FetchedAt": "ISO 8601" } ] }
 *
 * This module checks the shape of each entry and names the bad one; the keys themselves are parsed
 * by whoever uses them. bundleFetcher serves a bundle as a fetcher.
 */

import { BundleFormatError, KeyNotFoundError } from '../errors.js';
import type { PublicKeyFetcher } from './fetcher.js';

export const BUNDLE_FORMAT = 'kms-verify-key-bundle';
export const BUNDLE_VERSION = 1;

export interface GetPublicKeyResponse {
  readonly KeyId: string;
  readonly KeyVersionId: string;
  /** PEM SubjectPublicKeyInfo, as KMS returns it. */
  readonly PublicKey: string;
  readonly RequestId?: string;
}

/** A bundle entry: a GetPublicKey response, with the fetch time when it came from a snapshot. */
export interface BundleEntry extends GetPublicKeyResponse {
  /** ISO 8601 time the key was fetched from KMS. */
  readonly FetchedAt?: string;
}

export interface KeyBundleSnapshot {
  readonly format: typeof BUNDLE_FORMAT;
  readonly version: typeof BUNDLE_VERSION;
  readonly keys: readonly BundleEntry[];
}

const REQUIRED_FIELDS = ['KeyId', 'KeyVersionId', 'PublicKey'] as const;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function entriesOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'object' && value !== null && Object.hasOwn(value, 'format')) {
    const snapshot = value as Record<string, unknown>;
    if (snapshot.format !== BUNDLE_FORMAT) {
      throw new BundleFormatError(
        `key bundle format must be "${BUNDLE_FORMAT}", found ${JSON.stringify(snapshot.format)}`,
      );
    }
    if (snapshot.version !== BUNDLE_VERSION) {
      throw new BundleFormatError(
        `key bundle version ${JSON.stringify(snapshot.version)} is not supported (this library reads version ${BUNDLE_VERSION})`,
      );
    }
    if (!Array.isArray(snapshot.keys))
      throw new BundleFormatError(`key bundle "keys" must be an array, found ${describe(snapshot.keys)}`);
    return snapshot.keys;
  }
  throw new BundleFormatError(
    `key bundle must be a JSON array of GetPublicKey responses or a "${BUNDLE_FORMAT}" snapshot, found ${describe(value)}`,
  );
}

function optionalString(record: Record<string, unknown>, field: string, index: number): string | undefined {
  const value = Object.hasOwn(record, field) ? record[field] : undefined;
  if (value !== undefined && typeof value !== 'string') {
    throw new BundleFormatError(
      `key bundle entry ${index}: ${field} must be a string, found ${describe(value)}`,
    );
  }
  return value;
}

/** Validates a bundle given as JSON text or as an already-parsed value (array or snapshot). */
export function parseKeyBundle(input: string | unknown): readonly BundleEntry[] {
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
  const seen = new Map<string, number>();
  return Object.freeze(
    entriesOf(value).map((entry: unknown, index): BundleEntry => {
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
      const requestId = optionalString(record, 'RequestId', index);
      const fetchedAt = optionalString(record, 'FetchedAt', index);
      if (fetchedAt !== undefined && Number.isNaN(Date.parse(fetchedAt))) {
        throw new BundleFormatError(
          `key bundle entry ${index}: FetchedAt ${JSON.stringify(fetchedAt)} is not an ISO 8601 time`,
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
        ...(fetchedAt === undefined ? {} : { FetchedAt: fetchedAt }),
      });
    }),
  );
}

/**
 * A fetcher over a bundle: answers from its entries, and KeyNotFoundError for anything else
 * (aliases included: a bundle holds key ids only), naming the versions it does hold for that key.
 * `name` labels the bundle in messages (a file path, say).
 */
export function bundleFetcher(
  bundle: string | unknown,
  options: { readonly name?: string } = {},
): PublicKeyFetcher {
  const entries = parseKeyBundle(bundle);
  const name = options.name ?? 'the key bundle';
  const byIdentity = new Map(entries.map((entry) => [`${entry.KeyId}\u0000${entry.KeyVersionId}`, entry]));
  return async ({ keyId, keyVersionId }) => {
    const entry = byIdentity.get(`${keyId}\u0000${keyVersionId}`);
    if (entry !== undefined) return entry;
    const versions = entries
      .filter((candidate) => candidate.KeyId === keyId)
      .map((candidate) => candidate.KeyVersionId);
    throw new KeyNotFoundError(
      versions.length > 0
        ? `${name} has KeyId ${keyId} but not version ${keyVersionId} (it has ${versions.join(', ')})`
        : `${name} has no key ${keyId} (it holds ${entries.length} key version${entries.length === 1 ? '' : 's'})`,
    );
  };
}
