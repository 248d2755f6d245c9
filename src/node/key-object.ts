/** node:crypto KeyObjects for parsed keys, imported once and kept with the key's prepared material. */

import { createPublicKey, type KeyObject } from 'node:crypto';
import type { KmsPublicKey } from '../keys/types.js';
import { nativeKey } from '../verify/prepared.js';

export function keyObject(key: KmsPublicKey): KeyObject {
  return nativeKey(key, 'node', () =>
    createPublicKey({ key: Buffer.from(key.spki), format: 'der', type: 'spki' }),
  );
}
