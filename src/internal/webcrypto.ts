/**
 * Lazy access to Web Crypto and the CSPRNG. Looked up on use, not at import, so merely importing the library never
 * fails, and a runtime without it gets a typed error saying what is missing.
 */

import { CryptoUnavailableError } from '../errors.js';

export function subtleCrypto(): SubtleCrypto {
  const subtle = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  if (subtle === undefined) {
    throw new CryptoUnavailableError(
      'Web Crypto (globalThis.crypto.subtle) is not available here; browsers expose it only in secure contexts (https or localhost)',
    );
  }
  return subtle;
}

/** `length` bytes from the runtime's CSPRNG (`crypto.getRandomValues`). */
export function randomBytes(length: number): Uint8Array {
  const crypto = (globalThis as { crypto?: { getRandomValues?: (array: Uint8Array) => Uint8Array } }).crypto;
  if (crypto?.getRandomValues === undefined) {
    throw new CryptoUnavailableError(
      'crypto.getRandomValues is not available here; encryption needs a CSPRNG',
    );
  }
  return crypto.getRandomValues(new Uint8Array(length));
}
