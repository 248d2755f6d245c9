/**
 * The Node entry of kms-verify (the package's `node` export condition): the same API as the core,
 * with verify() and encrypt() running on node:crypto where it is faster. Results are identical; the core is
 * still available as `kms-verify/web`.
 */

import { KeyRingCore, type KeyRingOptions } from '../cache/key-ring.js';
import { createEncrypt } from '../encrypt/encrypt.js';
import { createVerify } from '../verify/verify.js';
import { nodeBackend } from './backend.js';
import { nodeEncryptBackend } from './encrypt-backend.js';

export * from '../index.js';

/** verify() on the node:crypto backend; see the core's verify for the contract. */
export const verify: ReturnType<typeof createVerify> = createVerify(nodeBackend);

/** encrypt() on the node:crypto backend; see the core's encrypt for the contract. */
export const encrypt: ReturnType<typeof createEncrypt> = createEncrypt(nodeEncryptBackend);

/** KeyRing whose verify and encrypt run on the node:crypto backend. */
export class KeyRing extends KeyRingCore {
  constructor(options: KeyRingOptions) {
    super({ operations: { verify, encrypt }, ...options });
  }
}
