/**
 * Alibaba Cloud OpenAPI request signing for RPC-style APIs such as KMS (API version 2016-01-20), with
 * Web Crypto only, so it runs wherever the core runs.
 *
 * - Signature v1 (HMAC-SHA1, "RPC signature"): every parameter except Signature is percent-encoded,
 *   sorted by encoded name and joined as `name=value&...`; StringToSign is
 *   `METHOD&%2F&percentEncode(thatQuery)` and the signature is base64(HMAC-SHA1(secret + '&', it)).
 * - Signature v3 (ACS3-HMAC-SHA256): a canonical request of method, path, sorted query, the signed
 *   headers (host, content-type and every x-acs-*), their names, and the hex SHA-256 of the body; the
 *   signature is hex(HMAC-SHA256(secret, 'ACS3-HMAC-SHA256\n' + hex(SHA-256(canonical request)))).
 *
 * Percent-encoding is RFC 3986 §2.3: only A-Z a-z 0-9 - _ . ~ stay literal, every other UTF-8 byte
 * becomes %XX with upper-case hex, so a space is %20 (never '+') and '*' is %2A. Time and nonces are
 * injectable so tests are deterministic.
 */

import { bytesToBase64 } from '../internal/base64.js';
import { toHex } from '../internal/hex.js';
import { randomBytes, subtleCrypto } from '../internal/webcrypto.js';

/** The KMS OpenAPI version these helpers sign for unless told otherwise. */
export const KMS_API_VERSION = '2016-01-20';

export const SIGNATURE_V3_ALGORITHM = 'ACS3-HMAC-SHA256';

type Parameters = Readonly<Record<string, string>>;

const encoder = new TextEncoder();
const UPPER_HEX = Array.from(
  { length: 256 },
  (_, byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
);
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function isUnreserved(byte: number): boolean {
  return (
    (byte >= 0x41 && byte <= 0x5a) || // A-Z
    (byte >= 0x61 && byte <= 0x7a) || // a-z
    (byte >= 0x30 && byte <= 0x39) || // 0-9
    byte === 0x2d || // -
    byte === 0x5f || // _
    byte === 0x2e || // .
    byte === 0x7e // ~
  );
}

/**
 * Percent-encodes per Alibaba's rules (RFC 3986 unreserved characters kept). A string with a lone
 * surrogate has no UTF-8 form; encoding its replacement character instead would sign a value the
 * caller never wrote, so it is refused.
 */
export function percentEncode(value: string): string {
  if (typeof value !== 'string') throw new TypeError(`percentEncode expects a string, got ${typeof value}`);
  if (LONE_SURROGATE.test(value)) {
    throw new TypeError(
      `cannot percent-encode ${JSON.stringify(value)}: it contains a lone UTF-16 surrogate`,
    );
  }
  let out = '';
  for (const byte of encoder.encode(value)) {
    out += isUnreserved(byte) ? String.fromCharCode(byte) : UPPER_HEX[byte]!;
  }
  return out;
}

function compareCodeUnits(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

function checkedEntries(params: Parameters, what: string): [string, string][] {
  if (typeof params !== 'object' || params === null)
    throw new TypeError(`${what} must be an object of strings`);
  const entries = Object.entries(params);
  for (const [name, value] of entries) {
    if (typeof value !== 'string') {
      throw new TypeError(`${what}: parameter ${JSON.stringify(name)} must be a string, got ${typeof value}`);
    }
  }
  return entries;
}

/**
 * `encode(name)=encode(value)` pairs sorted by encoded name and joined with '&'. Encoded names are
 * ASCII, so comparing UTF-16 code units is the byte order both signature versions ask for.
 */
export function canonicalQueryString(params: Parameters): string {
  return checkedEntries(params, 'query parameters')
    .map(([name, value]): [string, string] => [percentEncode(name), percentEncode(value)])
    .sort(([left], [right]) => compareCodeUnits(left, right))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function checkMethod(method: string): string {
  if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method)) {
    throw new TypeError(`HTTP method must be a word such as GET or POST, got ${JSON.stringify(method)}`);
  }
  return method.toUpperCase();
}

function checkString(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${what} must be a non-empty string`);
  return value;
}

async function hmac(hash: 'SHA-1' | 'SHA-256', key: string, message: string): Promise<Uint8Array> {
  const subtle = subtleCrypto();
  const cryptoKey = await subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash }, false, [
    'sign',
  ]);
  return new Uint8Array(await subtle.sign('HMAC', cryptoKey, encoder.encode(message)));
}

async function sha256Hex(data: Uint8Array): Promise<string> {
  // Web Crypto's typings refuse views that could be over a SharedArrayBuffer; the bytes are only read.
  return toHex(new Uint8Array(await subtleCrypto().digest('SHA-256', data as Uint8Array<ArrayBuffer>)));
}

/** ISO 8601 UTC to the second, `yyyy-MM-ddTHH:mm:ssZ`, the form Timestamp and x-acs-date take. */
export function formatTimestamp(date: Date): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime()))
    throw new TypeError('timestamp must be a valid Date');
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function defaultNonce(): string {
  return toHex(randomBytes(16));
}

// ---------------------------------------------------------------------------------------------------
// Signature v1

export interface SignatureV1Input {
  readonly method: string;
  /** Every parameter that will be sent, in the query or a form body, except Signature itself. */
  readonly params: Parameters;
  readonly accessKeySecret: string;
}

export interface SignatureV1Result {
  readonly stringToSign: string;
  /** Base64 HMAC-SHA1, to be sent as the Signature parameter. */
  readonly signature: string;
}

export async function computeSignatureV1(input: SignatureV1Input): Promise<SignatureV1Result> {
  const method = checkMethod(input.method);
  const secret = checkString(input.accessKeySecret, 'accessKeySecret');
  if (Object.hasOwn(input.params, 'Signature')) {
    throw new TypeError('params must not include Signature: it is what is being computed');
  }
  const stringToSign = `${method}&${percentEncode('/')}&${percentEncode(canonicalQueryString(input.params))}`;
  const signature = bytesToBase64(await hmac('SHA-1', `${secret}&`, stringToSign));
  return Object.freeze({ stringToSign, signature });
}

export interface KmsRequestOptions {
  /** The API action, e.g. `GetPublicKey`. */
  readonly action: string;
  /** The action's own parameters, e.g. `{ KeyId, KeyVersionId }`. */
  readonly params?: Parameters;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** The STS token, when the AccessKey pair is temporary. */
  readonly securityToken?: string;
  /** Defaults to {@link KMS_API_VERSION}. */
  readonly version?: string;
  /** Defaults to the current time. */
  readonly now?: () => Date;
  /** Defaults to 32 random hex digits from the CSPRNG; must differ for every request. */
  readonly nonce?: () => string;
}

export interface KmsParametersV1Options extends KmsRequestOptions {
  /** Defaults to GET. */
  readonly method?: string;
  readonly regionId?: string;
}

/**
 * The complete signed parameter set of a v1 KMS call, Signature included, to be sent as the query
 * string (GET) or as an application/x-www-form-urlencoded body (POST) of a request to `/`.
 */
export async function signKmsParametersV1(
  options: KmsParametersV1Options,
): Promise<Readonly<Record<string, string>>> {
  const common: Record<string, string> = {
    Action: checkString(options.action, 'action'),
    Version: checkString(options.version ?? KMS_API_VERSION, 'version'),
    Format: 'JSON',
    AccessKeyId: checkString(options.accessKeyId, 'accessKeyId'),
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: checkString((options.nonce ?? defaultNonce)(), 'nonce'),
    Timestamp: formatTimestamp((options.now ?? (() => new Date()))()),
  };
  if (options.securityToken !== undefined)
    common.SecurityToken = checkString(options.securityToken, 'securityToken');
  if (options.regionId !== undefined) common.RegionId = checkString(options.regionId, 'regionId');
  const own = checkedEntries(options.params ?? {}, 'params');
  for (const [name] of own) {
    if (Object.hasOwn(common, name) || name === 'Signature') {
      throw new TypeError(`params must not set the common parameter ${name}; it is set by the signer`);
    }
  }
  const params: Record<string, string> = { ...common, ...Object.fromEntries(own) };
  const { signature } = await computeSignatureV1({
    method: options.method ?? 'GET',
    params,
    accessKeySecret: options.accessKeySecret,
  });
  params.Signature = signature;
  return Object.freeze(params);
}

// ---------------------------------------------------------------------------------------------------
// Signature v3

export interface SignatureV3Input {
  readonly method: string;
  /** The Host header as it will be sent (with the port when it is not the default). */
  readonly host: string;
  /** Defaults to `/`, the only path of RPC-style APIs. */
  readonly path?: string;
  readonly query?: Parameters;
  /**
   * The other headers to send: x-acs-action, x-acs-version, x-acs-date, x-acs-signature-nonce,
   * content-type when there is a body, ... Names are case-insensitive. x-acs-content-sha256,
   * x-acs-security-token, host and authorization are set by the signer.
   */
  readonly headers: Parameters;
  readonly body?: string | Uint8Array;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string;
}

export interface SignatureV3Result {
  readonly canonicalRequest: string;
  /** Hex SHA-256 of the canonical request. */
  readonly hashedCanonicalRequest: string;
  /** Hex HMAC-SHA256. */
  readonly signature: string;
  readonly authorization: string;
  /** Every header to send, lower-case names, Authorization included. */
  readonly headers: Readonly<Record<string, string>>;
}

const SIGNER_HEADERS = new Set(['host', 'authorization', 'x-acs-content-sha256', 'x-acs-security-token']);

function isSignedHeader(name: string): boolean {
  return name === 'host' || name === 'content-type' || name.startsWith('x-acs-');
}

export async function computeSignatureV3(input: SignatureV3Input): Promise<SignatureV3Result> {
  const method = checkMethod(input.method);
  const path = input.path ?? '/';
  if (!path.startsWith('/')) throw new TypeError(`path must start with '/', got ${JSON.stringify(path)}`);
  const secret = checkString(input.accessKeySecret, 'accessKeySecret');
  const accessKeyId = checkString(input.accessKeyId, 'accessKeyId');
  const body =
    typeof input.body === 'string' ? encoder.encode(input.body) : (input.body ?? new Uint8Array(0));
  const hashedPayload = await sha256Hex(body);

  const headers = new Map<string, string>();
  for (const [name, value] of checkedEntries(input.headers, 'headers')) {
    const lower = name.toLowerCase();
    if (SIGNER_HEADERS.has(lower))
      throw new TypeError(`headers must not set ${lower}; it is set by the signer`);
    if (headers.has(lower)) throw new TypeError(`header ${lower} is given twice, in different letter cases`);
    headers.set(lower, value);
  }
  headers.set('host', checkString(input.host, 'host'));
  headers.set('x-acs-content-sha256', hashedPayload);
  if (input.securityToken !== undefined) {
    headers.set('x-acs-security-token', checkString(input.securityToken, 'securityToken'));
  }

  const signedNames = [...headers.keys()].filter(isSignedHeader).sort(compareCodeUnits);
  const canonicalHeaders = signedNames.map((name) => `${name}:${headers.get(name)!.trim()}\n`).join('');
  const signedHeaders = signedNames.join(';');
  const canonicalRequest = [
    method,
    path,
    canonicalQueryString(input.query ?? {}),
    canonicalHeaders,
    signedHeaders,
    hashedPayload,
  ].join('\n');
  const hashedCanonicalRequest = await sha256Hex(encoder.encode(canonicalRequest));
  const signature = toHex(
    await hmac('SHA-256', secret, `${SIGNATURE_V3_ALGORITHM}\n${hashedCanonicalRequest}`),
  );
  const authorization = `${SIGNATURE_V3_ALGORITHM} Credential=${accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`;
  headers.set('authorization', authorization);
  return Object.freeze({
    canonicalRequest,
    hashedCanonicalRequest,
    signature,
    authorization,
    headers: Object.freeze(Object.fromEntries(headers)),
  });
}

export interface KmsRequestV3Options extends KmsRequestOptions {
  /** The endpoint's host, e.g. `kms.cn-hangzhou.aliyuncs.com` (with `:port` when not the default). */
  readonly host: string;
  /** Defaults to POST. */
  readonly method?: string;
  /**
   * Where the action's parameters travel: `query` (the default) or `body`, as an
   * application/x-www-form-urlencoded form covered by x-acs-content-sha256.
   */
  readonly parametersIn?: 'query' | 'body';
}

export interface KmsRequestV3 extends SignatureV3Result {
  readonly method: string;
  /** `/` plus the query string, if any: append it to the endpoint's origin. */
  readonly pathAndQuery: string;
  /** The form body, or `''`. */
  readonly body: string;
}

/** A complete v3-signed KMS call: where to send it, its headers and its body. */
export async function signKmsRequestV3(options: KmsRequestV3Options): Promise<KmsRequestV3> {
  const method = checkMethod(options.method ?? 'POST');
  const params = Object.fromEntries(checkedEntries(options.params ?? {}, 'params'));
  const inBody = options.parametersIn === 'body';
  if (inBody && (method === 'GET' || method === 'HEAD'))
    throw new TypeError(`a ${method} request has no body`);
  const query = inBody ? {} : params;
  const body = inBody ? canonicalQueryString(params) : '';
  const headers: Record<string, string> = {
    'x-acs-action': checkString(options.action, 'action'),
    'x-acs-version': checkString(options.version ?? KMS_API_VERSION, 'version'),
    'x-acs-date': formatTimestamp((options.now ?? (() => new Date()))()),
    'x-acs-signature-nonce': checkString((options.nonce ?? defaultNonce)(), 'nonce'),
  };
  if (inBody) headers['content-type'] = 'application/x-www-form-urlencoded';
  const signed = await computeSignatureV3({
    method,
    host: options.host,
    query,
    headers,
    body,
    accessKeyId: options.accessKeyId,
    accessKeySecret: options.accessKeySecret,
    ...(options.securityToken === undefined ? {} : { securityToken: options.securityToken }),
  });
  const queryString = canonicalQueryString(query);
  return Object.freeze({
    ...signed,
    method,
    pathAndQuery: queryString === '' ? '/' : `/?${queryString}`,
    body,
  });
}
