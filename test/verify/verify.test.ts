/**
 * The verify() contract, on both backends: misuse is a TypeError or RangeError, key/algorithm
 * mismatches are typed, malformed or out-of-range signatures are false and never throw, and the
 * edge cases KMS signatures can hit (high S, P1363, custom SM2 user IDs, digest mode) behave.
 * Signatures come from node:crypto and, for SM2 with a user ID, from the OpenSSL command line.
 */

import { spawnSync } from 'node:child_process';
import {
  constants,
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SM2_USER_ID,
  type EcPublicKey,
  KmsVerifyError,
  parsePublicKey,
  verify as webVerify,
} from '../../src/index.js';
import { P256, SECP256K1, SM2 } from '../../src/keys/curves.js';
import { verify as nodeVerify } from '../../src/node/index.js';
import { sm2Digest, sm2Z } from '../../src/sm/sm2.js';
import { precomputationPolicy, setPrecomputationPolicy, tabledPointCount } from '../../src/verify/ecc.js';
import { preparedPoint } from '../../src/verify/prepared.js';
import type { VerifyOptions } from '../../src/verify/verify.js';
import { bigToBytes, bitString, nul, OIDS, oid, seq, tlv, uint } from '../helpers/der-builder.js';
import { opensslSm2Sign } from '../helpers/openssl-sm2.js';

const vectors = new URL('../../vectors/keys/', import.meta.url);
const text = (path: string) => readFileSync(new URL(path, vectors), 'utf8');
const privateKey = (path: string): KeyObject => createPrivateKey(readFileSync(new URL(path, vectors)));
const sha256 = (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest());

const PEM = {
  RSA_2048: text('RSA_2048/public.pem'),
  RSA_3072: text('RSA_3072/public.pem'),
  EC_P256: text('EC_P256/public.pem'),
  EC_P256K: text('EC_P256K/public.pem'),
  EC_SM2: text('EC_SM2/public.pem'),
};

const message = new TextEncoder().encode('kms-verify: the message that was signed');

function rsaSign(spec: 'RSA_2048' | 'RSA_3072', pss: boolean, data = message): Uint8Array {
  const key = privateKey(`${spec}/private.pem`);
  return sign(
    'sha256',
    data,
    pss
      ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
      : { key, padding: constants.RSA_PKCS1_PADDING },
  );
}

function ecdsaSign(spec: 'EC_P256' | 'EC_P256K', data = message, dsaEncoding: 'der' | 'ieee-p1363' = 'der') {
  return new Uint8Array(sign('sha256', data, { key: privateKey(`${spec}/private.pem`), dsaEncoding }));
}

/** SM2 signing by the OpenSSL command line, the only signer here that takes a user ID. */
function sm2Sign(data: Uint8Array, userId?: string): Uint8Array {
  return opensslSm2Sign({ path: new URL('EC_SM2/private.pem', vectors).pathname }, data, userId);
}

function derSignature(r: bigint, s: bigint): Uint8Array {
  return seq(uint(bigToBytes(r, 33)), uint(bigToBytes(s, 33)));
}

function readDer(signature: Uint8Array): { r: bigint; s: bigint } {
  const hex = Buffer.from(signature).toString('hex');
  // SEQUENCE (short form for P-256 sizes) { INTEGER r, INTEGER s }
  const rLength = Number.parseInt(hex.slice(6, 8), 16);
  const r = BigInt(`0x${hex.slice(8, 8 + rLength * 2)}`);
  const sStart = 8 + rLength * 2;
  const sLength = Number.parseInt(hex.slice(sStart + 2, sStart + 4), 16);
  const s = BigInt(`0x${hex.slice(sStart + 4, sStart + 4 + sLength * 2)}`);
  return { r, s };
}

const openssl = spawnSync('openssl', ['version']).status === 0;
if (!openssl) console.warn('WARNING: openssl not on PATH: the SM2 user ID cases are skipped');

const BACKENDS = [
  ['web (Web Crypto + pure)', webVerify],
  ['node (node:crypto)', nodeVerify],
] as const;

describe.each(BACKENDS)('verify on the %s backend', (_name, verify) => {
  const rsaPss = rsaSign('RSA_2048', true);
  const p256 = ecdsaSign('EC_P256');

  describe('valid signatures in message and digest mode', () => {
    const cases: [string, Omit<VerifyOptions, 'message' | 'digest'>][] = [
      ['RSA_PSS_SHA_256 / RSA_2048', { key: PEM.RSA_2048, algorithm: 'RSA_PSS_SHA_256', signature: rsaPss }],
      [
        'RSA_PKCS1_SHA_256 / RSA_2048',
        { key: PEM.RSA_2048, algorithm: 'RSA_PKCS1_SHA_256', signature: rsaSign('RSA_2048', false) },
      ],
      [
        'RSA_PSS_SHA_256 / RSA_3072',
        { key: PEM.RSA_3072, algorithm: 'RSA_PSS_SHA_256', signature: rsaSign('RSA_3072', true) },
      ],
      [
        'RSA_PKCS1_SHA_256 / RSA_3072',
        { key: PEM.RSA_3072, algorithm: 'RSA_PKCS1_SHA_256', signature: rsaSign('RSA_3072', false) },
      ],
      ['ECDSA_SHA_256 / EC_P256', { key: PEM.EC_P256, algorithm: 'ECDSA_SHA_256', signature: p256 }],
      [
        'ECDSA_SHA_256 / EC_P256K',
        { key: PEM.EC_P256K, algorithm: 'ECDSA_SHA_256', signature: ecdsaSign('EC_P256K') },
      ],
      [
        'ECDSA_SHA_256 / EC_P256, P1363',
        {
          key: PEM.EC_P256,
          algorithm: 'ECDSA_SHA_256',
          signature: ecdsaSign('EC_P256', message, 'ieee-p1363'),
          signatureFormat: 'p1363',
        },
      ],
      [
        'ECDSA_SHA_256 / EC_P256K, P1363',
        {
          key: PEM.EC_P256K,
          algorithm: 'ECDSA_SHA_256',
          signature: ecdsaSign('EC_P256K', message, 'ieee-p1363'),
          signatureFormat: 'p1363',
        },
      ],
    ];
    it.each(cases)('%s', async (_case, options) => {
      expect(await verify({ ...options, message })).toBe(true);
      expect(await verify({ ...options, digest: sha256(message) })).toBe(true);
      const otherMessage = new TextEncoder().encode('kms-verify: another message');
      expect(await verify({ ...options, message: otherMessage })).toBe(false);
      expect(await verify({ ...options, digest: sha256(otherMessage) })).toBe(false);
    });

    it('accepts a parsed key, PEM text and DER bytes alike', async () => {
      const parsed = parsePublicKey(PEM.RSA_2048);
      for (const key of [parsed, PEM.RSA_2048, parsed.spki]) {
        expect(await verify({ key, algorithm: 'RSA_PSS_SHA_256', message, signature: rsaPss })).toBe(true);
      }
    });
  });

  describe.skipIf(!openssl)('SM2DSA', () => {
    const signature = openssl ? sm2Sign(message) : new Uint8Array();
    it('verifies an OpenSSL SM2 signature with the default user ID, in message and digest mode', async () => {
      expect(await verify({ key: PEM.EC_SM2, algorithm: 'SM2DSA', message, signature })).toBe(true);
      const e = sm2Digest(
        sm2Z(parsePublicKey(PEM.EC_SM2).spki.subarray(-65), new TextEncoder().encode('1234567812345678')),
        message,
      );
      expect(await verify({ key: PEM.EC_SM2, algorithm: 'SM2DSA', digest: e, signature })).toBe(true);
      expect(await verify({ key: PEM.EC_SM2, algorithm: 'SM2DSA', digest: sha256(message), signature })).toBe(
        false,
      );
    });

    it('honours a custom user ID given as text or bytes, and only that ID', async () => {
      const custom = sm2Sign(message, 'alice@example.com');
      const base = { key: PEM.EC_SM2, algorithm: 'SM2DSA', message, signature: custom };
      expect(await verify({ ...base, userId: 'alice@example.com' })).toBe(true);
      expect(await verify({ ...base, userId: new TextEncoder().encode('alice@example.com') })).toBe(true);
      expect(await verify(base)).toBe(false);
      expect(await verify({ ...base, userId: 'bob@example.com' })).toBe(false);
      expect(await verify({ ...base, signature, userId: 'alice@example.com' })).toBe(false);
    });

    it('cannot be redirected by writing into the exported DEFAULT_SM2_USER_ID', async () => {
      const saved = Uint8Array.from(DEFAULT_SM2_USER_ID);
      DEFAULT_SM2_USER_ID.fill(0x41);
      try {
        expect(await verify({ key: PEM.EC_SM2, algorithm: 'SM2DSA', message, signature })).toBe(true);
      } finally {
        DEFAULT_SM2_USER_ID.set(saved);
      }
      expect(new TextDecoder().decode(DEFAULT_SM2_USER_ID)).toBe('1234567812345678');
    });

    it('accepts the P1363 form when asked', async () => {
      const { r, s } = readDer(signature);
      const p1363 = new Uint8Array([...bigToBytes(r, 32), ...bigToBytes(s, 32)]);
      expect(
        await verify({
          key: PEM.EC_SM2,
          algorithm: 'SM2DSA',
          message,
          signature: p1363,
          signatureFormat: 'p1363',
        }),
      ).toBe(true);
      expect(await verify({ key: PEM.EC_SM2, algorithm: 'SM2DSA', message, signature: p1363 })).toBe(false);
    });

    it('rejects r and s outside [1, n-1], including s + n', async () => {
      const { r, s } = readDer(signature);
      for (const [what, badR, badS] of [
        ['s + n', r, s + SM2.n],
        ['r + n', r + SM2.n, s],
        ['r = 0', 0n, s],
        ['s = 0', r, 0n],
        ['s = n', r, SM2.n],
      ] as const) {
        const der = derSignature(badR, badS);
        expect(await verify({ key: PEM.EC_SM2, algorithm: 'SM2DSA', message, signature: der }), what).toBe(
          false,
        );
      }
    });
  });

  describe('ECDSA edge cases', () => {
    const { r, s } = readDer(p256);
    const check = (signature: Uint8Array, signatureFormat?: 'der' | 'p1363') =>
      verify({
        key: PEM.EC_P256,
        algorithm: 'ECDSA_SHA_256',
        message,
        signature,
        ...(signatureFormat ? { signatureFormat } : {}),
      });

    it('accepts the high-S twin (KMS does not normalise s)', async () => {
      expect(await check(derSignature(r, P256.n - s))).toBe(true);
    });

    it.each([
      ['r = 0', 0n, 1n],
      ['s = 0', 1n, 0n],
      ['r = n', P256.n, 1n],
      ['s = n', 1n, P256.n],
    ])('rejects %s', async (_what, badR, badS) => {
      expect(await check(derSignature(badR, badS))).toBe(false);
    });

    it('rejects s + n, which equals s mod n (sm-crypto-v2 accepts it; we must not)', async () => {
      expect(await check(derSignature(r, s + P256.n))).toBe(false);
      expect(await check(derSignature(r + P256.n, s))).toBe(false);
    });

    it('rejects non-DER encodings of a valid signature', async () => {
      const der = derSignature(r, s);
      expect(await check(new Uint8Array([...der, 0]))).toBe(false);
      const padded = seq(tlv(0x02, new Uint8Array([0, ...bigToBytes(r, 32)])), uint(bigToBytes(s, 32)));
      const needsPad = (bigToBytes(r, 32)[0] as number) >= 0x80;
      expect(await check(padded)).toBe(needsPad);
      expect(await check(new Uint8Array([0x30, 0x81, der[1] as number, ...der.subarray(2)]))).toBe(false);
    });

    it('takes the signature form it is told: DER is not P1363 and P1363 is not DER', async () => {
      const p1363 = new Uint8Array([...bigToBytes(r, 32), ...bigToBytes(s, 32)]);
      expect(await check(p1363, 'p1363')).toBe(true);
      expect(await check(p1363)).toBe(false);
      expect(await check(p256, 'p1363')).toBe(false);
    });

    it('secp256k1 checks its own order', async () => {
      const k1 = ecdsaSign('EC_P256K');
      const value = readDer(k1);
      const options = { key: PEM.EC_P256K, algorithm: 'ECDSA_SHA_256', message };
      expect(await verify({ ...options, signature: derSignature(value.r, SECP256K1.n - value.s) })).toBe(
        true,
      );
      expect(await verify({ ...options, signature: derSignature(value.r, value.s + SECP256K1.n) })).toBe(
        false,
      );
    });
  });

  describe('RSA edge cases', () => {
    const options = { key: PEM.RSA_2048, algorithm: 'RSA_PSS_SHA_256', message };
    it('rejects signatures of the wrong length', async () => {
      expect(await verify({ ...options, signature: rsaPss.subarray(1) })).toBe(false);
      expect(await verify({ ...options, signature: new Uint8Array([0, ...rsaPss]) })).toBe(false);
      expect(await verify({ ...options, signature: new Uint8Array(0) })).toBe(false);
    });

    it('rejects a representative not below the modulus, in both modes', async () => {
      const modulus = (parsePublicKey(PEM.RSA_2048) as { modulus: Uint8Array }).modulus;
      for (const signature of [modulus, new Uint8Array(256).fill(0xff)]) {
        expect(await verify({ ...options, signature })).toBe(false);
        expect(
          await verify({
            key: PEM.RSA_2048,
            algorithm: 'RSA_PSS_SHA_256',
            digest: sha256(message),
            signature,
          }),
        ).toBe(false);
      }
    });

    it('PSS and PKCS#1 v1.5 signatures are not interchangeable', async () => {
      const pkcs1 = rsaSign('RSA_2048', false);
      expect(await verify({ ...options, signature: pkcs1 })).toBe(false);
      expect(await verify({ ...options, algorithm: 'RSA_PKCS1_SHA_256', signature: rsaPss })).toBe(false);
      expect(
        await verify({
          key: PEM.RSA_2048,
          algorithm: 'RSA_PKCS1_SHA_256',
          digest: sha256(message),
          signature: rsaPss,
        }),
      ).toBe(false);
    });

    it('PSS with another salt length is refused (KMS signs with 32)', async () => {
      const key = privateKey('RSA_2048/private.pem');
      const salt20 = sign('sha256', message, {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 20,
      });
      expect(await verify({ ...options, signature: salt20 })).toBe(false);
      expect(
        await verify({
          key: PEM.RSA_2048,
          algorithm: 'RSA_PSS_SHA_256',
          digest: sha256(message),
          signature: salt20,
        }),
      ).toBe(false);
    });

    it('verifies with an id-RSASSA-PSS key, which PKCS#1 v1.5 may not use', async () => {
      const pssKey = text('other/rsa-pss-2048.pem');
      const signature = sign('sha256', message, {
        key: privateKey('other/rsa-pss-2048.key.pem'),
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 32,
      });
      expect(await verify({ key: pssKey, algorithm: 'RSA_PSS_SHA_256', message, signature })).toBe(true);
      await expect(
        verify({ key: pssKey, algorithm: 'RSA_PKCS1_SHA_256', message, signature }),
      ).rejects.toMatchObject({
        code: 'ERR_ALGORITHM_MISMATCH',
      });
    });
  });

  describe('malformed signature bytes are false, never an exception', () => {
    const algorithms = [
      ['RSA_PSS_SHA_256', PEM.RSA_2048],
      ['RSA_PKCS1_SHA_256', PEM.RSA_3072],
      ['ECDSA_SHA_256', PEM.EC_P256],
      ['ECDSA_SHA_256', PEM.EC_P256K],
      ['SM2DSA', PEM.EC_SM2],
    ] as const;
    it.each(algorithms)('%s with %#: random bytes in both modes and formats', async (algorithm, key) => {
      const parsed = parsePublicKey(key);
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 520 }),
          fc.boolean(),
          fc.boolean(),
          async (signature, digestMode, p1363) => {
            const options: VerifyOptions = {
              key: parsed,
              algorithm,
              signature,
              ...(digestMode ? { digest: sha256(signature) } : { message: signature }),
              ...(p1363 && parsed.family === 'EC' ? { signatureFormat: 'p1363' as const } : {}),
            };
            expect(await verify(options)).toBe(false);
          },
        ),
        { numRuns: 150 },
      );
    });
  });

  describe('misuse is a TypeError or RangeError naming the problem', () => {
    const base = { key: PEM.EC_P256, algorithm: 'ECDSA_SHA_256', message, signature: p256 };
    const cases: [string, unknown, ErrorConstructor | RangeErrorConstructor, string][] = [
      ['no options', undefined, TypeError, 'expected an options object'],
      ['null options', null, TypeError, 'expected an options object'],
      ['a numeric algorithm', { ...base, algorithm: 7 }, TypeError, 'algorithm must be a string'],
      [
        'neither message nor digest',
        { ...base, message: undefined },
        TypeError,
        'exactly one of message and digest',
      ],
      [
        'both message and digest',
        { ...base, digest: sha256(message) },
        TypeError,
        'exactly one of message and digest',
      ],
      [
        'a string message',
        { ...base, message: 'hello' },
        TypeError,
        'message must be a Uint8Array, got string',
      ],
      [
        'an ArrayBuffer digest',
        { ...base, message: undefined, digest: new ArrayBuffer(32) },
        TypeError,
        'digest must be a Uint8Array',
      ],
      [
        'a 31-byte digest',
        { ...base, message: undefined, digest: new Uint8Array(31) },
        RangeError,
        'is 32 bytes (SHA-256), got 31',
      ],
      [
        'a base64 signature string',
        { ...base, signature: 'MEUCIQ==' },
        TypeError,
        'signature must be a Uint8Array, got string',
      ],
      [
        'signatureFormat on RSA',
        { ...base, key: PEM.RSA_2048, algorithm: 'RSA_PSS_SHA_256', signatureFormat: 'der' },
        TypeError,
        'does not apply to RSA_PSS_SHA_256',
      ],
      [
        'an unknown signatureFormat',
        { ...base, signatureFormat: 'raw' },
        TypeError,
        "must be 'der' or 'p1363'",
      ],
      ['userId with ECDSA', { ...base, userId: 'alice' }, TypeError, 'userId applies to SM2DSA only'],
      [
        'userId with an SM2 digest',
        { key: PEM.EC_SM2, algorithm: 'SM2DSA', digest: new Uint8Array(32), signature: p256, userId: 'a' },
        TypeError,
        'no effect with a digest',
      ],
      [
        'a numeric userId',
        { key: PEM.EC_SM2, algorithm: 'SM2DSA', message, signature: p256, userId: 5 },
        TypeError,
        'userId must be a string or Uint8Array',
      ],
      [
        'an SM2 user ID too long for ENTL',
        { key: PEM.EC_SM2, algorithm: 'SM2DSA', message, signature: p256, userId: new Uint8Array(8192) },
        RangeError,
        'at most 8191',
      ],
      [
        'a copied key object',
        { ...base, key: { ...parsePublicKey(PEM.EC_P256) } },
        TypeError,
        'parsePublicKey: expected',
      ],
    ];
    it.each(cases)('%s', async (_what, options, errorType, fragment) => {
      const outcome = verify(options as VerifyOptions);
      await expect(outcome).rejects.toThrow(errorType as ErrorConstructor);
      await expect(verify(options as VerifyOptions)).rejects.toThrow(fragment);
    });
  });

  describe('typed errors for what the caller cannot know in advance', () => {
    const pssSha1Key = seq(
      seq(oid(OIDS.rsassaPss), seq(tlv(0xa0, seq(oid('1.3.14.3.2.26'), nul())))),
      bitString(
        seq(uint((parsePublicKey(PEM.RSA_2048) as { modulus: Uint8Array }).modulus), uint([1, 0, 1])),
      ),
    );
    const cases: [string, VerifyOptions, string, string][] = [
      [
        'an unknown algorithm',
        { key: PEM.RSA_2048, algorithm: 'RSA_PSS_SHA_512', message, signature: rsaPss },
        'ERR_ALGORITHM_UNSUPPORTED',
        'use one of RSA_PSS_SHA_256',
      ],
      [
        'ECDSA on an RSA key',
        { key: PEM.RSA_2048, algorithm: 'ECDSA_SHA_256', message, signature: rsaPss },
        'ERR_ALGORITHM_MISMATCH',
        'key spec RSA_2048',
      ],
      [
        'RSA on an EC key',
        { key: PEM.EC_P256, algorithm: 'RSA_PKCS1_SHA_256', message, signature: p256 },
        'ERR_ALGORITHM_MISMATCH',
        'key spec EC_P256',
      ],
      [
        'ECDSA on an SM2 key',
        { key: PEM.EC_SM2, algorithm: 'ECDSA_SHA_256', message, signature: p256 },
        'ERR_ALGORITHM_MISMATCH',
        'key spec EC_SM2',
      ],
      [
        'SM2DSA on a P-256 key',
        { key: PEM.EC_P256, algorithm: 'SM2DSA', message, signature: p256 },
        'ERR_ALGORITHM_MISMATCH',
        'KMS uses it with EC_SM2',
      ],
      [
        'SM2DSA on a secp256k1 key',
        { key: PEM.EC_P256K, algorithm: 'SM2DSA', message, signature: p256 },
        'ERR_ALGORITHM_MISMATCH',
        'key spec EC_P256K',
      ],
      [
        'RSA_PSS_SHA_256 on a key restricted to PSS with SHA-1',
        { key: pssSha1Key, algorithm: 'RSA_PSS_SHA_256', message, signature: rsaPss },
        'ERR_ALGORITHM_MISMATCH',
        'SHA-1',
      ],
      [
        'a malformed key',
        { key: 'not a key', algorithm: 'RSA_PSS_SHA_256', message, signature: rsaPss },
        'ERR_KEY_FORMAT',
        'neither PEM nor base64',
      ],
    ];
    it.each(cases)('%s', async (_what, options, code, fragment) => {
      const error = await verify(options).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(KmsVerifyError);
      expect((error as KmsVerifyError).code).toBe(code);
      expect((error as Error).message).toContain(fragment);
    });
  });
});

describe('per-key precomputation', () => {
  it('promotes hot keys to tables within the bound, evicting the oldest, with unchanged results', async () => {
    const saved = precomputationPolicy();
    setPrecomputationPolicy({ hotAfterUses: 2, maxTables: 2, window: 4 });
    try {
      const before = tabledPointCount();
      const signed = [0, 1, 2].map(() => {
        const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
        return {
          key: parsePublicKey(pair.publicKey.export({ type: 'spki', format: 'der' })),
          signature: new Uint8Array(sign('sha256', message, pair.privateKey)),
        };
      });
      for (let round = 0; round < 3; round++) {
        for (const { key, signature } of signed) {
          expect(
            await webVerify({ key, algorithm: 'ECDSA_SHA_256', digest: sha256(message), signature }),
          ).toBe(true);
          expect(
            await webVerify({ key, algorithm: 'ECDSA_SHA_256', digest: sha256(randomBytes(8)), signature }),
          ).toBe(false);
        }
      }
      expect(tabledPointCount()).toBeLessThanOrEqual(2);
      expect(tabledPointCount()).toBeGreaterThanOrEqual(Math.min(2, before + 1));
    } finally {
      setPrecomputationPolicy(saved);
    }
  });

  it('the bound is least recently used: a key in constant use keeps its table', async () => {
    const saved = precomputationPolicy();
    setPrecomputationPolicy({ hotAfterUses: 1, maxTables: 2, window: 4 });
    try {
      const keys = [0, 1, 2].map(() => {
        const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
        const key = parsePublicKey(pair.publicKey.export({ type: 'spki', format: 'der' }));
        return { key, signature: new Uint8Array(sign('sha256', message, pair.privateKey)) };
      });
      const use = async (index: number) => {
        const { key, signature } = keys[index] as (typeof keys)[number];
        expect(await webVerify({ key, algorithm: 'ECDSA_SHA_256', digest: sha256(message), signature })).toBe(
          true,
        );
      };
      const hasTable = (index: number) =>
        preparedPoint((keys[index] as (typeof keys)[number]).key as EcPublicKey).hasTable;
      await use(0);
      await use(1);
      await use(0); // key 0 is now the most recently used
      await use(2); // promoting key 2 evicts the least recently used: key 1
      expect([hasTable(0), hasTable(1), hasTable(2)]).toEqual([true, false, true]);
    } finally {
      setPrecomputationPolicy(saved);
    }
  });

  it('refuses an impossible policy', () => {
    expect(() => setPrecomputationPolicy({ window: 0 })).toThrow(RangeError);
    expect(() => setPrecomputationPolicy({ maxTables: -1 })).toThrow(RangeError);
    expect(() => setPrecomputationPolicy({ hotAfterUses: 1.5 })).toThrow(RangeError);
  });
});
