/**
 * The conformance suite every runtime runs against the neutral bundle (dist/web/kms-verify.js): Node,
 * Deno, Bun, workerd and Chromium. Written once, with ES2022 and Web APIs only (atob, TextEncoder,
 * fetch through the library), and given the bundle's exports as an argument rather than importing
 * them, so each runtime loads the bundle its own way and this file never binds to a build.
 *
 * The fixtures (fixtures.ts, built in Node) carry keys in every encoding, signatures made by
 * OpenSSL and node:crypto with their tampered twins, plaintexts and, when a loopback KMS is running,
 * its endpoint and keys. Every check yields a named result with the outcome Node's own crypto
 * predicts (`expected`) and the one this runtime produced (`actual`), both as short strings such as
 * `true`, `false`, `error:ERR_KEY_FORMAT` or `EC_P256 3f9a...`. Outcomes must not depend on the runtime,
 * so the test compares every runtime's list with Node's, entry by entry. Ciphertexts go back to
 * Node, which decrypts them with the private keys.
 */

import type * as KmsVerify from '../../src/index.js';

/** What the key ring encrypts; Node decrypts it through the KMS's private key and compares. */
export const KMS_PLAINTEXT = 'conformance plaintext for the KMS';

export type Library = Pick<
  typeof KmsVerify,
  | 'verify'
  | 'encrypt'
  | 'parsePublicKey'
  | 'publicKeyFingerprint'
  | 'KeyRing'
  | 'aliyunKmsFetcher'
  | 'KmsVerifyError'
>;

/** One key spec in every encoding we hold for it; `fingerprint` is node:crypto's SPKI SHA-256. */
export interface KeyFixture {
  readonly keySpec: string;
  readonly fingerprint: string;
  /** Encoding name -> the key as text (PEM, base64) or base64 of DER (`der:` prefix on the name). */
  readonly encodings: Readonly<Record<string, string>>;
}

/** A signature over `message` by the private key of `key`; digest mode uses `digest` (base64). */
export interface SignatureFixture {
  readonly name: string;
  readonly algorithm: string;
  readonly key: string;
  /** A different key of the same spec, for the swapped-key case. */
  readonly otherKey: string;
  readonly message: string;
  readonly digest: string;
  readonly signature: string;
  /** The same signature as r || s, for ECDSA and SM2. */
  readonly p1363?: string;
}

export interface EncryptionFixture {
  readonly name: string;
  readonly algorithm: string;
  readonly key: string;
  readonly plaintext: string;
  readonly sm2Format?: string;
  /** The expected ciphertext length in bytes; undefined where it varies (SM2 ASN.1). */
  readonly ciphertextLength?: number;
}

/** Inputs that must produce a typed error (or false), with Node's outcome. */
export interface ErrorFixture {
  readonly name: string;
  readonly operation: 'verify' | 'encrypt' | 'parse';
  /** Options as JSON; `key` is key text, byte fields are base64 under the same names. */
  readonly options: Readonly<Record<string, string>>;
  readonly expected: string;
}

/** A loopback KMS (the emulator) and what it holds. */
export interface KmsFixture {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly keys: readonly {
    readonly keyId: string;
    readonly keyVersionId: string;
    readonly algorithm: string;
    readonly message: string;
    readonly signature: string;
  }[];
  /** An RSA encryption key in the KMS, whose ciphertext Node decrypts through the KMS. */
  readonly encryptionKey?: {
    readonly keyId: string;
    readonly keyVersionId: string;
    readonly algorithm: string;
  };
  readonly missingKeyId: string;
}

export interface Fixtures {
  readonly keys: readonly KeyFixture[];
  readonly signatures: readonly SignatureFixture[];
  readonly encryptions: readonly EncryptionFixture[];
  readonly errors: readonly ErrorFixture[];
  /** The loopback KMS; without it the key-ring check fails rather than passing vacuously. */
  readonly kms?: KmsFixture;
}

export interface Result {
  readonly name: string;
  readonly expected: string;
  readonly actual: string;
}

export interface Run {
  readonly results: readonly Result[];
  /** Ciphertexts by result name, base64, for Node to decrypt. */
  readonly ciphertexts: Readonly<Record<string, string>>;
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function flipLastBit(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  copy[copy.length - 1] = (copy[copy.length - 1] as number) ^ 1;
  return copy;
}

/** Key material as the library takes it: text, or DER bytes for `der:` encodings. */
function keyInput(name: string, value: string): string | Uint8Array {
  return name.startsWith('der:') ? fromBase64(value) : value;
}

export async function runConformance(lib: Library, fixtures: Fixtures): Promise<Run> {
  const results: Result[] = [];
  const ciphertexts: Record<string, string> = {};

  /** An outcome as a short runtime-independent string: errors by code (or by class for misuse). */
  async function outcome(action: () => Promise<unknown> | unknown): Promise<string> {
    try {
      return String(await action());
    } catch (error) {
      if (error instanceof lib.KmsVerifyError) return `error:${error.code}`;
      if (error instanceof TypeError || error instanceof RangeError) return `error:${error.name}`;
      return `unexpected:${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
    }
  }

  async function check(name: string, expected: string, action: () => Promise<unknown> | unknown) {
    results.push({ name, expected, actual: await outcome(action) });
  }

  for (const key of fixtures.keys) {
    for (const [encoding, value] of Object.entries(key.encodings)) {
      await check(`key ${key.keySpec} ${encoding}`, `${key.keySpec} ${key.fingerprint}`, async () => {
        const parsed = lib.parsePublicKey(keyInput(encoding, value));
        return `${parsed.keySpec} ${await lib.publicKeyFingerprint(parsed)}`;
      });
    }
  }

  for (const fixture of fixtures.signatures) {
    const { algorithm } = fixture;
    const message = fromBase64(fixture.message);
    const digest = fromBase64(fixture.digest);
    const signature = fromBase64(fixture.signature);
    const key = lib.parsePublicKey(fixture.key);
    const otherKey = lib.parsePublicKey(fixture.otherKey);
    for (const [mode, data] of [
      ['message', message],
      ['digest', digest],
    ] as const) {
      const base = { algorithm, signature, ...(mode === 'message' ? { message: data } : { digest: data }) };
      const name = `${fixture.name} ${mode}`;
      await check(`${name} valid`, 'true', () => lib.verify({ key, ...base }));
      await check(`${name} valid, key as PEM`, 'true', () => lib.verify({ key: fixture.key, ...base }));
      await check(`${name} tampered signature`, 'false', () =>
        lib.verify({ key, ...base, signature: flipLastBit(signature) }),
      );
      await check(`${name} tampered ${mode}`, 'false', () =>
        lib.verify({
          key,
          ...base,
          ...(mode === 'message' ? { message: flipLastBit(data) } : { digest: flipLastBit(data) }),
        }),
      );
      await check(`${name} swapped key`, 'false', () => lib.verify({ key: otherKey, ...base }));
    }
    if (fixture.p1363 !== undefined) {
      const p1363 = fromBase64(fixture.p1363);
      await check(`${fixture.name} message p1363`, 'true', () =>
        lib.verify({ key, algorithm, message, signature: p1363, signatureFormat: 'p1363' }),
      );
      await check(`${fixture.name} message p1363 tampered`, 'false', () =>
        lib.verify({ key, algorithm, message, signature: flipLastBit(p1363), signatureFormat: 'p1363' }),
      );
    }
    if (algorithm === 'SM2DSA') {
      await check(`${fixture.name} message, wrong user ID`, 'false', () =>
        lib.verify({ key, algorithm, message, signature, userId: 'ALICE123@YAHOO.COM' }),
      );
    }
  }

  for (const fixture of fixtures.errors) {
    const options: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(fixture.options)) {
      options[field] =
        field === 'key' || field === 'algorithm' || field === 'signatureFormat' ? value : fromBase64(value);
    }
    await check(`error ${fixture.name}`, fixture.expected, () => {
      if (fixture.operation === 'parse') return lib.parsePublicKey(options.key as string).keySpec;
      if (fixture.operation === 'encrypt') return lib.encrypt(options as never).then(() => 'encrypted');
      return lib.verify(options as never);
    });
  }

  for (const fixture of fixtures.encryptions) {
    const name = `encrypt ${fixture.name}`;
    const expected = `ciphertext ${fixture.ciphertextLength ?? 'asn1'}`;
    await check(name, expected, async () => {
      const ciphertext = await lib.encrypt({
        key: fixture.key,
        algorithm: fixture.algorithm,
        plaintext: fromBase64(fixture.plaintext),
        ...(fixture.sm2Format === undefined ? {} : { sm2Format: fixture.sm2Format as 'asn1' }),
      });
      ciphertexts[name] = toBase64(ciphertext);
      return `ciphertext ${fixture.ciphertextLength === undefined ? 'asn1' : ciphertext.length}`;
    });
  }

  await keyRingChecks(lib, fixtures, check, ciphertexts);
  return { results, ciphertexts };
}

type Check = (name: string, expected: string, action: () => Promise<unknown> | unknown) => Promise<void>;

/** A KeyRing whose fetcher is aliyunKmsFetcher, calling the loopback KMS with this runtime's fetch. */
async function keyRingChecks(
  lib: Library,
  fixtures: Fixtures,
  check: Check,
  ciphertexts: Record<string, string>,
): Promise<void> {
  const kms = fixtures.kms;
  if (kms === undefined) {
    await check('key ring over aliyunKmsFetcher', 'a loopback KMS', () => 'no KMS in the fixtures');
    return;
  }
  const ring = new lib.KeyRing({
    fetcher: lib.aliyunKmsFetcher({
      endpoint: kms.endpoint,
      accessKeyId: kms.accessKeyId,
      accessKeySecret: kms.accessKeySecret,
      retries: 0,
      requestTimeout: 10_000,
    }),
  });
  for (const key of kms.keys) {
    const options = {
      keyId: key.keyId,
      keyVersionId: key.keyVersionId,
      algorithm: key.algorithm,
      message: fromBase64(key.message),
      signature: fromBase64(key.signature),
    };
    // Three at once: single flight means one GetPublicKey for all of them.
    await check(`key ring ${key.algorithm} valid x3`, 'true,true,true', async () =>
      (await Promise.all([ring.verify(options), ring.verify(options), ring.verify(options)])).join(','),
    );
    await check(`key ring ${key.algorithm} tampered`, 'false', () =>
      ring.verify({ ...options, message: flipLastBit(options.message) }),
    );
  }
  await check('key ring one fetch per key', String(kms.keys.length), () => ring.stats().fetches);
  await check('key ring missing key', 'error:ERR_KEY_NOT_FOUND', () =>
    ring.verify({
      keyId: kms.missingKeyId,
      keyVersionId: 'a1b2c3d4-0000-4000-8000-000000000000',
      algorithm: 'RSA_PSS_SHA_256',
      message: new Uint8Array(1),
      signature: new Uint8Array(256),
    }),
  );
  const encryption = kms.encryptionKey;
  if (encryption !== undefined) {
    const name = `key ring encrypt ${encryption.algorithm}`;
    await check(name, 'encrypted', async () => {
      const ciphertext = await ring.encrypt({
        ...encryption,
        plaintext: new TextEncoder().encode(KMS_PLAINTEXT),
      });
      ciphertexts[name] = toBase64(ciphertext);
      return 'encrypted';
    });
  }
}
