/**
 * aliyunKmsFetcher against the loopback KMS test server, which recomputes both signature versions
 * independently: real HTTP on 127.0.0.1 with an ephemeral port, started and stopped by each test.
 * Retries run on an injected sleep, so no test waits for real backoff.
 */

import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type AliyunKmsFetcherOptions, aliyunKmsFetcher } from '../../src/fetchers/aliyun.js';
import { type GetPublicKeyResponse, KeyRing, KmsVerifyError } from '../../src/index.js';
import {
  type FaultPlan,
  type KmsTestServer,
  startKmsTestServer,
  TEST_CREDENTIALS,
} from '../helpers/kms-test-server.js';

const sample = JSON.parse(
  readFileSync(new URL('../../vectors/sample/keys.json', import.meta.url), 'utf8'),
) as GetPublicKeyResponse[];
const [rsa, , p256, , sm2] = sample as [
  GetPublicKeyResponse,
  GetPublicKeyResponse,
  GetPublicKeyResponse,
  GetPublicKeyResponse,
  GetPublicKeyResponse,
];

let server: KmsTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: Parameters<typeof startKmsTestServer>[0] = {}) {
  server = await startKmsTestServer({
    keys: [...sample, { ...sm2, KeyId: 'key-disabled', disabled: true }],
    aliases: { 'alias/signing': p256.KeyId },
    ...options,
  });
  return server;
}

function fetcher(kms: KmsTestServer, options: Partial<AliyunKmsFetcherOptions> = {}) {
  const delays: number[] = [];
  const fetch = aliyunKmsFetcher({
    ...kms.credentials,
    endpoint: kms.url,
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 1,
    ...options,
  });
  return { fetch, delays };
}

async function failure(promise: Promise<unknown>): Promise<KmsVerifyError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(KmsVerifyError);
  return error as KmsVerifyError;
}

describe.each(['v1', 'v3'] as const)('signature %s', (signatureVersion) => {
  it('fetches a public key, signed as the server expects', async () => {
    const kms = await start();
    const { fetch } = fetcher(kms, { signatureVersion });
    const response = await fetch({ keyId: rsa.KeyId, keyVersionId: rsa.KeyVersionId });
    expect(response).toMatchObject({
      KeyId: rsa.KeyId,
      KeyVersionId: rsa.KeyVersionId,
      PublicKey: rsa.PublicKey,
    });
    expect(response.RequestId).toBeTypeOf('string');
    expect(kms.requests.map((request) => [request.action, request.signatureVersion, request.status])).toEqual(
      [['GetPublicKey', signatureVersion, 200]],
    );
  });

  it('with an STS token', async () => {
    const kms = await start({ credentials: { ...TEST_CREDENTIALS, securityToken: 'sts-token-123' } });
    const { fetch } = fetcher(kms, { signatureVersion });
    expect((await fetch({ keyId: p256.KeyId, keyVersionId: p256.KeyVersionId })).KeyId).toBe(p256.KeyId);
    const unsigned = aliyunKmsFetcher({ ...TEST_CREDENTIALS, endpoint: kms.url, signatureVersion });
    expect((await failure(unsigned({ keyId: p256.KeyId, keyVersionId: p256.KeyVersionId }))).code).toBe(
      'ERR_CREDENTIALS',
    );
  });

  it('maps KMS errors to typed errors with the KMS code and RequestId, and never leaks the secret', async () => {
    const kms = await start();
    const cases = [
      [
        () => fetcher(kms, { signatureVersion }).fetch({ keyId: 'key-missing', keyVersionId: 'v1' }),
        'ERR_KEY_NOT_FOUND',
        'Forbidden.KeyNotFound',
      ],
      [
        () => fetcher(kms, { signatureVersion }).fetch({ keyId: 'alias/none', keyVersionId: 'v1' }),
        'ERR_KEY_NOT_FOUND',
        'Forbidden.AliasNotFound',
      ],
      [
        () =>
          fetcher(kms, { signatureVersion }).fetch({ keyId: 'key-disabled', keyVersionId: sm2.KeyVersionId }),
        'ERR_KEY_DISABLED',
        'Rejected.Disabled',
      ],
      [
        () =>
          fetcher(kms, { signatureVersion, accessKeySecret: 'wrong-secret' }).fetch({
            keyId: rsa.KeyId,
            keyVersionId: rsa.KeyVersionId,
          }),
        'ERR_CREDENTIALS',
        'SignatureDoesNotMatch',
      ],
      [
        () =>
          fetcher(kms, { signatureVersion, accessKeyId: 'LTAI-unknown' }).fetch({
            keyId: rsa.KeyId,
            keyVersionId: rsa.KeyVersionId,
          }),
        'ERR_CREDENTIALS',
        'InvalidAccessKeyId.NotFound',
      ],
      [
        () =>
          fetcher(kms, { signatureVersion, now: () => new Date(Date.now() - 3_600_000) }).fetch({
            keyId: rsa.KeyId,
            keyVersionId: rsa.KeyVersionId,
          }),
        'ERR_FETCH_FAILED',
        'IllegalTimestamp',
      ],
    ] as const;
    // Each fetch starts only when it is awaited, so no rejection is ever left unobserved.
    for (const [start, code, kmsCode] of cases) {
      const error = await failure(start());
      expect(error.code).toBe(code);
      expect(error.kmsCode).toBe(kmsCode);
      expect(error.requestId).toBeTypeOf('string');
      expect(error.message).toContain(kmsCode);
      expect(error.message).toContain(error.requestId as string);
      for (const secret of [TEST_CREDENTIALS.accessKeySecret, 'wrong-secret'])
        expect(error.message).not.toContain(secret);
    }
  });
});

describe('retries', () => {
  it.each([
    ['throttling', 'Rejected.Throttling'],
    ['unavailable', 'ServiceUnavailableTemporary'],
  ] as const)('retries %s with exponential backoff, then succeeds', async (kind, kmsCode) => {
    const kms = await start();
    const plan: FaultPlan = { kind, count: 2 } as FaultPlan;
    kms.setFaults(plan);
    const { fetch, delays } = fetcher(kms, { baseDelay: 100, maxDelay: 2_000 });
    expect((await fetch({ keyId: rsa.KeyId, keyVersionId: rsa.KeyVersionId })).KeyId).toBe(rsa.KeyId);
    expect(delays).toEqual([100, 200]);
    expect(kms.requests.map((request) => request.code ?? request.status)).toEqual([kmsCode, kmsCode, 200]);
  });

  it('gives up after the configured retries with the last KMS error', async () => {
    const kms = await start();
    kms.setFaults({ kind: 'throttling', count: 100 });
    const { fetch, delays } = fetcher(kms, { retries: 3, baseDelay: 100, maxDelay: 250 });
    const error = await failure(fetch({ keyId: rsa.KeyId, keyVersionId: rsa.KeyVersionId }));
    expect(error.code).toBe('ERR_FETCH_FAILED');
    expect(error.kmsCode).toBe('Rejected.Throttling');
    expect(delays).toEqual([100, 200, 250]);
    expect(kms.requests).toHaveLength(4);
  });

  it('jitters the backoff with the injected random source', async () => {
    const kms = await start();
    kms.setFaults({ kind: 'unavailable', count: 2 });
    const { fetch, delays } = fetcher(kms, { random: () => 0.25, baseDelay: 100 });
    await fetch({ keyId: rsa.KeyId, keyVersionId: rsa.KeyVersionId });
    expect(delays).toEqual([25, 50]);
  });

  it('does not retry what retrying cannot fix', async () => {
    const kms = await start();
    const { fetch, delays } = fetcher(kms);
    await failure(fetch({ keyId: 'key-missing', keyVersionId: 'v1' }));
    kms.setFaults({ kind: 'malformed', count: 1 });
    const error = await failure(fetch({ keyId: rsa.KeyId, keyVersionId: rsa.KeyVersionId }));
    expect(error.code).toBe('ERR_FETCH_FAILED');
    expect(error.message).toContain('not JSON');
    expect(delays).toEqual([]);
    expect(kms.requests).toHaveLength(2);
  });

  it('times a slow request out, retries it, and reports a timeout when every attempt is slow', async () => {
    const kms = await start();
    kms.setFaults({ kind: 'delay', ms: 400, count: 10 });
    const { fetch, delays } = fetcher(kms, { requestTimeout: 100, retries: 1 });
    const error = await failure(fetch({ keyId: rsa.KeyId, keyVersionId: rsa.KeyVersionId }));
    expect(error.code).toBe('ERR_FETCH_TIMEOUT');
    expect(delays).toHaveLength(1);
  });

  it('network errors are retried', async () => {
    const kms = await start();
    const url = kms.url;
    await kms.close();
    server = undefined;
    const { fetch, delays } = fetcher({ ...kms, url } as KmsTestServer, { retries: 2 });
    const error = await failure(fetch({ keyId: rsa.KeyId, keyVersionId: rsa.KeyVersionId }));
    expect(error.code).toBe('ERR_FETCH_FAILED');
    expect(error.message).toContain('network error');
    expect(delays).toHaveLength(2);
  });
});

describe('through a KeyRing', () => {
  it('aliases resolve, a thousand concurrent verifies cause one GetPublicKey, not-found is cached', async () => {
    const kms = await start();
    const ring = new KeyRing({ fetcher: fetcher(kms).fetch });
    const keys = await Promise.all(
      Array.from({ length: 1000 }, () => ring.getKey('alias/signing', p256.KeyVersionId)),
    );
    expect(new Set(keys).size).toBe(1);
    expect((await ring.getKey(p256.KeyId, p256.KeyVersionId)).keySpec).toBe('EC_P256');
    await failure(ring.getKey('key-missing', 'v1'));
    await failure(ring.getKey('key-missing', 'v1'));
    expect(kms.requests.map((request) => request.params.KeyId)).toEqual(['alias/signing', 'key-missing']);
  });
});

describe('options', () => {
  it.each([
    [
      'neither region nor endpoint',
      { accessKeyId: 'a', accessKeySecret: 'b' },
      'exactly one of regionId and endpoint',
    ],
    [
      'both region and endpoint',
      { accessKeyId: 'a', accessKeySecret: 'b', regionId: 'cn-hangzhou', endpoint: 'https://x' },
      'exactly one',
    ],
    ['a bad region', { accessKeyId: 'a', accessKeySecret: 'b', regionId: 'Hangzhou!' }, 'is not a region id'],
    ['a bad endpoint', { accessKeyId: 'a', accessKeySecret: 'b', endpoint: 'not a url' }, 'is not a URL'],
    [
      'no secret',
      { accessKeyId: 'a', regionId: 'cn-hangzhou' },
      'accessKeySecret must be a non-empty string',
    ],
    [
      'an unknown signature version',
      { accessKeyId: 'a', accessKeySecret: 'b', regionId: 'cn-hangzhou', signatureVersion: 'v2' },
      'v1 or v3',
    ],
  ])('%s is a TypeError', (_what, options, fragment) => {
    expect(() => aliyunKmsFetcher(options as AliyunKmsFetcherOptions)).toThrow(TypeError);
    expect(() => aliyunKmsFetcher(options as AliyunKmsFetcherOptions)).toThrow(fragment);
  });

  it('builds the public and VPC endpoints from the region', async () => {
    const seen: string[] = [];
    const recordingFetch = (async (url: string) => {
      seen.push(url);
      throw new TypeError('offline');
    }) as unknown as typeof fetch;
    for (const vpc of [false, true]) {
      const fetch = aliyunKmsFetcher({
        accessKeyId: 'a',
        accessKeySecret: 'b',
        regionId: 'cn-hangzhou',
        vpc,
        fetch: recordingFetch,
        retries: 0,
      });
      await failure(fetch({ keyId: 'k', keyVersionId: 'v' }));
    }
    expect(seen).toEqual([
      'https://kms.cn-hangzhou.aliyuncs.com/',
      'https://kms-vpc.cn-hangzhou.aliyuncs.com/',
    ]);
  });
});
