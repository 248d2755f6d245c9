/**
 * The fetcher contract: a fetcher is an async function from a GetPublicKey request to a GetPublicKey
 * response. The key ring decides what to cache; fetchers only report what happened, with typed
 * errors: KeyNotFoundError (cached negatively by the ring), KeyDisabledError, CredentialsError,
 * FetchTimeoutError and FetchError (never cached).
 */

import type { GetPublicKeyResponse } from './bundle.js';

export interface GetPublicKeyRequest {
  /** A key id, or an alias as `alias/NAME`. */
  readonly keyId: string;
  readonly keyVersionId: string;
  /** Aborted when the caller gives up (the ring's per-fetch timeout). */
  readonly signal?: AbortSignal;
}

export type PublicKeyFetcher = (request: GetPublicKeyRequest) => Promise<GetPublicKeyResponse>;
