/**
 * The key ring with an injected clock and a counting fetcher: single flight, negative caching,
 * alias expiry and re-binding, integrity checks, pinning, eviction, max age, timeouts, snapshots,
 * and verify/encrypt through the ring on the shipped sample keys.
 */

import { constants, createHash, createPrivateKey, privateDecrypt, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type BundleEntry,
  bundleFetcher,
  FetchError,
  type GetPublicKeyRequest,
  type GetPublicKeyResponse,
  KeyNotFoundError,
  KeyRing,
  type KeyRingEvent,
  type KeyRingOptions,
  KmsVerifyError,
  publicKeyFingerprint,
} from '../../src/index.js';
import { KeyRing as NodeKeyRing } from '../../src/node/index.js';

const sample = JSON.parse(
  readFileSync(new URL('../../vectors/sample/keys.json', import.meta.url), 'utf8'),
) as GetPublicKeyResponse[];
const [rsa2048, , p256, , sm2] = sample as [
  GetPublicKeyResponse,
  GetPublicKeyResponse,
  GetPublicKeyResponse,
  GetPublicKeyResponse,
  GetPublicKeyResponse,
];
const privatePem = (spec: string) =>
  readFileSync(new URL(`../../vectors/keys/${spec}/private.pem`, import.meta.url));

/** A fetcher over the sample that counts calls and can be told to fail or answer strangely. */
function countingFetcher(responses: readonly GetPublicKeyResponse[] = sample) {
  const calls: GetPublicKeyRequest[] = [];
  const state = {
    calls,
    failWith: undefined as unknown,
    rewrite: undefined as
      | ((response: GetPublicKeyResponse, request: GetPublicKeyRequest) => GetPublicKeyResponse)
      | undefined,
    aliases: new Map<string, string>(),
    hang: false,
    fetcher: async (request: GetPublicKeyRequest): Promise<GetPublicKeyResponse> => {
      calls.push(request);
      await Promise.resolve();
      if (state.hang) return new Promise(() => {});
      if (state.failWith !== undefined) throw state.failWith;
      const keyId = state.aliases.get(request.keyId) ?? request.keyId;
      const found = responses.find(
        (entry) => entry.KeyId === keyId && entry.KeyVersionId === request.keyVersionId,
      );
      if (found === undefined)
        throw new KeyNotFoundError(`no key ${request.keyId}`, { kmsCode: 'Forbidden.KeyNotFound' });
      return state.rewrite ? state.rewrite(found, request) : found;
    },
  };
  return state;
}

function ring(options: Partial<KeyRingOptions> & { fetcher: KeyRingOptions['fetcher'] }) {
  let clock = 1_000_000;
  const events: KeyRingEvent[] = [];
  const keyRing = new KeyRing({ now: () => clock, onEvent: (event) => events.push(event), ...options });
  return { keyRing, events, advance: (ms: number) => (clock += ms) };
}

const ref = (entry: GetPublicKeyResponse) => [entry.KeyId, entry.KeyVersionId] as const;

async function failure(promise: Promise<unknown>): Promise<KmsVerifyError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(KmsVerifyError);
  return error as KmsVerifyError;
}

describe('KeyRing caching', () => {
  it('1,000 concurrent misses cause exactly one fetch and share its key', async () => {
    const source = countingFetcher();
    const { keyRing } = ring({ fetcher: source.fetcher });
    const keys = await Promise.all(Array.from({ length: 1000 }, () => keyRing.getKey(...ref(p256))));
    expect(source.calls).toHaveLength(1);
    expect(new Set(keys).size).toBe(1);
    expect(keyRing.stats()).toMatchObject({ fetches: 1, misses: 1, coalesced: 999, hits: 0, size: 1 });
    await keyRing.getKey(...ref(p256));
    expect(keyRing.stats().hits).toBe(1);
  });

  it('concurrent callers of a failing fetch all see the same typed error, and it is not cached', async () => {
    const source = countingFetcher();
    source.failWith = new FetchError('throttled', { kmsCode: 'Rejected.Throttling', retryable: true });
    const { keyRing } = ring({ fetcher: source.fetcher });
    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, () => keyRing.getKey(...ref(p256))));
    expect(source.calls).toHaveLength(1);
    expect(
      outcomes.every(
        (outcome) =>
          outcome.status === 'rejected' && (outcome.reason as KmsVerifyError).code === 'ERR_FETCH_FAILED',
      ),
    ).toBe(true);
    source.failWith = undefined;
    await keyRing.getKey(...ref(p256));
    expect(source.calls).toHaveLength(2);
    expect(keyRing.stats().fetchErrors).toEqual({ ERR_FETCH_FAILED: 1 });
  });

  it('remembers "not found" for the cooldown, then asks again', async () => {
    const source = countingFetcher();
    const { keyRing, advance } = ring({ fetcher: source.fetcher, notFoundCooldown: 30_000 });
    for (let attempt = 0; attempt < 5; attempt++) {
      const error = await failure(keyRing.getKey('key-unknown', 'v1'));
      expect(error.code).toBe('ERR_KEY_NOT_FOUND');
      expect(error.kmsCode).toBe('Forbidden.KeyNotFound');
    }
    expect(source.calls).toHaveLength(1);
    expect(keyRing.stats().negativeHits).toBe(4);
    advance(30_001);
    await failure(keyRing.getKey('key-unknown', 'v1'));
    expect(source.calls).toHaveLength(2);
  });

  it('wraps an untyped fetcher failure in FetchError with the cause', async () => {
    const source = countingFetcher();
    const cause = new Error('socket hang up');
    source.failWith = cause;
    const { keyRing } = ring({ fetcher: source.fetcher });
    const error = await failure(keyRing.getKey(...ref(p256)));
    expect(error.code).toBe('ERR_FETCH_FAILED');
    expect(error.message).toContain('socket hang up');
    expect(error.cause).toBe(cause);
  });

  it('bounds the number of entries, evicting the least recently used', async () => {
    const source = countingFetcher();
    const { keyRing, events } = ring({ fetcher: source.fetcher, max: 3 });
    for (const entry of sample) await keyRing.getKey(...ref(entry));
    expect(keyRing.stats()).toMatchObject({ size: 3, evictions: 2 });
    expect(
      events.filter((event) => event.type === 'evict').map((event) => (event as { keyId: string }).keyId),
    ).toEqual([sample[0]?.KeyId, sample[1]?.KeyId]);
    await keyRing.getKey(...ref(rsa2048));
    expect(source.calls).toHaveLength(6);
  });

  it('keeps entries forever by default, and only maxAge when asked', async () => {
    const source = countingFetcher();
    const forever = ring({ fetcher: source.fetcher });
    await forever.keyRing.getKey(...ref(sm2));
    forever.advance(365 * 24 * 3600_000);
    await forever.keyRing.getKey(...ref(sm2));
    expect(source.calls).toHaveLength(1);
    const aged = ring({ fetcher: source.fetcher, maxAge: 60_000 });
    await aged.keyRing.getKey(...ref(sm2));
    aged.advance(59_000);
    await aged.keyRing.getKey(...ref(sm2));
    aged.advance(2_000);
    await aged.keyRing.getKey(...ref(sm2));
    expect(source.calls).toHaveLength(3);
  });
});

describe('KeyRing aliases', () => {
  it('resolves an alias through the fetch, then locally until the alias expires; the key entry stays', async () => {
    const source = countingFetcher();
    source.aliases.set('alias/signing', p256.KeyId);
    const { keyRing, advance, events } = ring({ fetcher: source.fetcher, aliasTtl: 300_000 });
    const viaAlias = await keyRing.getKey('alias/signing', p256.KeyVersionId);
    expect(events).toContainEqual({ type: 'alias-resolved', alias: 'alias/signing', keyId: p256.KeyId });
    expect(await keyRing.getKey('alias/signing', p256.KeyVersionId)).toBe(viaAlias);
    expect(await keyRing.getKey(...ref(p256))).toBe(viaAlias);
    expect(source.calls).toHaveLength(1);
    expect(keyRing.stats().aliasHits).toBe(1);
    advance(300_001);
    expect(await keyRing.getKey('alias/signing', p256.KeyVersionId)).toBe(viaAlias);
    expect(source.calls).toHaveLength(2);
  });

  it('follows a re-bound alias once the binding expires', async () => {
    const rebound = { ...sm2, KeyVersionId: p256.KeyVersionId };
    const source = countingFetcher([...sample, rebound]);
    source.aliases.set('alias/current', p256.KeyId);
    const { keyRing, advance } = ring({ fetcher: source.fetcher, aliasTtl: 1_000 });
    expect((await keyRing.getKey('alias/current', p256.KeyVersionId)).keySpec).toBe('EC_P256');
    source.aliases.set('alias/current', sm2.KeyId);
    expect((await keyRing.getKey('alias/current', p256.KeyVersionId)).keySpec).toBe('EC_P256');
    advance(1_001);
    expect((await keyRing.getKey('alias/current', p256.KeyVersionId)).keySpec).toBe('EC_SM2');
  });
});

describe('KeyRing integrity', () => {
  it.each([
    [
      'another key version',
      (response: GetPublicKeyResponse) => ({ ...response, KeyVersionId: 'v-other' }),
      'the response is for version v-other',
    ],
    [
      'another key id',
      (response: GetPublicKeyResponse) => ({ ...response, KeyId: 'key-other' }),
      'the response names key-other',
    ],
    [
      'an unparseable key',
      (response: GetPublicKeyResponse) => ({ ...response, PublicKey: 'garbage' }),
      'neither PEM nor base64',
    ],
    [
      'a missing PublicKey',
      (response: GetPublicKeyResponse) => ({ ...response, PublicKey: '' }) as GetPublicKeyResponse,
      'PublicKey must be a non-empty string',
    ],
  ])('rejects a response for %s and caches nothing', async (_what, rewrite, fragment) => {
    const source = countingFetcher();
    source.rewrite = rewrite;
    const { keyRing } = ring({ fetcher: source.fetcher });
    const error = await failure(keyRing.getKey(...ref(p256)));
    expect(error.message).toContain(fragment);
    expect(keyRing.stats().size).toBe(0);
    source.rewrite = undefined;
    await keyRing.getKey(...ref(p256));
    expect(source.calls).toHaveLength(2);
  });

  it('refuses a different public key for a key version the ring already holds', async () => {
    const source = countingFetcher();
    source.aliases.set('alias/x', p256.KeyId);
    const { keyRing, advance } = ring({ fetcher: source.fetcher, aliasTtl: 10 });
    await keyRing.getKey('alias/x', p256.KeyVersionId);
    advance(11);
    source.rewrite = (response) => ({ ...response, PublicKey: sm2.PublicKey });
    const error = await failure(keyRing.getKey('alias/x', p256.KeyVersionId));
    expect(error.message).toContain('a different public key');
    expect((await keyRing.getKey(...ref(p256))).keySpec).toBe('EC_P256');
  });

  it('rejects an alias answer that names an alias instead of a key id', async () => {
    const source = countingFetcher();
    source.aliases.set('alias/x', p256.KeyId);
    source.rewrite = (response) => ({ ...response, KeyId: 'alias/x' });
    const { keyRing } = ring({ fetcher: source.fetcher });
    expect((await failure(keyRing.getKey('alias/x', p256.KeyVersionId))).message).toContain(
      'an alias must resolve to a key id',
    );
  });

  it('accepts only pinned fingerprints', async () => {
    const source = countingFetcher();
    const pinned = await publicKeyFingerprint(p256.PublicKey);
    const { keyRing } = ring({ fetcher: source.fetcher, pinnedFingerprints: [pinned.toUpperCase()] });
    await keyRing.getKey(...ref(p256));
    const error = await failure(keyRing.getKey(...ref(sm2)));
    expect(error.code).toBe('ERR_KEY_PINNING');
    expect(error.message).toContain(await publicKeyFingerprint(sm2.PublicKey));
    expect(keyRing.stats().size).toBe(1);
  });
});

describe('KeyRing timeouts', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fails a fetch that takes longer than fetchTimeout, aborting its signal, and does not cache it', async () => {
    vi.useFakeTimers();
    const source = countingFetcher();
    source.hang = true;
    const { keyRing } = ring({ fetcher: source.fetcher, fetchTimeout: 5_000 });
    const pending = failure(keyRing.getKey(...ref(p256)));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(source.calls[0]?.signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(2);
    const error = await pending;
    expect(error.code).toBe('ERR_FETCH_TIMEOUT');
    expect(source.calls[0]?.signal?.aborted).toBe(true);
    source.hang = false;
    await keyRing.getKey(...ref(p256));
    expect(source.calls).toHaveLength(2);
  });
});

describe('KeyRing snapshot and restore', () => {
  it('a snapshot restores into a ring that never fetches', async () => {
    const source = countingFetcher();
    const { keyRing } = ring({ fetcher: source.fetcher });
    await keyRing.prime(sample.map((entry) => ({ keyId: entry.KeyId, keyVersionId: entry.KeyVersionId })));
    const snapshot = JSON.parse(JSON.stringify(keyRing.snapshot())) as {
      format: string;
      version: number;
      keys: BundleEntry[];
    };
    expect(snapshot.format).toBe('kms-verify-key-bundle');
    expect(snapshot.version).toBe(1);
    expect(snapshot.keys).toHaveLength(5);
    expect(snapshot.keys[0]?.FetchedAt).toBe(new Date(1_000_000).toISOString());
    const offline = ring({
      fetcher: async () => {
        throw new Error('air-gapped: no fetch allowed');
      },
    });
    expect(await offline.keyRing.restore(JSON.stringify(snapshot))).toBe(5);
    for (const entry of sample) expect((await offline.keyRing.getKey(...ref(entry))).keySpec).toBeDefined();
    expect(offline.keyRing.stats()).toMatchObject({ fetches: 0, hits: 5 });
  });

  it('restores a plain array of GetPublicKey responses too', async () => {
    const { keyRing } = ring({ fetcher: countingFetcher().fetcher });
    expect(await keyRing.restore(sample)).toBe(5);
  });

  it.each([
    [
      'a bad key in entry 1',
      [sample[0], { ...sample[1], PublicKey: 'not a key' }],
      'key bundle entry 1 (KeyId key-sample-rsa3072-0001',
    ],
    [
      'an unknown version',
      { format: 'kms-verify-key-bundle', version: 2, keys: [] },
      'version 2 is not supported',
    ],
    [
      'a foreign format',
      { format: 'something-else', version: 1, keys: [] },
      'format must be "kms-verify-key-bundle"',
    ],
    [
      'a bad FetchedAt',
      [{ ...sample[0], FetchedAt: 'yesterday' }],
      'FetchedAt "yesterday" is not an ISO 8601 time',
    ],
  ])('refuses %s, naming it, and loads nothing', async (_what, bundle, fragment) => {
    const { keyRing } = ring({ fetcher: countingFetcher().fetcher });
    const error = await failure(keyRing.restore(bundle));
    expect(error.code).toBe('ERR_BUNDLE_FORMAT');
    expect(error.message).toContain(fragment);
    expect(keyRing.stats().size).toBe(0);
  });

  it('prime reports each key instead of failing the batch', async () => {
    const { keyRing } = ring({ fetcher: countingFetcher().fetcher });
    const results = await keyRing.prime([
      { keyId: p256.KeyId, keyVersionId: p256.KeyVersionId },
      { keyId: 'key-missing', keyVersionId: 'v1' },
    ]);
    expect(results.map((result) => [result.ok, result.error?.code])).toEqual([
      [true, undefined],
      [false, 'ERR_KEY_NOT_FOUND'],
    ]);
  });
});

describe.each([
  ['core KeyRing', KeyRing],
  ['Node KeyRing', NodeKeyRing],
] as const)('%s: verify and encrypt by KeyId and KeyVersionId', (_name, Ring) => {
  const keyRing = new Ring({ fetcher: bundleFetcher(sample) });
  const message = new TextEncoder().encode('signed record');

  it('verifies like AsymmetricVerify, over the message and the digest', async () => {
    const signature = sign('sha256', message, createPrivateKey(privatePem('EC_P256')));
    const base = {
      keyId: p256.KeyId,
      keyVersionId: p256.KeyVersionId,
      algorithm: 'ECDSA_SHA_256',
      signature,
    };
    expect(await keyRing.verify({ ...base, message })).toBe(true);
    expect(await keyRing.verify({ ...base, digest: createHash('sha256').update(message).digest() })).toBe(
      true,
    );
    expect(await keyRing.verify({ ...base, message: new TextEncoder().encode('other') })).toBe(false);
  });

  it('encrypts like AsymmetricEncrypt', async () => {
    const ciphertext = await keyRing.encrypt({
      keyId: rsa2048.KeyId,
      keyVersionId: rsa2048.KeyVersionId,
      algorithm: 'RSAES_OAEP_SHA_256',
      plaintext: message,
    });
    const key = createPrivateKey(privatePem('RSA_2048'));
    expect(
      privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, ciphertext),
    ).toEqual(Buffer.from(message));
  });

  it('an unknown key is a typed error, never an invalid signature', async () => {
    const error = await failure(
      keyRing.verify({
        keyId: 'key-nope',
        keyVersionId: 'v1',
        algorithm: 'SM2DSA',
        message,
        signature: new Uint8Array(70),
      }),
    );
    expect(error.code).toBe('ERR_KEY_NOT_FOUND');
  });

  it('misuse is a TypeError', async () => {
    await expect(keyRing.verify(undefined as never)).rejects.toThrow(TypeError);
    await expect(keyRing.getKey('', 'v1')).rejects.toThrow('keyId must be a non-empty string');
    await expect(keyRing.getKey('k', 7 as never)).rejects.toThrow('keyVersionId must be a non-empty string');
    expect(() => new Ring({} as KeyRingOptions)).toThrow('fetcher must be a function');
    expect(() => new Ring({ fetcher: bundleFetcher([]), max: 0 })).toThrow(RangeError);
    expect(() => new Ring({ fetcher: bundleFetcher([]), notFoundCooldown: -1 })).toThrow(RangeError);
  });
});
