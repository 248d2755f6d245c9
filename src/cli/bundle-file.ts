/** Reading a key bundle file for a command: JSON, then the bundle's own validation. */

import { BundleFormatError, KeyNotFoundError } from '../errors.js';
import { type GetPublicKeyResponse, parseKeyBundle } from '../fetchers/bundle.js';
import { type CliIo, readInput } from './io.js';

/** Parses bundle bytes read from `path`; one saved GetPublicKey response counts as a bundle of one. */
export function bundleFromBytes(bytes: Uint8Array, path: string): readonly GetPublicKeyResponse[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new BundleFormatError(`${path}: not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const single = parsed !== null && typeof parsed === 'object' && Object.hasOwn(parsed, 'PublicKey');
  return parseKeyBundle(single ? [parsed] : parsed);
}

export async function readBundle(io: CliIo, path: string): Promise<readonly GetPublicKeyResponse[]> {
  return bundleFromBytes(await readInput(io, path), path);
}

/** The bundle entry for one key version, or KeyNotFoundError naming what the bundle does hold. */
export function findKey(
  bundle: readonly GetPublicKeyResponse[],
  keyId: string,
  keyVersionId: string,
  path: string,
): GetPublicKeyResponse {
  const entry = bundle.find(
    (candidate) => candidate.KeyId === keyId && candidate.KeyVersionId === keyVersionId,
  );
  if (entry !== undefined) return entry;
  const versions = bundle
    .filter((candidate) => candidate.KeyId === keyId)
    .map((candidate) => candidate.KeyVersionId);
  throw new KeyNotFoundError(
    versions.length > 0
      ? `${path} has KeyId ${keyId} but not version ${keyVersionId} (it has ${versions.join(', ')})`
      : `${path} has no key ${keyId} (it holds ${bundle.length} key version${bundle.length === 1 ? '' : 's'})`,
  );
}
