/**
 * An audit worker thread: judges batches of record lines with its own KeyRing, whose fetcher asks
 * the main thread's ring (one fetch per key version for the whole job, whatever the thread count).
 * Messages in: { batch, firstLine, lines } and { fetched, id, response | error }. Out: { batch,
 * verdicts } or { batch, failure }, and { fetch, id, keyId, keyVersionId }.
 */

import { parentPort } from 'node:worker_threads';
import { judgeRecord } from '../audit/record.js';
import { KeyNotFoundError, KmsVerifyError } from '../errors.js';
import type { GetPublicKeyResponse } from '../fetchers/bundle.js';
import type { GetPublicKeyRequest } from '../fetchers/fetcher.js';
import { KeyRing } from './index.js';

export interface RelayedError {
  readonly code: string;
  readonly message: string;
  readonly kmsCode?: string;
  readonly requestId?: string;
}

export type ToWorker =
  | {
      readonly type: 'batch';
      readonly batch: number;
      readonly firstLine: number;
      readonly lines: readonly string[];
    }
  | {
      readonly type: 'fetched';
      readonly id: number;
      readonly response?: GetPublicKeyResponse;
      readonly error?: RelayedError;
    };

export type FromWorker =
  | { readonly type: 'verdicts'; readonly batch: number; readonly verdicts: readonly unknown[] }
  | { readonly type: 'failure'; readonly batch: number; readonly message: string }
  | { readonly type: 'fetch'; readonly id: number; readonly keyId: string; readonly keyVersionId: string };

/** A relayed failure as a typed error again; not-found keeps its class so the ring caches it. */
class RelayedKmsError extends KmsVerifyError {
  readonly code: string;
  constructor(error: RelayedError) {
    super(error.message, {
      ...(error.kmsCode === undefined ? {} : { kmsCode: error.kmsCode }),
      ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
    });
    this.code = error.code;
  }
}

function revive(error: RelayedError): KmsVerifyError {
  return error.code === KeyNotFoundError.code
    ? new KeyNotFoundError(error.message)
    : new RelayedKmsError(error);
}

const port = parentPort;
if (port !== null) {
  const pending = new Map<
    number,
    { resolve: (response: GetPublicKeyResponse) => void; reject: (error: unknown) => void }
  >();
  let nextId = 0;
  const ring = new KeyRing({
    fetcher: (request: GetPublicKeyRequest) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        port.postMessage({
          type: 'fetch',
          id,
          keyId: request.keyId,
          keyVersionId: request.keyVersionId,
        } satisfies FromWorker);
      }),
    // The main thread's ring applies the real timeout; this one only waits for its answer.
    fetchTimeout: 24 * 3600_000,
  });
  port.on('message', (message: ToWorker) => {
    if (message.type === 'fetched') {
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.response !== undefined) waiter?.resolve(message.response);
      else waiter?.reject(revive(message.error as RelayedError));
      return;
    }
    Promise.all(message.lines.map((line, index) => judgeRecord(ring, line, message.firstLine + index))).then(
      (verdicts) =>
        port.postMessage({ type: 'verdicts', batch: message.batch, verdicts } satisfies FromWorker),
      (error: unknown) =>
        port.postMessage({
          type: 'failure',
          batch: message.batch,
          message: String((error as Error)?.stack ?? error),
        } satisfies FromWorker),
    );
  });
}
