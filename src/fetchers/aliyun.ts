/**
 * aliyunKmsFetcher: GetPublicKey against the real Alibaba Cloud KMS OpenAPI (RPC style, Version
 * 2016-01-20) with `fetch` and Web Crypto only, so it runs in browsers, Workers, Deno and Bun as
 * well as Node.
 *
 * - Signature v3 (ACS3-HMAC-SHA256, the default) or v1 (HMAC-SHA1); STS SecurityToken.
 * - Endpoint `https://kms.<region>.aliyuncs.com`, the VPC form `https://kms-vpc.<region>...`, or any
 *   URL (a dedicated gateway, the local emulator).
 * - A timeout per request (AbortSignal); retries with exponential backoff and full jitter only for
 *   throttling, internal failures, 5xx and network errors.
 * - KMS error codes become typed errors carrying the KMS Code and RequestId. Credentials never
 *   appear in an error, a message or an event.
 */

import {
  CredentialsError,
  FetchError,
  FetchTimeoutError,
  KeyDisabledError,
  KeyNotFoundError,
  type KmsVerifyError,
} from '../errors.js';
import { signKmsParametersV1, signKmsRequestV3 } from './aliyun-signature.js';
import { type GetPublicKeyResponse, parseKeyBundle } from './bundle.js';
import type { GetPublicKeyRequest, PublicKeyFetcher } from './fetcher.js';

export interface AliyunKmsFetcherOptions {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** STS token, for temporary credentials. */
  readonly securityToken?: string;
  /** The region, e.g. `cn-hangzhou`; or give `endpoint`. */
  readonly regionId?: string;
  /** With regionId: the VPC endpoint `kms-vpc.<region>.aliyuncs.com`. */
  readonly vpc?: boolean;
  /** Any endpoint URL (a dedicated KMS instance gateway, the local emulator). */
  readonly endpoint?: string;
  /** Default 'v3'. */
  readonly signatureVersion?: 'v1' | 'v3';
  /** Milliseconds per HTTP request. Default 5,000. */
  readonly requestTimeout?: number;
  /** Retries after the first attempt for retryable failures. Default 3. */
  readonly retries?: number;
  /** Backoff before retry n (from 0) is random() * min(maxDelay, baseDelay * 2^n). Defaults 100 and 2,000 ms. */
  readonly baseDelay?: number;
  readonly maxDelay?: number;
  /** Injectable for tests and exotic runtimes. */
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
  readonly random?: () => number;
  readonly sleep?: (milliseconds: number, signal?: AbortSignal) => Promise<void>;
  readonly nonce?: () => string;
}

/** KMS error codes by the typed error they become; anything else is a non-retryable FetchError. */
const NOT_FOUND = new Set([
  'Forbidden.KeyNotFound',
  'Forbidden.AliasNotFound',
  'Forbidden.KeyVersionNotFound',
  'EntityNotExist.Key',
]);
const DISABLED = new Set(['Rejected.Disabled', 'Rejected.PendingDeletion', 'Forbidden.KeyDisabled']);
const CREDENTIALS = new Set([
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'InvalidAccessKeyId.NotFound',
  'InvalidAccessKeyId.Inactive',
  'InvalidSecurityToken.Expired',
  'InvalidSecurityToken.Malformed',
  'InvalidSecurityToken.MismatchWithAccessKey',
  'Forbidden.RAM',
  'Forbidden.NoPermission',
  'Forbidden.AccessDenied',
]);
const RETRYABLE = new Set([
  'Rejected.Throttling',
  'Throttling.User',
  'Throttling',
  'InternalFailure',
  'ServiceUnavailableTemporary',
]);

const REGION_PATTERN = /^[a-z]{2}(-[a-z0-9]+)+$/;

function defaultSleep(milliseconds: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, milliseconds);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function endpointOf(options: AliyunKmsFetcherOptions): URL {
  if ((options.regionId === undefined) === (options.endpoint === undefined)) {
    throw new TypeError('aliyunKmsFetcher: give exactly one of regionId and endpoint');
  }
  if (options.endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(options.endpoint);
    } catch {
      throw new TypeError(`aliyunKmsFetcher: endpoint ${JSON.stringify(options.endpoint)} is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new TypeError('aliyunKmsFetcher: endpoint must be http(s)');
    return url;
  }
  const region = options.regionId as string;
  if (!REGION_PATTERN.test(region))
    throw new TypeError(`aliyunKmsFetcher: ${JSON.stringify(region)} is not a region id`);
  return new URL(`https://${options.vpc ? 'kms-vpc' : 'kms'}.${region}.aliyuncs.com/`);
}

function requireString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '')
    throw new TypeError(`aliyunKmsFetcher: ${name} must be a non-empty string`);
  return value;
}

interface KmsErrorBody {
  readonly Code?: unknown;
  readonly Message?: unknown;
  readonly RequestId?: unknown;
}

/** A typed error for a KMS error answer; `retryable` only for the transient ones. */
function kmsError(status: number, body: KmsErrorBody, what: string): KmsVerifyError {
  const kmsCode = typeof body.Code === 'string' ? body.Code : `HTTP ${status}`;
  const requestId = typeof body.RequestId === 'string' ? body.RequestId : undefined;
  const detail = typeof body.Message === 'string' ? `: ${body.Message.slice(0, 300)}` : '';
  const message = `${what}: KMS answered ${kmsCode}${requestId === undefined ? '' : ` (RequestId ${requestId})`}${detail}`;
  const options = { kmsCode, ...(requestId === undefined ? {} : { requestId }) };
  if (NOT_FOUND.has(kmsCode)) return new KeyNotFoundError(message, options);
  if (DISABLED.has(kmsCode)) return new KeyDisabledError(message, options);
  if (CREDENTIALS.has(kmsCode)) return new CredentialsError(message, options);
  return new FetchError(message, { ...options, retryable: RETRYABLE.has(kmsCode) || status >= 500 });
}

/** A fetcher that calls KMS GetPublicKey. */
export function aliyunKmsFetcher(options: AliyunKmsFetcherOptions): PublicKeyFetcher {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('aliyunKmsFetcher: expected an options object');
  const accessKeyId = requireString('accessKeyId', options.accessKeyId);
  const accessKeySecret = requireString('accessKeySecret', options.accessKeySecret);
  const securityToken =
    options.securityToken === undefined ? undefined : requireString('securityToken', options.securityToken);
  const endpoint = endpointOf(options);
  const version = options.signatureVersion ?? 'v3';
  if (version !== 'v1' && version !== 'v3')
    throw new TypeError(`aliyunKmsFetcher: signatureVersion must be v1 or v3`);
  const requestTimeout = options.requestTimeout ?? 5_000;
  const retries = options.retries ?? 3;
  const baseDelay = options.baseDelay ?? 100;
  const maxDelay = options.maxDelay ?? 2_000;
  const fetchFunction = options.fetch ?? globalThis.fetch;
  if (typeof fetchFunction !== 'function')
    throw new TypeError('aliyunKmsFetcher: this runtime has no fetch; pass options.fetch');
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  const clock = options.now === undefined ? {} : { now: options.now };
  const nonce = options.nonce === undefined ? {} : { nonce: options.nonce };
  const credentials = {
    accessKeyId,
    accessKeySecret,
    ...(securityToken === undefined ? {} : { securityToken }),
  };

  async function signedRequest(request: GetPublicKeyRequest): Promise<{ url: string; init: RequestInit }> {
    const params = { KeyId: request.keyId, KeyVersionId: request.keyVersionId };
    if (version === 'v1') {
      const signed = await signKmsParametersV1({
        action: 'GetPublicKey',
        params,
        method: 'POST',
        ...credentials,
        ...clock,
        ...nonce,
      });
      return {
        url: endpoint.href,
        init: {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: new URLSearchParams(signed).toString(),
        },
      };
    }
    const signed = await signKmsRequestV3({
      action: 'GetPublicKey',
      params,
      host: endpoint.host,
      method: 'POST',
      parametersIn: 'body',
      ...credentials,
      ...clock,
      ...nonce,
    });
    // fetch sets Host itself; the signed body goes as is (its content-type header is signed).
    const headers = Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name !== 'host'));
    return {
      url: new URL(signed.pathAndQuery, endpoint).href,
      init: { method: signed.method, headers: { ...headers, accept: 'application/json' }, body: signed.body },
    };
  }

  /** One HTTP exchange; throws typed errors, with `retryable` set on the transient ones. */
  async function attempt(request: GetPublicKeyRequest, what: string): Promise<GetPublicKeyResponse> {
    const { url, init } = await signedRequest(request);
    const controller = new AbortController();
    const onCallerAbort = () => controller.abort(request.signal?.reason);
    request.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const timer = setTimeout(
      () => controller.abort(new FetchTimeoutError(`${what}: no answer within ${requestTimeout} ms`)),
      requestTimeout,
    );
    let response: Response;
    let text: string;
    try {
      response = await fetchFunction(url, { ...init, signal: controller.signal });
      text = await response.text();
    } catch (error) {
      if (controller.signal.reason instanceof FetchTimeoutError && !request.signal?.aborted)
        throw controller.signal.reason;
      if (request.signal?.aborted)
        throw new FetchError(`${what}: cancelled`, { cause: request.signal.reason });
      throw new FetchError(`${what}: network error: ${(error as Error)?.message ?? String(error)}`, {
        cause: error,
        retryable: true,
      });
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onCallerAbort);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new FetchError(`${what}: KMS answered HTTP ${response.status} with a body that is not JSON`, {
        cause: error,
        retryable: response.status >= 500,
      });
    }
    if (typeof body !== 'object' || body === null)
      throw new FetchError(`${what}: KMS answered with a JSON ${typeof body}`);
    if (!response.ok) throw kmsError(response.status, body as KmsErrorBody, what);
    let entry: GetPublicKeyResponse;
    try {
      [entry] = parseKeyBundle([body]) as [GetPublicKeyResponse];
    } catch (error) {
      throw new FetchError(`${what}: the GetPublicKey response is malformed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return entry;
  }

  return async function fetchPublicKey(request: GetPublicKeyRequest): Promise<GetPublicKeyResponse> {
    const what = `GetPublicKey ${request.keyId} version ${request.keyVersionId}`;
    for (let retry = 0; ; retry++) {
      try {
        return await attempt(request, what);
      } catch (error) {
        const retryable =
          (error instanceof FetchError && error.retryable) || error instanceof FetchTimeoutError;
        if (!retryable || retry >= retries || request.signal?.aborted) throw error;
        await sleep(random() * Math.min(maxDelay, baseDelay * 2 ** retry), request.signal);
      }
    }
  };
}
