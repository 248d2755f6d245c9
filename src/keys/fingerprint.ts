/**
 * The SHA-256 fingerprint of a key's canonical SubjectPublicKeyInfo DER, in lower-case hex. Because
 * the SPKI is canonical, the same key has the same fingerprint whether it came as PEM, PKCS#1, a
 * certificate or a compressed point; for keys KMS returns it equals
 * `openssl pkey -pubin -outform DER | sha256sum`. Async because Web Crypto hashes asynchronously.
 */

import { toHex } from '../internal/hex.js';
import { subtleCrypto } from '../internal/webcrypto.js';
import { type PublicKeyInput, parsePublicKey } from './parse.js';
import type { KmsPublicKey } from './types.js';

export async function publicKeyFingerprint(key: KmsPublicKey | PublicKeyInput): Promise<string> {
  const { spki } = parsePublicKey(key);
  return toHex(new Uint8Array(await subtleCrypto().digest('SHA-256', spki as Uint8Array<ArrayBuffer>)));
}
