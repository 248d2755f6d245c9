/**
 * Turns an HTTP request into an authenticated KMS call, as the Alibaba Cloud OpenAPI gateway does
 * for RPC-style APIs:
 *
 * - Parameters come from the query string and, for POST, an application/x-www-form-urlencoded body;
 *   a name given twice is refused.
 * - Signature v1 (HMAC-SHA1 over `METHOD&%2F&encode(sorted query)`, every parameter but Signature)
 *   or v3 (`ACS3-HMAC-SHA256` Authorization header over the canonical request: method, path, sorted
 *   query, the signed headers, and the x-acs-content-sha256 of the body, which must be the body's).
 * - The clock window is 15 minutes either way; a nonce is accepted once per AccessKey within twice
 *   that window (the cache is bounded in size too, so a flood cannot grow it without end).
 * - A configured STS token must be presented exactly; a pair without one accepts any token, since
 *   the emulator has no STS to ask.
 *
 * Canonicalization and percent-encoding are the library's own (src/fetchers/aliyun-signature.ts);
 * the official SDK driving the emulator in the tests is the independent check.
 */

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { canonicalQueryString, percentEncode } from '../fetchers/aliyun-signature.js';
import { KmsApiError, missingParameter } from './kms-errors.js';
import { type ResponseFormat, responseFormat } from './responses.js';

export interface EmulatorCredentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** When set, requests with this AccessKey must carry exactly this STS token. */
  readonly securityToken?: string;
}

export interface RawRequest {
  readonly method: string;
  /** The request target as sent: path and query. */
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Uint8Array;
}

export interface KmsCall {
  readonly action: string;
  readonly version: string;
  /** Query and form parameters, merged (the signature parameters included). */
  readonly params: ReadonlyMap<string, string>;
  readonly format: ResponseFormat;
  readonly accessKeyId: string;
  readonly signatureVersion: 'v1' | 'v3';
}

/** What is known before authentication: enough to pick the error format and count the request. */
export interface ParsedParameters {
  readonly params: ReadonlyMap<string, string>;
  readonly format: ResponseFormat;
  readonly action: string | undefined;
  readonly signatureVersion: 'v1' | 'v3' | undefined;
  /** A parameter name given more than once, which the server refuses (a signature cannot order it). */
  readonly duplicate: string | undefined;
}

export const CLOCK_SKEW_LIMIT_MS = 15 * 60 * 1000;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?Z$/;
const V3_AUTHORIZATION =
  /^ACS3-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-fA-F]{64})$/;
const V3_REQUIRED_HEADERS = [
  'x-acs-action',
  'x-acs-version',
  'x-acs-date',
  'x-acs-signature-nonce',
  'x-acs-content-sha256',
] as const;

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function isFormBody(headers: IncomingHttpHeaders): boolean {
  return /^application\/x-www-form-urlencoded\b/i.test(header(headers, 'content-type') ?? '');
}

/** Merges the query and form parameters, noting a name given twice. */
export function parseParameters(request: RawRequest): ParsedParameters {
  let url: URL;
  try {
    url = new URL(request.target, 'http://emulator.invalid');
  } catch {
    throw new KmsApiError('InvalidParameter', 'The request target is not a valid path and query.');
  }
  const params = new Map<string, string>();
  const sources = [url.searchParams];
  if (request.method === 'POST' && isFormBody(request.headers) && request.body.length > 0) {
    sources.push(new URLSearchParams(Buffer.from(request.body).toString('utf8')));
  }
  let duplicate: string | undefined;
  for (const source of sources) {
    for (const [name, value] of source) {
      if (params.has(name)) duplicate ??= name;
      params.set(name, value);
    }
  }
  const authorization = header(request.headers, 'authorization');
  const signatureVersion =
    authorization?.startsWith('ACS3-') === true ? 'v3' : params.has('Signature') ? 'v1' : undefined;
  const accept = header(request.headers, 'accept') ?? '';
  const format = params.has('Format')
    ? responseFormat(params.get('Format'))
    : /\b(application|text)\/xml\b/i.test(accept) && !/\bjson\b/i.test(accept)
      ? 'XML'
      : 'JSON';
  const action = signatureVersion === 'v3' ? header(request.headers, 'x-acs-action') : params.get('Action');
  return { params, format, action: action ?? params.get('Action'), signatureVersion, duplicate };
}

function sameText(left: string, right: string): boolean {
  const a = Buffer.from(left);
  const b = Buffer.from(right);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Remembers nonces per AccessKey for `ttl` ms, at most `capacity` of them (oldest dropped first). */
export class NonceCache {
  readonly #expiries = new Map<string, number>();

  constructor(
    readonly ttl: number,
    readonly capacity: number,
  ) {}

  /** False when the nonce was seen within the window; otherwise records it. */
  accept(accessKeyId: string, nonce: string, now: number): boolean {
    // Insertion order is arrival order, so expired entries are all at the front.
    for (const [key, expiry] of this.#expiries) {
      if (expiry > now) break;
      this.#expiries.delete(key);
    }
    const key = `${accessKeyId}\u0000${nonce}`;
    if (this.#expiries.has(key)) return false;
    this.#expiries.set(key, now + this.ttl);
    if (this.#expiries.size > this.capacity) {
      const oldest = this.#expiries.keys().next().value as string;
      this.#expiries.delete(oldest);
    }
    return true;
  }

  get size(): number {
    return this.#expiries.size;
  }
}

export interface AuthenticatorOptions {
  readonly credentials: readonly EmulatorCredentials[];
  readonly now: () => number;
  /** Nonces remembered at most; default 100,000. */
  readonly nonceCapacity?: number;
}

export class Authenticator {
  readonly #secrets: ReadonlyMap<string, EmulatorCredentials>;
  readonly #now: () => number;
  readonly #nonces: NonceCache;

  constructor(options: AuthenticatorOptions) {
    this.#secrets = new Map(options.credentials.map((pair) => [pair.accessKeyId, pair]));
    this.#now = options.now;
    this.#nonces = new NonceCache(2 * CLOCK_SKEW_LIMIT_MS, options.nonceCapacity ?? 100_000);
  }

  /** Checks the signature of a parsed request; throws the KmsApiError the gateway would answer. */
  authenticate(request: RawRequest, parsed: ParsedParameters): KmsCall {
    if (parsed.duplicate !== undefined) {
      throw new KmsApiError(
        'InvalidParameter',
        `The parameter "${parsed.duplicate}" is given more than once.`,
      );
    }
    if (parsed.signatureVersion === 'v3') return this.#v3(request, parsed);
    if (parsed.signatureVersion === 'v1') return this.#v1(request, parsed);
    throw missingParameter('Signature', 'gateway');
  }

  #checkClock(value: string, name: string): void {
    const match = TIMESTAMP.exec(value);
    const time = match === null ? Number.NaN : Date.parse(value);
    if (Number.isNaN(time)) {
      throw new KmsApiError(
        'IllegalTimestamp',
        `The input parameter "${name}" is not in the format yyyy-MM-ddTHH:mm:ssZ: ${JSON.stringify(value)}.`,
      );
    }
    if (Math.abs(time - this.#now()) > CLOCK_SKEW_LIMIT_MS) {
      throw new KmsApiError(
        'IllegalTimestamp',
        `The input parameter "${name}" (${value}) is more than 15 minutes away from the server time.`,
      );
    }
  }

  #credentials(accessKeyId: string, token: string | undefined): EmulatorCredentials {
    const pair = this.#secrets.get(accessKeyId);
    if (pair === undefined) throw new KmsApiError('InvalidAccessKeyId.NotFound');
    if (pair.securityToken !== undefined && token !== pair.securityToken) {
      throw new KmsApiError('InvalidSecurityToken.MismatchWithAccessKey');
    }
    return pair;
  }

  #nonce(accessKeyId: string, nonce: string): void {
    if (!this.#nonces.accept(accessKeyId, nonce, this.#now())) throw new KmsApiError('SignatureNonceUsed');
  }

  #v1(request: RawRequest, parsed: ParsedParameters): KmsCall {
    const { params } = parsed;
    const required = [
      'AccessKeyId',
      'SignatureMethod',
      'SignatureVersion',
      'SignatureNonce',
      'Timestamp',
      'Action',
      'Version',
    ];
    for (const name of required) if (!params.get(name)) throw missingParameter(name, 'gateway');
    if (params.get('SignatureMethod') !== 'HMAC-SHA1') {
      throw new KmsApiError('InvalidParameter', 'The SignatureMethod of a v1 signature must be HMAC-SHA1.');
    }
    if (params.get('SignatureVersion') !== '1.0') {
      throw new KmsApiError('InvalidParameter', 'The SignatureVersion must be 1.0.');
    }
    this.#checkClock(params.get('Timestamp')!, 'Timestamp');
    const accessKeyId = params.get('AccessKeyId')!;
    const pair = this.#credentials(accessKeyId, params.get('SecurityToken'));
    const signed = Object.fromEntries([...params].filter(([name]) => name !== 'Signature'));
    const stringToSign = `${request.method}&${percentEncode('/')}&${percentEncode(canonicalQueryString(signed))}`;
    const expected = createHmac('sha1', `${pair.accessKeySecret}&`).update(stringToSign).digest('base64');
    if (!sameText(expected, params.get('Signature')!)) {
      throw new KmsApiError(
        'SignatureDoesNotMatch',
        `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`,
      );
    }
    this.#nonce(accessKeyId, params.get('SignatureNonce')!);
    return {
      action: params.get('Action')!,
      version: params.get('Version')!,
      params,
      format: parsed.format,
      accessKeyId,
      signatureVersion: 'v1',
    };
  }

  #v3(request: RawRequest, parsed: ParsedParameters): KmsCall {
    const { headers } = request;
    const match = V3_AUTHORIZATION.exec(header(headers, 'authorization') ?? '');
    if (match === null) {
      throw new KmsApiError(
        'IncompleteSignature',
        'The Authorization header is not `ACS3-HMAC-SHA256 Credential=...,SignedHeaders=...,Signature=...`.',
      );
    }
    const [, accessKeyId, signedHeaders, signature] = match as unknown as [string, string, string, string];
    for (const name of V3_REQUIRED_HEADERS)
      if (!header(headers, name)) throw missingParameter(name, 'gateway');
    this.#checkClock(header(headers, 'x-acs-date')!, 'x-acs-date');
    const pair = this.#credentials(accessKeyId, header(headers, 'x-acs-security-token'));
    const signedNames = signedHeaders.split(';');
    const mustSign = ['host', ...V3_REQUIRED_HEADERS, 'x-acs-security-token'].filter(
      (name) => header(headers, name) !== undefined,
    );
    const unsigned = mustSign.find((name) => !signedNames.includes(name));
    if (unsigned !== undefined) {
      throw new KmsApiError('IncompleteSignature', `The header ${unsigned} must be among the SignedHeaders.`);
    }
    const payloadHash = createHash('sha256').update(request.body).digest('hex');
    if (header(headers, 'x-acs-content-sha256') !== payloadHash) {
      throw new KmsApiError(
        'SignatureDoesNotMatch',
        'The x-acs-content-sha256 header is not the hex SHA-256 of the request body.',
      );
    }
    const url = new URL(request.target, 'http://emulator.invalid');
    const canonicalRequest = [
      request.method,
      url.pathname,
      canonicalQueryString(Object.fromEntries(url.searchParams)),
      signedNames.map((name) => `${name}:${(header(headers, name) ?? '').trim()}\n`).join(''),
      signedHeaders,
      payloadHash,
    ].join('\n');
    const stringToSign = `ACS3-HMAC-SHA256\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
    const expected = createHmac('sha256', pair.accessKeySecret).update(stringToSign).digest('hex');
    if (!sameText(expected, signature.toLowerCase())) {
      throw new KmsApiError(
        'SignatureDoesNotMatch',
        `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`,
      );
    }
    this.#nonce(accessKeyId, header(headers, 'x-acs-signature-nonce')!);
    return {
      action: header(headers, 'x-acs-action')!,
      version: header(headers, 'x-acs-version')!,
      params: parsed.params,
      format: parsed.format,
      accessKeyId,
      signatureVersion: 'v3',
    };
  }
}
