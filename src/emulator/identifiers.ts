/**
 * Identifiers shaped like KMS's: a KeyId is `key-` plus 21 lower-case alphanumerics (the form of
 * keys in KMS instances, e.g. `key-hzz630494463ejqjx****` in the API reference), a KeyVersionId an
 * RFC 9562 version-4 UUID. They come from the CSPRNG, or
 * from an injected uniform random source when a test wants them reproducible.
 */

import { randomBytes, randomUUID } from 'node:crypto';

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export class Identifiers {
  constructor(private readonly random?: () => number) {}

  #bytes(count: number): Uint8Array {
    const random = this.random;
    if (random === undefined) return randomBytes(count);
    return Uint8Array.from({ length: count }, () => Math.floor(random() * 256) & 0xff);
  }

  /** A new KeyId for which `taken` is false. */
  keyId(taken: (candidate: string) => boolean): string {
    // 36^21 identifiers: a collision means the injected random source is broken, not bad luck.
    for (let attempt = 0; attempt < 16; attempt++) {
      const id = `key-${Array.from(this.#bytes(21), (byte) => ID_ALPHABET[byte % 36]).join('')}`;
      if (!taken(id)) return id;
    }
    throw new Error('the random source keeps producing key ids already in use');
  }

  keyVersionId(): string {
    if (this.random === undefined) return randomUUID();
    const bytes = this.#bytes(16);
    bytes[6] = (bytes[6]! & 0x0f) | 0x40; // RFC 9562 version 4
    bytes[8] = (bytes[8]! & 0x3f) | 0x80; // and variant
    const hex = Buffer.from(bytes).toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
}
