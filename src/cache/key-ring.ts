/**
 * The key ring: KMS public keys fetched once through a fetcher and kept, so that verification and
 * encryption are local work. Mirrors KMS AsymmetricVerify / AsymmetricEncrypt by KeyId and
 * KeyVersionId.
 *
 * - Identity is KeyId + KeyVersionId. A key version's public key never changes, so entries live until
 *   the LRU bound (`max`) evicts them, or `maxAge` when set. The entry holds the parsed key, and with
 *   it (src/verify/prepared.ts) every imported CryptoKey / KeyObject, point table and SM2 Z.
 * - Single flight: concurrent requests for a missing key share one fetch and its outcome.
 * - Aliases (`alias/NAME`) resolve through a separate map that expires (aliases can be re-bound),
 *   while the key entry stays.
 * - A key KMS reports as not found is remembered for a cooldown so unknown ids cannot hammer KMS;
 *   every other failure is passed on and never cached.
 * - Integrity: the response must name the version asked for, and the key id asked for unless an
 *   alias was asked for; with `pinnedFingerprints`, the key's SPKI SHA-256 must be in the set.
 * - Counters and an optional event callback; events carry ids and codes, never credentials.
 * - snapshot()/restore(): the versioned bundle air-gapped jobs run from.
 */

import { LRUCache } from 'lru-cache';
import type { EncryptOptions } from '../encrypt/encrypt.js';
import {
  BundleFormatError,
  FetchError,
  FetchTimeoutError,
  KeyNotFoundError,
  KeyPinningError,
  KmsVerifyError,
} from '../errors.js';
import {
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  type BundleEntry,
  type GetPublicKeyResponse,
  type KeyBundleSnapshot,
  parseKeyBundle,
} from '../fetchers/bundle.js';
import type { PublicKeyFetcher } from '../fetchers/fetcher.js';
import { publicKeyFingerprint } from '../keys/fingerprint.js';
import { parsePublicKey } from '../keys/parse.js';
import type { KmsPublicKey } from '../keys/types.js';
import type { VerifyOptions } from '../verify/verify.js';

const ALIAS_PREFIX = 'alias/';

export interface KeyRingOperations {
  readonly verify: (options: VerifyOptions) => Promise<boolean>;
  readonly encrypt: (options: EncryptOptions) => Promise<Uint8Array>;
}

export type KeyRingEvent =
  | {
      readonly type: 'hit' | 'miss' | 'coalesced' | 'negative-hit' | 'evict';
      readonly keyId: string;
      readonly keyVersionId: string;
    }
  | {
      readonly type: 'fetched';
      readonly keyId: string;
      readonly keyVersionId: string;
      readonly durationMs: number;
    }
  | {
      readonly type: 'fetch-error';
      readonly keyId: string;
      readonly keyVersionId: string;
      readonly code: string;
      readonly durationMs: number;
    }
  | { readonly type: 'alias-resolved'; readonly alias: string; readonly keyId: string };

export interface KeyRingOptions {
  readonly fetcher: PublicKeyFetcher;
  /** Most key versions kept (LRU). Default 10,000. */
  readonly max?: number;
  /** Milliseconds an entry is kept after its fetch; default: forever (a version's key never changes). */
  readonly maxAge?: number;
  /** Milliseconds an alias -> KeyId binding is trusted. Default 5 minutes. */
  readonly aliasTtl?: number;
  /** Milliseconds a not-found answer is remembered. Default 30 seconds. */
  readonly notFoundCooldown?: number;
  /** Milliseconds one fetch may take before it fails with FetchTimeoutError. Default 10 seconds. */
  readonly fetchTimeout?: number;
  /** When given, only keys whose SPKI SHA-256 fingerprint (hex) is in this set are accepted. */
  readonly pinnedFingerprints?: Iterable<string>;
  /** Clock in milliseconds; injectable for tests. Default Date.now. */
  readonly now?: () => number;
  readonly onEvent?: (event: KeyRingEvent) => void;
  /** verify/encrypt implementations; the Node entry passes its node:crypto ones. */
  readonly operations?: KeyRingOperations;
}

export interface KeyRingStats {
  readonly size: number;
  readonly hits: number;
  readonly misses: number;
  readonly fetches: number;
  readonly coalesced: number;
  readonly negativeHits: number;
  readonly evictions: number;
  readonly aliasHits: number;
  readonly fetchErrors: Readonly<Record<string, number>>;
}

export interface KeyReference {
  readonly keyId: string;
  readonly keyVersionId: string;
}

export type RingVerifyOptions = KeyReference & Omit<VerifyOptions, 'key'>;
export type RingEncryptOptions = KeyReference & Omit<EncryptOptions, 'key'>;

export interface PrimeResult extends KeyReference {
  readonly ok: boolean;
  readonly error?: KmsVerifyError;
}

interface Entry {
  readonly response: GetPublicKeyResponse;
  readonly key: KmsPublicKey;
  readonly fetchedAt: number;
}

const identity = (keyId: string, keyVersionId: string) => `${keyId}\u0000${keyVersionId}`;

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

/**
 * The caller's options with the key added: one shallow copy, on every warm call. The ids ride along
 * and verify/encrypt ignore them (a rest/spread pair that dropped them cost a second copy).
 */
function withKey<Options extends KeyReference>(
  options: Options,
  key: KmsPublicKey,
): Options & { key: KmsPublicKey } {
  return { ...options, key };
}

function checkReference(method: string, keyId: unknown, keyVersionId: unknown): void {
  if (typeof keyId !== 'string' || keyId === '')
    throw new TypeError(`KeyRing.${method}: keyId must be a non-empty string`);
  if (typeof keyVersionId !== 'string' || keyVersionId === '') {
    throw new TypeError(`KeyRing.${method}: keyVersionId must be a non-empty string`);
  }
}

function positiveOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0))
    throw new RangeError(`KeyRing: ${name} must be a non-negative number`);
  return value;
}

/** The ring itself; the entries export it with their verify/encrypt as the default operations. */
export class KeyRingCore {
  private readonly fetcher: PublicKeyFetcher;
  private readonly entries: LRUCache<string, Entry>;
  private readonly inflight = new Map<string, Promise<Entry>>();
  private readonly notFound = new Map<string, { readonly until: number; readonly error: KeyNotFoundError }>();
  private readonly aliases = new Map<string, { readonly keyId: string; readonly until: number }>();
  private readonly pinned: ReadonlySet<string> | undefined;
  private readonly maxAge: number | undefined;
  private readonly aliasTtl: number;
  private readonly notFoundCooldown: number;
  private readonly fetchTimeout: number;
  private readonly now: () => number;
  private readonly onEvent: ((event: KeyRingEvent) => void) | undefined;
  private readonly operations: KeyRingOperations;
  private readonly counters = {
    hits: 0,
    misses: 0,
    fetches: 0,
    coalesced: 0,
    negativeHits: 0,
    evictions: 0,
    aliasHits: 0,
  };
  private readonly fetchErrors = new Map<string, number>();

  constructor(options: KeyRingOptions & { readonly operations: KeyRingOperations }) {
    if (typeof options !== 'object' || options === null)
      throw new TypeError('KeyRing: expected an options object');
    if (typeof options.fetcher !== 'function') throw new TypeError('KeyRing: fetcher must be a function');
    const max = positiveOption('max', options.max, 10_000);
    if (!Number.isInteger(max) || max < 1) throw new RangeError('KeyRing: max must be a positive integer');
    this.fetcher = options.fetcher;
    this.maxAge = options.maxAge === undefined ? undefined : positiveOption('maxAge', options.maxAge, 0);
    this.aliasTtl = positiveOption('aliasTtl', options.aliasTtl, 5 * 60_000);
    this.notFoundCooldown = positiveOption('notFoundCooldown', options.notFoundCooldown, 30_000);
    this.fetchTimeout = positiveOption('fetchTimeout', options.fetchTimeout, 10_000);
    this.now = options.now ?? Date.now;
    this.onEvent = options.onEvent;
    this.operations = options.operations;
    this.pinned =
      options.pinnedFingerprints === undefined
        ? undefined
        : new Set([...options.pinnedFingerprints].map((fingerprint) => fingerprint.toLowerCase()));
    this.entries = new LRUCache<string, Entry>({
      max,
      dispose: (entry, _key, reason) => {
        if (reason !== 'evict') return;
        this.counters.evictions++;
        this.emit({ type: 'evict', keyId: entry.response.KeyId, keyVersionId: entry.response.KeyVersionId });
      },
    });
  }

  /** The parsed key for a KeyId (or alias) and KeyVersionId, fetched on first use. */
  async getKey(keyId: string, keyVersionId: string): Promise<KmsPublicKey> {
    return (await this.entryChecked('getKey', keyId, keyVersionId)).key;
  }

  /**
   * The GetPublicKey response a key came from, fetched on first use: what a ring in another thread
   * (an audit worker) receives from this one, so a whole job fetches each key version once.
   */
  async getResponse(keyId: string, keyVersionId: string): Promise<GetPublicKeyResponse> {
    return (await this.entryChecked('getResponse', keyId, keyVersionId)).response;
  }

  /** AsymmetricVerify, locally: see verify() for the contract. */
  verify(options: RingVerifyOptions): Promise<boolean> {
    if (typeof options !== 'object' || options === null) {
      return Promise.reject(new TypeError('KeyRing.verify: expected an options object'));
    }
    const { keyId, keyVersionId } = options;
    // The warm path stays synchronous up to the primitive: no extra promise, no copied options.
    const cached = this.cached(keyId, keyVersionId);
    if (cached !== undefined) return this.operations.verify(withKey(options, cached.key));
    return this.entryChecked('verify', keyId, keyVersionId).then((entry) =>
      this.operations.verify(withKey(options, entry.key)),
    );
  }

  /** AsymmetricEncrypt, locally: see encrypt() for the contract. */
  encrypt(options: RingEncryptOptions): Promise<Uint8Array> {
    if (typeof options !== 'object' || options === null) {
      return Promise.reject(new TypeError('KeyRing.encrypt: expected an options object'));
    }
    const { keyId, keyVersionId } = options;
    const cached = this.cached(keyId, keyVersionId);
    if (cached !== undefined) return this.operations.encrypt(withKey(options, cached.key));
    return this.entryChecked('encrypt', keyId, keyVersionId).then((entry) =>
      this.operations.encrypt(withKey(options, entry.key)),
    );
  }

  /** Fetches the given key versions now; one result per reference, in order, never a rejection. */
  async prime(references: Iterable<KeyReference>): Promise<PrimeResult[]> {
    return Promise.all(
      [...references].map(async ({ keyId, keyVersionId }): Promise<PrimeResult> => {
        try {
          await this.getKey(keyId, keyVersionId);
          return { keyId, keyVersionId, ok: true };
        } catch (error) {
          if (!(error instanceof KmsVerifyError)) throw error;
          return { keyId, keyVersionId, ok: false, error };
        }
      }),
    );
  }

  /** The cached keys as a versioned bundle (GetPublicKey responses plus fetch times), sorted by id. */
  snapshot(): KeyBundleSnapshot {
    const keys: BundleEntry[] = [];
    for (const entry of this.entries.values()) {
      if (this.expired(entry)) continue;
      keys.push({ ...entry.response, FetchedAt: new Date(entry.fetchedAt).toISOString() });
    }
    // Sorted, not in LRU order, so the same keys always give the same file.
    keys.sort((a, b) =>
      a.KeyId === b.KeyId ? compare(a.KeyVersionId, b.KeyVersionId) : compare(a.KeyId, b.KeyId),
    );
    return { format: BUNDLE_FORMAT, version: BUNDLE_VERSION, keys };
  }

  /**
   * Loads a bundle (a snapshot, or an array of GetPublicKey responses), all or nothing: every entry
   * is validated first, and an error names the bad one. Returns the number of keys loaded.
   */
  async restore(bundle: string | unknown): Promise<number> {
    const entries = parseKeyBundle(bundle);
    const loaded: Entry[] = [];
    for (const [index, entry] of entries.entries()) {
      const where = `key bundle entry ${index} (KeyId ${entry.KeyId}, version ${entry.KeyVersionId})`;
      try {
        const key = await this.accept(entry);
        const fetchedAt = entry.FetchedAt === undefined ? this.now() : Date.parse(entry.FetchedAt);
        loaded.push({ response: { ...entry }, key, fetchedAt });
      } catch (error) {
        if (!(error instanceof KmsVerifyError)) throw error;
        throw new BundleFormatError(`${where}: ${error.code}: ${error.message}`, { cause: error });
      }
    }
    for (const entry of loaded)
      this.entries.set(identity(entry.response.KeyId, entry.response.KeyVersionId), entry);
    return loaded.length;
  }

  stats(): KeyRingStats {
    return { size: this.entries.size, ...this.counters, fetchErrors: Object.fromEntries(this.fetchErrors) };
  }

  private emit(event: KeyRingEvent): void {
    this.onEvent?.(event);
  }

  private expired(entry: Entry): boolean {
    return this.maxAge !== undefined && this.now() - entry.fetchedAt > this.maxAge;
  }

  private async entryChecked(method: string, keyId: string, keyVersionId: string): Promise<Entry> {
    checkReference(method, keyId, keyVersionId);
    return this.cached(keyId, keyVersionId) ?? this.entry(keyId, keyVersionId);
  }

  /** The held, unexpired entry (through a live alias binding), counted as a hit; else undefined. */
  private cached(keyId: string, keyVersionId: string): Entry | undefined {
    if (typeof keyId !== 'string' || typeof keyVersionId !== 'string') return undefined;
    let resolvedId = keyId;
    if (keyId.startsWith(ALIAS_PREFIX)) {
      const alias = this.aliases.get(keyId);
      if (alias === undefined || alias.until <= this.now()) return undefined;
      resolvedId = alias.keyId;
    }
    const cached = this.entries.get(identity(resolvedId, keyVersionId));
    if (cached === undefined || this.expired(cached)) return undefined;
    if (resolvedId !== keyId) this.counters.aliasHits++;
    this.counters.hits++;
    if (this.onEvent !== undefined) this.emit({ type: 'hit', keyId, keyVersionId });
    return cached;
  }

  /** The slow path: negative cache, single flight, fetch. */
  private async entry(keyId: string, keyVersionId: string): Promise<Entry> {
    const id = identity(keyId, keyVersionId);
    const negative = this.notFound.get(id);
    if (negative !== undefined) {
      if (negative.until > this.now()) {
        this.counters.negativeHits++;
        this.emit({ type: 'negative-hit', keyId, keyVersionId });
        throw negative.error;
      }
      this.notFound.delete(id);
    }
    const pending = this.inflight.get(id);
    if (pending !== undefined) {
      this.counters.coalesced++;
      this.emit({ type: 'coalesced', keyId, keyVersionId });
      return pending;
    }
    this.counters.misses++;
    this.emit({ type: 'miss', keyId, keyVersionId });
    const fetching = this.fetch(keyId, keyVersionId).finally(() => this.inflight.delete(id));
    this.inflight.set(id, fetching);
    return fetching;
  }

  private async fetch(keyId: string, keyVersionId: string): Promise<Entry> {
    this.counters.fetches++;
    const started = this.now();
    try {
      const response = await this.fetchWithTimeout(keyId, keyVersionId);
      const entry = await this.admit(keyId, keyVersionId, response);
      this.emit({ type: 'fetched', keyId, keyVersionId, durationMs: this.now() - started });
      return entry;
    } catch (error) {
      const code = error instanceof KmsVerifyError ? error.code : 'ERR_FETCHER';
      this.fetchErrors.set(code, (this.fetchErrors.get(code) ?? 0) + 1);
      this.emit({ type: 'fetch-error', keyId, keyVersionId, code, durationMs: this.now() - started });
      if (error instanceof KeyNotFoundError) {
        this.notFound.set(identity(keyId, keyVersionId), {
          until: this.now() + this.notFoundCooldown,
          error,
        });
      }
      if (error instanceof KmsVerifyError) throw error;
      // A fetcher that throws something untyped is wrapped, so callers always see the model.
      throw new FetchError(
        `fetching key ${keyId} version ${keyVersionId} failed: ${(error as Error)?.message ?? String(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  private fetchWithTimeout(keyId: string, keyVersionId: string): Promise<GetPublicKeyResponse> {
    const controller = new AbortController();
    return new Promise<GetPublicKeyResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        controller.abort();
        reject(
          new FetchTimeoutError(
            `fetching key ${keyId} version ${keyVersionId} took longer than ${this.fetchTimeout} ms`,
          ),
        );
      }, this.fetchTimeout);
      this.fetcher({ keyId, keyVersionId, signal: controller.signal }).then(
        (response) => {
          clearTimeout(timer);
          resolve(response);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  /** Integrity checks on a fetched response, then caching; nothing is cached when a check fails. */
  private async admit(keyId: string, keyVersionId: string, response: GetPublicKeyResponse): Promise<Entry> {
    const [checked] = parseKeyBundle([response]);
    if (checked === undefined) throw new FetchError('the fetcher returned no response');
    if (checked.KeyVersionId !== keyVersionId) {
      throw new FetchError(
        `asked for key ${keyId} version ${keyVersionId}, the response is for version ${checked.KeyVersionId}; nothing cached`,
      );
    }
    const viaAlias = keyId.startsWith(ALIAS_PREFIX);
    if (viaAlias ? checked.KeyId.startsWith(ALIAS_PREFIX) : checked.KeyId !== keyId) {
      throw new FetchError(
        `asked for key ${keyId}, the response names ${checked.KeyId}${viaAlias ? ' (an alias must resolve to a key id)' : ''}; nothing cached`,
      );
    }
    const key = await this.accept(checked);
    const id = identity(checked.KeyId, keyVersionId);
    // A version's key never changes: an entry already held (e.g. reached again through an alias)
    // is kept with its prepared material, and a different key for it is refused.
    const existing = this.entries.peek(id);
    let entry: Entry;
    if (existing !== undefined && !this.expired(existing)) {
      if (!sameBytes(existing.key.spki, key.spki)) {
        throw new FetchError(
          `KMS returned a different public key for key ${checked.KeyId} version ${keyVersionId} than the ring holds; nothing cached`,
        );
      }
      entry = existing;
    } else {
      entry = { response: checked, key, fetchedAt: this.now() };
      this.entries.set(id, entry);
    }
    if (viaAlias) {
      this.aliases.set(keyId, { keyId: checked.KeyId, until: this.now() + this.aliasTtl });
      this.emit({ type: 'alias-resolved', alias: keyId, keyId: checked.KeyId });
    }
    return entry;
  }

  /** Parses the key and applies pinning. */
  private async accept(response: GetPublicKeyResponse): Promise<KmsPublicKey> {
    const key = parsePublicKey(response.PublicKey);
    if (this.pinned !== undefined) {
      const fingerprint = await publicKeyFingerprint(key);
      if (!this.pinned.has(fingerprint)) {
        throw new KeyPinningError(
          `key ${response.KeyId} version ${response.KeyVersionId} has SPKI SHA-256 ${fingerprint}, which is not pinned`,
        );
      }
    }
    return key;
  }
}
