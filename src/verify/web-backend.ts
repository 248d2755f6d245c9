/**
 * The backend for every runtime with Web Crypto: `crypto.subtle` for RSA and P-256 over a message
 * (imported CryptoKeys are kept per key and algorithm), the pure BigInt RSA public operation for
 * digest mode, which Web Crypto cannot do.
 */

import { bigIntToBytes } from '../internal/hex.js';
import { subtleCrypto } from '../internal/webcrypto.js';
import { P256 } from '../keys/curves.js';
import type { EcPublicKey, RsaPublicKey } from '../keys/types.js';
import type { VerifyBackend } from './backend.js';
import { nativeKey, rsaNumbers } from './prepared.js';
import { rsaPublicOperation } from './rsa.js';
import type { SignatureValue } from './signature.js';

type BufferSourceBytes = Uint8Array<ArrayBuffer>;

function importKey(key: RsaPublicKey | EcPublicKey, params: RsaHashedImportParams | EcKeyImportParams) {
  return nativeKey(key, `webcrypto:${params.name}`, () =>
    subtleCrypto().importKey('spki', key.spki as BufferSourceBytes, params, false, ['verify']),
  );
}

export const webBackend: VerifyBackend = {
  name: 'webcrypto',

  async sha256(data) {
    return new Uint8Array(await subtleCrypto().digest('SHA-256', data as BufferSourceBytes));
  },

  async rsaVerifyMessage(key, algorithm, message, signature) {
    const params = algorithm.webCrypto;
    if (params === undefined) throw new TypeError(`${algorithm.name} has no Web Crypto parameters`);
    // Web Crypto implementations differ on wrong-length signatures (false or an exception); the
    // length is part of the signature's validity (RFC 8017 §8.2.2 step 1), so decide it here.
    if (signature.length !== rsaNumbers(key).k) return false;
    const cryptoKey = await importKey(key, params.importParams);
    return subtleCrypto().verify(
      params.verifyParams,
      cryptoKey,
      signature as BufferSourceBytes,
      message as BufferSourceBytes,
    );
  },

  rsaRecover(key, signature) {
    return rsaPublicOperation(rsaNumbers(key), signature);
  },

  ecdsaVerifyMessage(key: EcPublicKey, message: Uint8Array, signature, format, { r, s }: SignatureValue) {
    if (key.curve !== P256.name) return undefined;
    // Web Crypto takes only r || s (and silently fails DER), so DER is re-encoded.
    let p1363 = signature as BufferSourceBytes;
    if (format === 'der') {
      p1363 = new Uint8Array(2 * P256.size);
      p1363.set(bigIntToBytes(r, P256.size));
      p1363.set(bigIntToBytes(s, P256.size), P256.size);
    }
    return importKey(key, { name: 'ECDSA', namedCurve: 'P-256' }).then((cryptoKey) =>
      subtleCrypto().verify(
        { name: 'ECDSA', hash: 'SHA-256' },
        cryptoKey,
        p1363,
        message as BufferSourceBytes,
      ),
    );
  },
};
