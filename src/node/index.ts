/**
 * The Node entry of kms-verify (the package's `node` export condition): the same API as the core,
 * with verify() running on node:crypto where it is faster. Results are identical; the core is
 * still available as `kms-verify/web`.
 */

import { createVerify } from '../verify/verify.js';
import { nodeBackend } from './backend.js';

export * from '../index.js';

/** verify() on the node:crypto backend; see the core's verify for the contract. */
export const verify: ReturnType<typeof createVerify> = createVerify(nodeBackend);
