/**
 * Alibaba Cloud request signing against the published examples in ../shared/vectors (v1: ECS and
 * KMS doc pages; v3: the official fixed-parameter example and its second header table), plus
 * property tests of percent-encoding and of both signatures against independent node:crypto code.
 */

import { createHash, createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalQueryString,
  computeSignatureV1,
  computeSignatureV3,
  formatTimestamp,
  KMS_API_VERSION,
  percentEncode,
  signKmsParametersV1,
  signKmsRequestV3,
} from '../../src/fetchers/aliyun-signature.js';

/** The independent reference: encodeURIComponent leaves !'()* alone, RFC 3986 does not. */
function referenceEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

// ------------------------------------------------------------------------------------------------
// Published vectors

interface V1Case {
  readonly source: string;
  readonly method: string;
  readonly accessKeySecret: string;
  readonly params: Record<string, string>;
  readonly stringToSign?: string;
  readonly signature: string;
}

interface V3Case {
  readonly source: string;
  readonly method: string;
  readonly host: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly query: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly hashedCanonicalRequest?: string;
  readonly signature: string;
}

interface V3DerivedCase {
  readonly source: string;
  readonly same_as: string;
  readonly headers_override: Record<string, string>;
  readonly signature: string;
}

type VectorCase = V1Case | V3Case | V3DerivedCase;

const vectorPath = fileURLToPath(
  new URL('../../../shared/vectors/aliyun-signature/official.json', import.meta.url),
);
const vectorsPresent = existsSync(vectorPath);
if (!vectorsPresent) {
  console.warn(`SKIPPING the published Alibaba Cloud signature vectors: ${vectorPath} does not exist`);
}

function loadCases(): [string, VectorCase][] {
  const file = JSON.parse(readFileSync(vectorPath, 'utf8')) as { cases: Record<string, VectorCase> };
  return Object.entries(file.cases);
}

function resolveV3(name: string, entry: V3Case | V3DerivedCase, all: Map<string, VectorCase>): V3Case {
  if (!('same_as' in entry)) return entry;
  const base = all.get(entry.same_as);
  if (base === undefined || !('host' in base))
    throw new Error(`${name}: same_as ${entry.same_as} is not a v3 case`);
  // The derived case keeps the base's inputs but not its expected intermediate values.
  const { hashedCanonicalRequest: _unused, ...inputs } = base;
  return {
    ...inputs,
    source: entry.source,
    headers: { ...base.headers, ...entry.headers_override },
    signature: entry.signature,
  };
}

describe.skipIf(!vectorsPresent)('published signature vectors', () => {
  const cases = vectorsPresent ? loadCases() : [];
  const all = new Map(cases);
  const v1 = cases.filter((entry): entry is [string, V1Case] => 'params' in entry[1]);
  const v3 = cases.filter((entry): entry is [string, V3Case | V3DerivedCase] => !('params' in entry[1]));

  it('holds the cases this suite knows: three v1, two v3', () => {
    expect(v1.map(([name]) => name)).toEqual([
      'A_ECS_DescribeRegions',
      'B_ECS_DescribeRegions_TimeStamp',
      'C_KMS_CreateKey',
    ]);
    expect(v3.map(([name]) => name)).toEqual(['V3_official', 'V3_official_b']);
  });

  it.each(v1)('v1 %s', async (_name, entry) => {
    const result = await computeSignatureV1({
      method: entry.method,
      params: entry.params,
      accessKeySecret: entry.accessKeySecret,
    });
    if (entry.stringToSign !== undefined) expect(result.stringToSign).toBe(entry.stringToSign);
    expect(result.signature).toBe(entry.signature);
  });

  it('v1 C_KMS_CreateKey: the signature the KMS doc page prints is not the right one', async () => {
    const entry = all.get('C_KMS_CreateKey') as V1Case;
    const { signature } = await computeSignatureV1(entry);
    expect(signature).not.toBe('s/OdVWMTmNGagvWlljdAJ7Itsew=');
  });

  it.each(v3)('v3 %s', async (name, entry) => {
    const resolved = resolveV3(name, entry, all);
    const result = await computeSignatureV3({
      method: resolved.method,
      host: resolved.host,
      query: resolved.query,
      headers: resolved.headers,
      body: resolved.body,
      accessKeyId: resolved.accessKeyId,
      accessKeySecret: resolved.accessKeySecret,
    });
    if (resolved.hashedCanonicalRequest !== undefined) {
      expect(result.hashedCanonicalRequest).toBe(resolved.hashedCanonicalRequest);
    }
    expect(result.signature).toBe(resolved.signature);
    expect(result.authorization).toBe(
      `ACS3-HMAC-SHA256 Credential=${resolved.accessKeyId},SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=${resolved.signature}`,
    );
    console.log(`v3 ${name}: ${resolved.source}`);
  });
});

// ------------------------------------------------------------------------------------------------
// Percent-encoding

describe('percentEncode', () => {
  it.each([
    ['space', ' ', '%20'],
    ['asterisk', '*', '%2A'],
    ['tilde', '~', '~'],
    ['slash', '/', '%2F'],
    ['plus', '+', '%2B'],
    ['equals', '=', '%3D'],
    ['ampersand', '&', '%26'],
    ['percent', '%', '%25'],
    ["!'()", "!'()", '%21%27%28%29'],
    ['colon (timestamps)', '12:46:24', '12%3A46%3A24'],
    ['unreserved ASCII', 'AZaz09-_.~', 'AZaz09-_.~'],
    ['two-byte UTF-8', 'é', '%C3%A9'],
    ['three-byte UTF-8', '中', '%E4%B8%AD'],
    ['four-byte UTF-8 (a surrogate pair)', '😀', '%F0%9F%98%80'],
    ['NUL', '\u0000', '%00'],
    ['empty', '', ''],
  ])('%s', (_name, input, expected) => {
    expect(percentEncode(input)).toBe(expected);
  });

  it('agrees with encodeURIComponent plus the RFC 3986 fix-ups on any well-formed string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (value) => {
        expect(percentEncode(value)).toBe(referenceEncode(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('output is only unreserved characters and upper-case %XX', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        expect(percentEncode(value)).toMatch(/^(?:[A-Za-z0-9\-_.~]|%[0-9A-F]{2})*$/);
      }),
    );
  });

  it('refuses a lone surrogate, which has no UTF-8 form, with a TypeError', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme-ascii', maxLength: 5 }),
        fc.integer({ min: 0xd800, max: 0xdfff }),
        fc.string({ unit: 'grapheme-ascii', maxLength: 5 }),
        (before, surrogate, after) => {
          expect(() => percentEncode(before + String.fromCharCode(surrogate) + after)).toThrow(TypeError);
        },
      ),
    );
  });

  it('refuses a non-string with a TypeError', () => {
    expect(() => percentEncode(5 as unknown as string)).toThrow(TypeError);
  });
});

describe('canonicalQueryString', () => {
  it('sorts by encoded name in byte order, upper case before lower case', () => {
    expect(canonicalQueryString({ b: '2', a: '1', B: 'x y', 'a b': '*' })).toBe('B=x%20y&a=1&a%20b=%2A&b=2');
  });

  it('does not depend on the order of the parameters', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.string({ unit: 'binary', maxLength: 8 }), fc.string({ maxLength: 8 })), {
          selector: ([name]) => name,
          maxLength: 10,
        }),
        (pairs) => {
          const forward = canonicalQueryString(Object.fromEntries(pairs));
          expect(canonicalQueryString(Object.fromEntries([...pairs].reverse()))).toBe(forward);
          expect(new URLSearchParams(forward).size).toBe(pairs.length);
        },
      ),
    );
  });

  it('refuses a parameter that is not a string', () => {
    expect(() => canonicalQueryString({ KeyId: 5 } as unknown as Record<string, string>)).toThrow(
      'parameter "KeyId" must be a string',
    );
  });
});

// ------------------------------------------------------------------------------------------------
// Both signatures against node:crypto

const paramsArbitrary = fc.dictionary(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 10 }).filter((name) => name !== 'Signature'),
  fc.string({ unit: 'binary', maxLength: 20 }),
  { maxKeys: 8 },
);

describe('computeSignatureV1', () => {
  it('matches a node:crypto HMAC-SHA1 over an independently built StringToSign', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST'),
        paramsArbitrary,
        fc.string({ minLength: 1, maxLength: 30 }),
        async (method, params, secret) => {
          const query = Object.entries(params)
            .map(([name, value]) => [referenceEncode(name), referenceEncode(value)] as const)
            .sort(([left], [right]) => Buffer.compare(Buffer.from(left), Buffer.from(right)))
            .map(([name, value]) => `${name}=${value}`)
            .join('&');
          const stringToSign = `${method}&%2F&${referenceEncode(query)}`;
          const result = await computeSignatureV1({ method, params, accessKeySecret: secret });
          expect(result.stringToSign).toBe(stringToSign);
          expect(result.signature).toBe(
            createHmac('sha1', `${secret}&`).update(stringToSign).digest('base64'),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it.each([
    ['a method with a space', { method: 'G ET', params: {}, accessKeySecret: 's' }, TypeError],
    ['an empty secret', { method: 'GET', params: {}, accessKeySecret: '' }, TypeError],
    ['a numeric parameter', { method: 'GET', params: { A: 1 }, accessKeySecret: 's' }, TypeError],
    ['a Signature parameter', { method: 'GET', params: { Signature: 'x' }, accessKeySecret: 's' }, TypeError],
  ])('refuses %s', async (_name, input, type) => {
    await expect(computeSignatureV1(input as never)).rejects.toThrow(type);
  });
});

describe('signKmsParametersV1', () => {
  const fixed = {
    action: 'GetPublicKey',
    params: { KeyId: 'key-1', KeyVersionId: 'version-1' },
    accessKeyId: 'testid',
    accessKeySecret: 'testsecret',
    now: () => new Date('2024-05-06T07:08:09.123Z'),
    nonce: () => 'nonce-1',
  };

  it('sets every common parameter and signs them all', async () => {
    const params = await signKmsParametersV1({
      ...fixed,
      securityToken: 'sts token',
      regionId: 'cn-hangzhou',
    });
    const { Signature, ...unsigned } = params;
    expect(unsigned).toEqual({
      Action: 'GetPublicKey',
      Version: KMS_API_VERSION,
      Format: 'JSON',
      AccessKeyId: 'testid',
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      SignatureNonce: 'nonce-1',
      Timestamp: '2024-05-06T07:08:09Z',
      SecurityToken: 'sts token',
      RegionId: 'cn-hangzhou',
      KeyId: 'key-1',
      KeyVersionId: 'version-1',
    });
    const expected = await computeSignatureV1({
      method: 'GET',
      params: unsigned,
      accessKeySecret: 'testsecret',
    });
    expect(Signature).toBe(expected.signature);
    const post = await signKmsParametersV1({ ...fixed, method: 'POST' });
    expect(post.Signature).not.toBe((await signKmsParametersV1(fixed)).Signature);
    expect(Object.isFrozen(params)).toBe(true);
  });

  it('draws a fresh random nonce and the current time by default', async () => {
    const { now: _now, nonce: _nonce, ...rest } = fixed;
    const [first, second] = await Promise.all([signKmsParametersV1(rest), signKmsParametersV1(rest)]);
    expect(first.SignatureNonce).toMatch(/^[0-9a-f]{32}$/);
    expect(first.SignatureNonce).not.toBe(second.SignatureNonce);
    expect(Math.abs(Date.parse(first.Timestamp!) - Date.now())).toBeLessThan(5_000);
  });

  it.each([
    ['a common parameter among the params', { params: { AccessKeyId: 'x' } }, 'common parameter AccessKeyId'],
    ['Signature among the params', { params: { Signature: 'x' } }, 'common parameter Signature'],
    ['an empty action', { action: '' }, 'action must be a non-empty string'],
    ['an invalid clock', { now: () => new Date(Number.NaN) }, 'valid Date'],
    ['an empty nonce', { nonce: () => '' }, 'nonce must be a non-empty string'],
  ])('refuses %s', async (_name, change, fragment) => {
    await expect(signKmsParametersV1({ ...fixed, ...change })).rejects.toThrow(fragment);
  });
});

describe('computeSignatureV3', () => {
  const base = {
    method: 'POST',
    host: 'kms.cn-hangzhou.aliyuncs.com',
    accessKeyId: 'id',
    accessKeySecret: 'secret',
    headers: { 'X-Acs-Action': 'GetPublicKey', 'x-acs-date': ' 2024-01-01T00:00:00Z ', 'User-Agent': 'test' },
  };

  it('signs host, content-type and x-acs-* only, lower-cased, values trimmed, and the STS token', async () => {
    const result = await computeSignatureV3({
      ...base,
      headers: { ...base.headers, 'Content-Type': 'application/x-www-form-urlencoded' },
      query: { 'a b': 'c*' },
      body: 'KeyId=k',
      securityToken: 'token',
    });
    const bodyHash = createHash('sha256').update('KeyId=k').digest('hex');
    const canonical = [
      'POST',
      '/',
      'a%20b=c%2A',
      'content-type:application/x-www-form-urlencoded\nhost:kms.cn-hangzhou.aliyuncs.com\n' +
        `x-acs-action:GetPublicKey\nx-acs-content-sha256:${bodyHash}\nx-acs-date:2024-01-01T00:00:00Z\n` +
        'x-acs-security-token:token\n',
      'content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token',
      bodyHash,
    ].join('\n');
    expect(result.canonicalRequest).toBe(canonical);
    const hashed = createHash('sha256').update(canonical).digest('hex');
    expect(result.hashedCanonicalRequest).toBe(hashed);
    expect(result.signature).toBe(
      createHmac('sha256', 'secret').update(`ACS3-HMAC-SHA256\n${hashed}`).digest('hex'),
    );
    expect(result.headers).toMatchObject({
      'user-agent': 'test',
      'x-acs-security-token': 'token',
      'x-acs-content-sha256': bodyHash,
      authorization: result.authorization,
    });
  });

  it('hashes a byte body the same as the equal string', async () => {
    const text = await computeSignatureV3({ ...base, body: 'é' });
    const bytes = await computeSignatureV3({ ...base, body: new TextEncoder().encode('é') });
    expect(bytes.signature).toBe(text.signature);
  });

  it.each([
    ['a Host header', { headers: { Host: 'x' } }, 'must not set host'],
    ['an Authorization header', { headers: { authorization: 'x' } }, 'must not set authorization'],
    ['a header twice in two cases', { headers: { 'x-acs-a': '1', 'X-ACS-A': '2' } }, 'given twice'],
    ['a relative path', { path: 'x' }, "path must start with '/'"],
    ['an empty host', { host: '' }, 'host must be a non-empty string'],
    ['an empty access key id', { accessKeyId: '' }, 'accessKeyId must be a non-empty string'],
  ])('refuses %s', async (_name, change, fragment) => {
    await expect(computeSignatureV3({ ...base, ...change })).rejects.toThrow(fragment);
  });
});

describe('signKmsRequestV3', () => {
  const fixed = {
    host: '127.0.0.1:8080',
    action: 'GetPublicKey',
    params: { KeyId: 'alias/my key', KeyVersionId: 'v' },
    accessKeyId: 'id',
    accessKeySecret: 'secret',
    now: () => new Date('2024-05-06T07:08:09.999Z'),
    nonce: () => 'n',
  };

  it('puts the parameters in the query by default', async () => {
    const request = await signKmsRequestV3(fixed);
    expect(request.method).toBe('POST');
    expect(request.pathAndQuery).toBe('/?KeyId=alias%2Fmy%20key&KeyVersionId=v');
    expect(request.body).toBe('');
    expect(request.headers).toMatchObject({
      'x-acs-action': 'GetPublicKey',
      'x-acs-version': '2016-01-20',
      'x-acs-date': '2024-05-06T07:08:09Z',
      'x-acs-signature-nonce': 'n',
      host: '127.0.0.1:8080',
    });
  });

  it('or in a form body, with its content type signed', async () => {
    const request = await signKmsRequestV3({ ...fixed, parametersIn: 'body' });
    expect(request.pathAndQuery).toBe('/');
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual(fixed.params);
    expect(request.authorization).toContain('SignedHeaders=content-type;host;');
  });

  it('refuses a body on a GET', async () => {
    await expect(signKmsRequestV3({ ...fixed, method: 'GET', parametersIn: 'body' })).rejects.toThrow(
      'a GET request has no body',
    );
  });
});

describe('formatTimestamp', () => {
  it('is ISO 8601 UTC without milliseconds', () => {
    expect(formatTimestamp(new Date(Date.UTC(2016, 1, 23, 12, 46, 24, 789)))).toBe('2016-02-23T12:46:24Z');
  });
});
