/** RSAES-OAEP through node:crypto publicEncrypt on the key's KeyObject. */

import { constants, publicEncrypt } from 'node:crypto';
import type { EncryptBackend } from '../encrypt/backend.js';
import { keyObject } from './key-object.js';

const OAEP_HASHES: ReadonlyMap<string, string> = new Map([
  ['SHA-256', 'sha256'],
  ['SHA-1', 'sha1'],
]);

export const nodeEncryptBackend: EncryptBackend = {
  name: 'node',
  async rsaOaepEncrypt(key, algorithm, plaintext) {
    const oaepHash = OAEP_HASHES.get(algorithm.hash ?? '');
    if (oaepHash === undefined) throw new TypeError(`${algorithm.name} has no OAEP hash`);
    return new Uint8Array(
      publicEncrypt({ key: keyObject(key), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, plaintext),
    );
  },
};
