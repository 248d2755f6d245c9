/**
 * Our aliyunKmsFetcher and KeyRing against the emulator: both signature versions, with and without
 * STS, by id and by alias; then the retry, backoff and timeout paths against injected faults
 * (throttling by count and by fraction, 503, a malformed body, latency). Sleeps are injected and
 * recorded, so the backoff schedule is asserted exactly and the loops stay short and bounded.
 */

import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { signDigest } from '../../src/emulator/signing.js';
import {
  type AliyunKmsFetcherOptions,
  aliyunKmsFetcher,
  CredentialsError,
  FetchError,
  FetchTimeoutError,
  KeyDisabledError,
  KeyNotFoundError,
  KeyRing,
} from '../../src/index.js';

const PAIR = { accessKeyId: 'LTAI-fetcher', accessKeySecret: 'fetcher-secret' };
const STS = { accessKeyId: 'STS.fetcher', accessKeySecret: 'sts-secret', securityToken: 'sts-token' };

/** Every other draw is below 0.5: a `fraction: 0.5` plan fires on exactly every other call. */
let draws = 0;
const alternating = () => (draws++ % 2 === 0 ? 0.25 : 0.75);

let emulator: RunningEmulator;
let key: { keyId: string; keyVersionId: string };

beforeAll(async () => {
  emulator = await startEmulator({ credentials: [PAIR, STS], random: alternating });
  key = emulator.store.createKey({ keySpec: 'EC_P256K', keyUsage: 'SIGN/VERIFY', alias: 'alias/fetched' });
});

afterAll(async () => {
  await emulator.close();
});

afterEach(() => {
  emulator.setFaults([]);
});

function fetcherWith(options: Partial<AliyunKmsFetcherOptions> = {}, sleeps: number[] = []) {
  return aliyunKmsFetcher({
    ...PAIR,
    endpoint: emulator.url,
    random: () => 1, // the backoff's full jitter at its ceiling: delays are exactly base * 2^n
    sleep: async (milliseconds) => {
      sleeps.push(milliseconds);
    },
    ...options,
  });
}

const request = () => ({ keyId: key.keyId, keyVersionId: key.keyVersionId });
const publicKeyPem = () =>
  emulator.store.version(emulator.store.key(key.keyId), key.keyVersionId).material.publicKeyPem;

describe('aliyunKmsFetcher against the emulator', () => {
  it.each([
    ['v1', 'an AccessKey pair', PAIR],
    ['v3', 'an AccessKey pair', PAIR],
    ['v1', 'STS', STS],
    ['v3', 'STS', STS],
  ] as const)('fetches with signature %s and %s', async (signatureVersion, _kind, credentials) => {
    const fetcher = fetcherWith({ ...credentials, signatureVersion });
    const byId = await fetcher(request());
    expect(byId).toMatchObject({
      KeyId: key.keyId,
      KeyVersionId: key.keyVersionId,
      PublicKey: publicKeyPem(),
    });
    const byAlias = await fetcher({ keyId: 'alias/fetched', keyVersionId: key.keyVersionId });
    expect(byAlias.KeyId).toBe(key.keyId);
    const last = emulator.requests.recent().at(-1);
    expect(last).toMatchObject({ action: 'GetPublicKey', signatureVersion, status: 200 });
  });

  it('maps the emulator answers to the typed errors', async () => {
    const fetcher = fetcherWith();
    await expect(fetcher({ keyId: 'key-missing', keyVersionId: key.keyVersionId })).rejects.toThrow(
      KeyNotFoundError,
    );
    await expect(fetcher({ ...request(), keyVersionId: 'no-such-version' })).rejects.toMatchObject({
      kmsCode: 'Forbidden.KeyVersionNotFound',
    });
    await expect(fetcherWith({ accessKeySecret: 'wrong' })(request())).rejects.toThrow(CredentialsError);
    await expect(fetcherWith({ ...STS, securityToken: 'stale' })(request())).rejects.toMatchObject({
      code: 'ERR_CREDENTIALS',
      kmsCode: 'InvalidSecurityToken.MismatchWithAccessKey',
    });
    const disabled = emulator.store.createKey({ keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY' });
    emulator.store.disableKey(disabled.keyId);
    const error = await fetcher(disabled).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KeyDisabledError);
    expect(error).toMatchObject({
      kmsCode: 'Rejected.Disabled',
      requestId: expect.stringMatching(/^[0-9A-F-]{36}$/),
    });
  });

  it('feeds a KeyRing that verifies what the emulator signed', async () => {
    const ring = new KeyRing({ fetcher: fetcherWith({ signatureVersion: 'v1' }) });
    const message = new TextEncoder().encode('signed in the emulator');
    const version = emulator.store.version(emulator.store.key(key.keyId), key.keyVersionId);
    const signature = signDigest(
      version.material,
      'ECDSA_SHA_256',
      createHash('sha256').update(message).digest(),
    );
    const reference = { keyId: 'alias/fetched', keyVersionId: key.keyVersionId };
    expect(await ring.verify({ ...reference, algorithm: 'ECDSA_SHA_256', message, signature })).toBe(true);
    expect(
      await ring.verify({
        ...reference,
        algorithm: 'ECDSA_SHA_256',
        message: message.subarray(1),
        signature,
      }),
    ).toBe(false);
    expect(ring.stats().fetches).toBe(1);
  });
});

describe('retry and backoff against injected faults', () => {
  it('retries throttling with exponential backoff and then succeeds', async () => {
    emulator.setFaults([{ kind: 'throttling', count: 2, actions: ['GetPublicKey'] }]);
    const sleeps: number[] = [];
    const before = emulator.requests.byCode()['Rejected.Throttling'] ?? 0;
    const response = await fetcherWith({ baseDelay: 100, retries: 3 }, sleeps)(request());
    expect(response.KeyId).toBe(key.keyId);
    expect(sleeps).toEqual([100, 200]);
    expect((emulator.requests.byCode()['Rejected.Throttling'] ?? 0) - before).toBe(2);
  });

  it('gives up after the configured retries on a 503 that does not end, as a retryable FetchError', async () => {
    emulator.setFaults([{ kind: 'unavailable' }]);
    const sleeps: number[] = [];
    const before = emulator.requests.total;
    const error = await fetcherWith(
      { baseDelay: 10, maxDelay: 25, retries: 4 },
      sleeps,
    )(request()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FetchError);
    expect(error).toMatchObject({ retryable: true, kmsCode: 'ServiceUnavailableTemporary' });
    expect(sleeps).toEqual([10, 20, 25, 25]);
    expect(emulator.requests.total - before).toBe(5);
  });

  it('does not retry a malformed 200 body', async () => {
    emulator.setFaults([{ kind: 'malformed', count: 1 }]);
    const sleeps: number[] = [];
    const error = await fetcherWith({}, sleeps)(request()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FetchError);
    expect((error as Error).message).toMatch(/not JSON/);
    expect(sleeps).toEqual([]);
    expect(await fetcherWith()(request())).toMatchObject({ KeyId: key.keyId });
  });

  it('retries every other call throttled by a fraction, with no error reaching the caller', async () => {
    draws = 0;
    emulator.setFaults([{ kind: 'throttling', fraction: 0.5 }]);
    emulator.requests.clear();
    const fetcher = fetcherWith({ retries: 1 });
    for (let index = 0; index < 20; index++) expect((await fetcher(request())).KeyId).toBe(key.keyId);
    expect(emulator.requests.byCode()).toEqual({ OK: 20, 'Rejected.Throttling': 20 });
  });

  // The delays are far longer than the request timeouts (close() cuts them short), and the timeout
  // the retry must beat is a second: a loaded CI machine can take 100 ms over a loopback call.
  it('times out a slow answer and retries it within the KeyRing', async () => {
    emulator.setFaults([{ kind: 'delay', ms: 30_000, count: 1 }]);
    const sleeps: number[] = [];
    const ring = new KeyRing({
      fetcher: fetcherWith({ requestTimeout: 1_000, retries: 2 }, sleeps),
      fetchTimeout: 20_000,
    });
    const parsed = await ring.getKey(key.keyId, key.keyVersionId);
    expect(parsed.keySpec).toBe('EC_P256K');
    expect(sleeps).toHaveLength(1);
    expect(emulator.faults()).toEqual([{ kind: 'delay', ms: 30_000, count: 1, remaining: 0 }]);
  });

  it('reports the timeout when every answer is too slow', async () => {
    emulator.setFaults([{ kind: 'delay', ms: 30_000 }]);
    const error = await fetcherWith({ requestTimeout: 50, retries: 1 })(request()).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(FetchTimeoutError);
  });
});
