/** What an encryption backend provides: RSAES-OAEP in the runtime's native crypto. SM2PKE is shared code. */

import type { EncryptionAlgorithmDescriptor } from '../algorithms.js';
import type { RsaPublicKey } from '../keys/types.js';

export interface EncryptBackend {
  readonly name: string;
  rsaOaepEncrypt(
    key: RsaPublicKey,
    algorithm: EncryptionAlgorithmDescriptor,
    plaintext: Uint8Array,
  ): Promise<Uint8Array>;
}
