/** Reading a key bundle file for a command: JSON, then the bundle's own validation. */

import { BundleFormatError } from '../errors.js';
import { type BundleEntry, parseKeyBundle } from '../fetchers/bundle.js';
import { type CliIo, readInput } from './io.js';

/** Parses bundle bytes read from `path`; one saved GetPublicKey response counts as a bundle of one. */
export function bundleFromBytes(bytes: Uint8Array, path: string): readonly BundleEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new BundleFormatError(`${path}: not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const single = parsed !== null && typeof parsed === 'object' && Object.hasOwn(parsed, 'PublicKey');
  return parseKeyBundle(single ? [parsed] : parsed);
}

export async function readBundle(io: CliIo, path: string): Promise<readonly BundleEntry[]> {
  return bundleFromBytes(await readInput(io, path), path);
}
