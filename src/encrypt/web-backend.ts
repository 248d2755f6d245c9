/** RSAES-OAEP through Web Crypto, with the imported CryptoKey kept per key and hash. */

import { subtleCrypto } from '../internal/webcrypto.js';
import { nativeKey } from '../verify/prepared.js';
import type { EncryptBackend } from './backend.js';

type BufferSourceBytes = Uint8Array<ArrayBuffer>;

export const webEncryptBackend: EncryptBackend = {
  name: 'webcrypto',
  async rsaOaepEncrypt(key, algorithm, plaintext) {
    const hash = algorithm.hash;
    if (hash === undefined) throw new TypeError(`${algorithm.name} has no OAEP hash`);
    const cryptoKey = await nativeKey(key, `webcrypto:RSA-OAEP/${hash}`, () =>
      subtleCrypto().importKey('spki', key.spki as BufferSourceBytes, { name: 'RSA-OAEP', hash }, false, [
        'encrypt',
      ]),
    );
    return new Uint8Array(
      await subtleCrypto().encrypt({ name: 'RSA-OAEP' }, cryptoKey, plaintext as BufferSourceBytes),
    );
  },
};
