/**
 * A loopback stand-in for the Alibaba Cloud KMS OpenAPI, enough of it to test a GetPublicKey fetcher:
 * RPC parameters from the query string and from an application/x-www-form-urlencoded body, both
 * signature versions (v1 HMAC-SHA1 parameters, v3 ACS3-HMAC-SHA256 Authorization header) checked
 * against one configured AccessKey pair and optional STS token, the 15-minute clock window, nonce
 * replay, KMS-shaped JSON errors, and injectable faults (throttling, 503, a broken body, latency).
 *
 * Signatures are recomputed here with node:crypto and this file's own canonicalization, on purpose
 * never with src/fetchers/aliyun-signature.ts: two independent implementations that agree are the
 * evidence that either is right.
 */

import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestCredentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** When set, every request must carry exactly this STS token. */
  readonly securityToken?: string;
}

export interface TestKey {
  readonly KeyId: string;
  readonly KeyVersionId: string;
  readonly PublicKey: string;
  /** A disabled key answers 403 Rejected.Disabled. */
  readonly disabled?: boolean;
}

export type KmsFault =
  | { readonly kind: 'throttling' } // 429 Rejected.Throttling
  | { readonly kind: 'unavailable' } // 503 ServiceUnavailableTemporary
  | { readonly kind: 'malformed' } // 200 with a truncated JSON body
  | { readonly kind: 'delay'; readonly ms: number }; // then the normal answer

/** A fault for the next `count` requests, or for each request with probability `fraction`. */
export type FaultPlan = KmsFault & ({ readonly count: number } | { readonly fraction: number });

export interface KmsTestServerOptions {
  readonly credentials?: TestCredentials;
  readonly keys?: readonly TestKey[];
  /** `alias/NAME` -> KeyId. */
  readonly aliases?: Readonly<Record<string, string>>;
  /** Server clock in milliseconds, for the Timestamp window. Defaults to Date.now. */
  readonly now?: () => number;
  /** For `fraction` faults. Defaults to Math.random. */
  readonly random?: () => number;
}

export interface LoggedRequest {
  readonly method: string;
  readonly action: string | undefined;
  readonly signatureVersion: 'v1' | 'v3' | undefined;
  /** Query and form parameters, merged. */
  readonly params: Readonly<Record<string, string>>;
  readonly status: number;
  readonly code: string | undefined;
  readonly fault: KmsFault['kind'] | undefined;
}

export interface KmsTestServer {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  readonly host: string;
  readonly requests: LoggedRequest[];
  readonly credentials: TestCredentials;
  setFaults(plan: FaultPlan | null): void;
  close(): Promise<void>;
}

export const TEST_CREDENTIALS: TestCredentials = Object.freeze({
  accessKeyId: 'LTAI-test-access-key-id',
  accessKeySecret: 'test-access-key-secret',
});

const SKEW_LIMIT_MS = 15 * 60 * 1000;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const FAULT_ANSWERS = {
  throttling: [429, 'Rejected.Throttling', 'QPS Limit Exceeded'],
  unavailable: [503, 'ServiceUnavailableTemporary', 'The service is temporarily unavailable.'],
} as const;

class KmsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const missing = (name: string) =>
  new KmsError(
    400,
    'MissingParameter',
    `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
  );
const invalid = (message: string) => new KmsError(400, 'InvalidParameter', message);
const mismatch = (message: string) => new KmsError(400, 'SignatureDoesNotMatch', message);

// RFC 3986 percent-encoding by a different route from the library's byte loop.
const encode = (value: string) =>
  encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );

function canonicalize(pairs: Iterable<[string, string]>): string {
  return [...pairs]
    .map(([name, value]) => [encode(name), encode(value)] as const)
    .sort(([left], [right]) => Buffer.compare(Buffer.from(left), Buffer.from(right)))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function sameText(left: string, right: string): boolean {
  const a = Buffer.from(left);
  const b = Buffer.from(right);
  return a.length === b.length && timingSafeEqual(a, b);
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

export async function startKmsTestServer(options: KmsTestServerOptions = {}): Promise<KmsTestServer> {
  const credentials = options.credentials ?? TEST_CREDENTIALS;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const keys = new Map((options.keys ?? []).map((key) => [`${key.KeyId}\u0000${key.KeyVersionId}`, key]));
  const keyIds = new Set((options.keys ?? []).map((key) => key.KeyId));
  const aliases = new Map(Object.entries(options.aliases ?? {}));
  const nonces = new Set<string>();
  const requests: LoggedRequest[] = [];
  let faults: { plan: FaultPlan; remaining: number } | null = null;

  function drawFault(): KmsFault | undefined {
    if (faults === null) return undefined;
    const { plan } = faults;
    if ('count' in plan) {
      if (faults.remaining <= 0) return undefined;
      faults.remaining--;
      return plan;
    }
    return random() < plan.fraction ? plan : undefined;
  }

  function checkClock(value: string, name: string): void {
    if (!TIMESTAMP.test(value) || Number.isNaN(Date.parse(value))) {
      throw invalid(`The specified ${name} "${value}" is not in the format yyyy-MM-ddTHH:mm:ssZ.`);
    }
    if (Math.abs(Date.parse(value) - now()) > SKEW_LIMIT_MS) {
      throw new KmsError(
        400,
        'IllegalTimestamp',
        `The input parameter "${name}" is more than 15 minutes off.`,
      );
    }
  }

  function checkCredentials(accessKeyId: string, token: string | undefined): void {
    if (accessKeyId !== credentials.accessKeyId) {
      throw new KmsError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
    }
    if (token !== credentials.securityToken) {
      throw new KmsError(
        400,
        'InvalidSecurityToken.MismatchWithAccessKey',
        'The security token does not match.',
      );
    }
  }

  function checkNonce(nonce: string): void {
    if (nonces.has(nonce)) {
      throw new KmsError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    }
    nonces.add(nonce);
  }

  function authenticateV1(method: string, params: Map<string, string>): void {
    for (const name of [
      'AccessKeyId',
      'SignatureMethod',
      'SignatureVersion',
      'SignatureNonce',
      'Timestamp',
    ]) {
      if (!params.has(name)) throw missing(name);
    }
    if (params.get('SignatureMethod') !== 'HMAC-SHA1') throw invalid('SignatureMethod must be HMAC-SHA1.');
    if (params.get('SignatureVersion') !== '1.0') throw invalid('SignatureVersion must be 1.0.');
    checkClock(params.get('Timestamp')!, 'Timestamp');
    checkCredentials(params.get('AccessKeyId')!, params.get('SecurityToken'));
    const unsigned = [...params].filter(([name]) => name !== 'Signature');
    const stringToSign = `${method}&${encode('/')}&${encode(canonicalize(unsigned))}`;
    const expected = createHmac('sha1', `${credentials.accessKeySecret}&`)
      .update(stringToSign)
      .digest('base64');
    if (!sameText(expected, params.get('Signature')!)) {
      throw mismatch(
        `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`,
      );
    }
    checkNonce(params.get('SignatureNonce')!);
  }

  function authenticateV3(request: IncomingMessage, url: URL, body: Buffer, authorization: string): void {
    const match = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
    if (match === null) throw invalid('The Authorization header is not of the ACS3-HMAC-SHA256 form.');
    const [, accessKeyId, signedHeaders, signature] = match as unknown as [string, string, string, string];
    for (const name of [
      'x-acs-action',
      'x-acs-version',
      'x-acs-date',
      'x-acs-signature-nonce',
      'x-acs-content-sha256',
    ]) {
      if (header(request, name) === undefined) throw missing(name);
    }
    checkClock(header(request, 'x-acs-date')!, 'x-acs-date');
    checkCredentials(accessKeyId, header(request, 'x-acs-security-token'));
    const signed = signedHeaders.split(';');
    const mustSign = Object.keys(request.headers).filter(
      (name) => name === 'host' || name === 'content-type' || name.startsWith('x-acs-'),
    );
    const unsignedHeader = mustSign.find((name) => !signed.includes(name));
    if (unsignedHeader !== undefined) throw mismatch(`The header ${unsignedHeader} must be signed.`);
    if ([...signed].sort().join(';') !== signedHeaders) throw mismatch('SignedHeaders must be sorted.');
    const payloadHash = createHash('sha256').update(body).digest('hex');
    if (header(request, 'x-acs-content-sha256') !== payloadHash) {
      throw mismatch('The x-acs-content-sha256 header is not the SHA-256 of the body.');
    }
    const canonicalRequest = [
      request.method,
      url.pathname,
      canonicalize(url.searchParams),
      signed.map((name) => `${name}:${(header(request, name) ?? '').trim()}\n`).join(''),
      signedHeaders,
      payloadHash,
    ].join('\n');
    const stringToSign = `ACS3-HMAC-SHA256\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
    const expected = createHmac('sha256', credentials.accessKeySecret).update(stringToSign).digest('hex');
    if (!sameText(expected, signature)) {
      throw mismatch(
        `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`,
      );
    }
    checkNonce(header(request, 'x-acs-signature-nonce')!);
  }

  function getPublicKey(params: Map<string, string>): Record<string, string> {
    const requested = params.get('KeyId');
    if (requested === undefined || requested === '') throw missing('KeyId');
    const keyVersionId = params.get('KeyVersionId');
    if (keyVersionId === undefined || keyVersionId === '') throw missing('KeyVersionId');
    let keyId = requested;
    if (requested.startsWith('alias/')) {
      const target = aliases.get(requested);
      if (target === undefined)
        throw new KmsError(404, 'Forbidden.AliasNotFound', `The alias ${requested} is not found.`);
      keyId = target;
    }
    const key = keys.get(`${keyId}\u0000${keyVersionId}`);
    if (key === undefined) {
      const what = keyIds.has(keyId) ? `The key version ${keyVersionId} of key ${keyId}` : `The key ${keyId}`;
      throw new KmsError(404, 'Forbidden.KeyNotFound', `${what} is not found.`);
    }
    if (key.disabled === true) throw new KmsError(403, 'Rejected.Disabled', `The key ${keyId} is disabled.`);
    return { KeyId: key.KeyId, KeyVersionId: key.KeyVersionId, PublicKey: key.PublicKey };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    const requestId = randomUUID().toUpperCase();
    const params = new Map<string, string>();
    let signatureVersion: LoggedRequest['signatureVersion'];
    let fault: KmsFault | undefined;

    const send = (status: number, payload: string, code?: string) => {
      response.writeHead(status, { 'content-type': 'application/json;charset=utf-8' }).end(payload);
      requests.push({
        method,
        action: params.get('Action') ?? header(request, 'x-acs-action'),
        signatureVersion,
        params: Object.fromEntries(params),
        status,
        code,
        fault: fault?.kind,
      });
    };
    const fail = (status: number, code: string, message: string) =>
      send(
        status,
        JSON.stringify({
          RequestId: requestId,
          HostId: header(request, 'host') ?? '127.0.0.1',
          Code: code,
          Message: message,
          Recommend: `https://api.aliyun.com/troubleshoot?q=${code}&product=Kms&requestId=${requestId}`,
        }),
        code,
      );

    try {
      const sources = [url.searchParams];
      if (
        method === 'POST' &&
        /^application\/x-www-form-urlencoded\b/.test(header(request, 'content-type') ?? '')
      ) {
        sources.push(new URLSearchParams(body.toString('utf8')));
      }
      for (const source of sources) {
        for (const [name, value] of source) {
          if (params.has(name)) throw invalid(`The parameter ${name} is given more than once.`);
          params.set(name, value);
        }
      }
      const authorization = header(request, 'authorization');
      signatureVersion = authorization !== undefined ? 'v3' : params.has('Signature') ? 'v1' : undefined;

      fault = drawFault();
      if (fault?.kind === 'delay') {
        const { ms } = fault;
        await new Promise((resolve) => setTimeout(resolve, ms));
      }
      if (fault?.kind === 'throttling' || fault?.kind === 'unavailable') {
        const [status, code, message] = FAULT_ANSWERS[fault.kind];
        return fail(status, code, message);
      }

      if (authorization !== undefined) authenticateV3(request, url, body, authorization);
      else if (params.has('Signature')) authenticateV1(method, params);
      else throw missing('Signature');

      const action = signatureVersion === 'v3' ? header(request, 'x-acs-action') : params.get('Action');
      const version = signatureVersion === 'v3' ? header(request, 'x-acs-version') : params.get('Version');
      if (action === undefined) throw missing('Action');
      if (version === undefined) throw missing('Version');
      if (version !== '2016-01-20') throw invalid(`The API version ${version} is not 2016-01-20.`);
      if (action !== 'GetPublicKey') {
        throw new KmsError(404, 'InvalidAction.NotFound', `The action ${action} is not served here.`);
      }
      const answer = JSON.stringify({ ...getPublicKey(params), RequestId: requestId });
      if (fault?.kind === 'malformed') return send(200, answer.slice(0, Math.floor(answer.length / 2)));
      send(200, answer);
    } catch (error) {
      if (!(error instanceof KmsError)) throw error;
      fail(error.status, error.code, error.message);
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const host = `127.0.0.1:${port}`;

  return {
    url: `http://${host}`,
    host,
    requests,
    credentials,
    setFaults(plan) {
      if (plan !== null && 'fraction' in plan && !(plan.fraction >= 0 && plan.fraction <= 1)) {
        throw new RangeError(`fault fraction must be within [0, 1], got ${plan.fraction}`);
      }
      faults = plan === null ? null : { plan, remaining: 'count' in plan ? plan.count : 0 };
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      });
    },
  };
}
