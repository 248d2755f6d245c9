/**
 * encrypt() round trips: everything we encrypt must decrypt, with a decryptor that is not ours.
 *
 * - RSAES-OAEP (SHA-256 and SHA-1, RSA_2048 and RSA_3072, core and node backends): every plaintext
 *   length from 0 to KMS's limit decrypts with node:crypto privateDecrypt (OpenSSL); limit + 1 is
 *   refused with ERR_PLAINTEXT_TOO_LARGE; encryption is randomized.
 * - SM2PKE: the GM/T 0003.5-2012 encryption example on the recommended curve as a known answer (k
 *   fixed), then every plaintext length 0..6047 through the test-side decryptor of
 *   test/helpers/sm2-decrypt.ts (GB/T 32918.4 §7.1 from the primitives only), with the exact
 *   layout of each encoding checked; 6048 is refused.
 * - SM2PKE against the OpenSSL command line, both ways: OpenSSL decrypts our ciphertexts (raw forms
 *   converted to the asn1 form it reads), and we decrypt OpenSSL's, which shows both sides use SM3
 *   for C3 and the KDF. Skipped loudly when there is no `openssl`.
 *
 * Keys: vectors/keys/{RSA_2048,RSA_3072,EC_SM2}/{public,private}.pem, test-only keys made by OpenSSL.
 */

import { spawnSync } from 'node:child_process';
import {
  constants,
  createPrivateKey,
  type KeyObject,
  privateDecrypt,
  randomBytes,
  randomInt,
} from 'node:crypto';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CurveArithmetic, INFINITY } from '../../src/ec/arithmetic.js';
import { sm2Encrypt } from '../../src/encrypt/sm2.js';
import {
  encrypt as coreEncrypt,
  type EcPublicKey,
  type EncryptOptions,
  type KmsPublicKey,
  PlaintextTooLargeError,
  parsePublicKey,
} from '../../src/index.js';
import { SM2 } from '../../src/keys/curves.js';
import { encrypt as nodeEncrypt } from '../../src/node/index.js';
import { preparedPoint } from '../../src/verify/prepared.js';
import { bigToBytes, bytes, ecSpki, hex, OIDS, seq, tlv, uint } from '../helpers/der-builder.js';
import { findOpenssl, warnOpensslMissing } from '../helpers/openssl-text.js';
import {
  convertSm2Ciphertext,
  encodeSm2Ciphertext,
  parseSm2Ciphertext,
  readSm2PrivateScalar,
  SM2_FORMATS,
  SM2_RAW_OVERHEAD,
  type Sm2Format,
  sm2Decrypt,
} from '../helpers/sm2-decrypt.js';
import { bytesToBigInt, KEY_VECTORS_DIR, readKeyVectorText, toHex } from '../helpers/vectors.js';

type Encrypt = (options: EncryptOptions) => Promise<Uint8Array>;

const BACKENDS: readonly (readonly [string, Encrypt])[] = [
  ['core', coreEncrypt],
  ['node', nodeEncrypt],
];

/** Resolves to what `promise` rejected with, or fails when it resolved. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('expected a rejection'),
    (error: unknown) => error,
  );
}

function expectTooLarge(error: unknown): void {
  expect(error).toBeInstanceOf(PlaintextTooLargeError);
  expect(error).toMatchObject({ code: 'ERR_PLAINTEXT_TOO_LARGE' });
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

function ecKey(key: KmsPublicKey): EcPublicKey {
  if (key.family !== 'EC') throw new Error(`expected an EC key, got ${key.keySpec}`);
  return key;
}

/* ------------------------------------------------------------------------------------------------
 * RSAES-OAEP.
 */

/** KMS's documented limits (k - 2*hLen - 2), written out rather than computed by the code under test. */
const RSA_CASES = [
  { spec: 'RSA_2048', algorithm: 'RSAES_OAEP_SHA_256', oaepHash: 'sha256', limit: 190, modulusBytes: 256 },
  { spec: 'RSA_2048', algorithm: 'RSAES_OAEP_SHA_1', oaepHash: 'sha1', limit: 214, modulusBytes: 256 },
  { spec: 'RSA_3072', algorithm: 'RSAES_OAEP_SHA_256', oaepHash: 'sha256', limit: 318, modulusBytes: 384 },
  { spec: 'RSA_3072', algorithm: 'RSAES_OAEP_SHA_1', oaepHash: 'sha1', limit: 342, modulusBytes: 384 },
] as const;

const rsaKeys = new Map(
  (['RSA_2048', 'RSA_3072'] as const).map((spec) => [
    spec,
    {
      publicKey: parsePublicKey(readKeyVectorText(`${spec}/public.pem`)),
      privateKey: createPrivateKey(readKeyVectorText(`${spec}/private.pem`)),
    },
  ]),
);

function rsaKeyPair(spec: 'RSA_2048' | 'RSA_3072'): { publicKey: KmsPublicKey; privateKey: KeyObject } {
  const pair = rsaKeys.get(spec);
  if (pair === undefined) throw new Error(`no key pair for ${spec}`);
  return pair;
}

describe.each(BACKENDS)('RSAES-OAEP on the %s backend, decrypted by node:crypto', (backend, encryptWith) => {
  describe.each(RSA_CASES)('$algorithm with $spec (limit $limit bytes)', (rsaCase) => {
    const { publicKey, privateKey } = rsaKeyPair(rsaCase.spec);
    const decrypt = (ciphertext: Uint8Array) =>
      new Uint8Array(
        privateDecrypt(
          { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: rsaCase.oaepHash },
          ciphertext,
        ),
      );

    it('every plaintext length from 0 to the limit round-trips', async () => {
      const started = performance.now();
      const problems: string[] = [];
      for (let length = 0; length <= rsaCase.limit; length++) {
        const plaintext = new Uint8Array(randomBytes(length));
        const ciphertext = await encryptWith({ key: publicKey, algorithm: rsaCase.algorithm, plaintext });
        if (ciphertext.length !== rsaCase.modulusBytes) {
          problems.push(`length ${length}: ciphertext is ${ciphertext.length} bytes`);
          continue;
        }
        let recovered: Uint8Array;
        try {
          recovered = decrypt(ciphertext);
        } catch (error) {
          problems.push(`length ${length}: privateDecrypt failed: ${String(error)}`);
          continue;
        }
        if (!same(recovered, plaintext)) {
          problems.push(`length ${length}: got ${toHex(recovered)}, expected ${toHex(plaintext)}`);
        }
      }
      console.log(
        `RSA ${backend} ${rsaCase.algorithm} ${rsaCase.spec}: ${rsaCase.limit + 1} lengths round-tripped in ${(performance.now() - started).toFixed(0)} ms`,
      );
      expect(problems).toEqual([]);
    });

    it('limit + 1 (and far more) is refused with ERR_PLAINTEXT_TOO_LARGE', async () => {
      for (const length of [rsaCase.limit + 1, rsaCase.modulusBytes, 10_000]) {
        const plaintext = new Uint8Array(length);
        expectTooLarge(
          await rejection(encryptWith({ key: publicKey, algorithm: rsaCase.algorithm, plaintext })),
        );
      }
    });

    it('is randomized: the same plaintext twice gives two ciphertexts, both decrypting to it', async () => {
      for (const length of [0, 1, rsaCase.limit]) {
        const plaintext = new Uint8Array(randomBytes(length));
        const first = await encryptWith({ key: publicKey, algorithm: rsaCase.algorithm, plaintext });
        const second = await encryptWith({ key: publicKey, algorithm: rsaCase.algorithm, plaintext });
        expect(toHex(first)).not.toBe(toHex(second));
        expect(toHex(decrypt(first))).toBe(toHex(plaintext));
        expect(toHex(decrypt(second))).toBe(toHex(plaintext));
      }
    });
  });
});

/* ------------------------------------------------------------------------------------------------
 * SM2PKE: the standard's example.
 */

const big = (text: string) => BigInt(`0x${text.replace(/\s/g, '')}`);

/** GM/T 0003.5-2012 (GB/T 32918.5) encryption example on the recommended curve. */
const EXAMPLE = {
  d: big('3945208F 7B2144B1 3F36E38A C6D39F95 88939369 2860B51A 42FB81EF 4DF7C5B8'),
  x: big('09F9DF31 1E5421A1 50DD7D16 1E4BC5C6 72179FAD 1833FC07 6BB08FF3 56F35020'),
  y: big('CCEA490C E26775A5 2DC6EA71 8CC1AA60 0AED05FB F35E084A 6632F607 2DA9AD13'),
  message: new TextEncoder().encode('encryption standard'),
  k: big('59276E27 D506861A 16680F3A D9C02DCC EF3CC1FA 3CDBE4CE 6D54B80D EAC1BC21'),
  x1: hex('04EBFC71 8E8D1798 62043226 8E77FEB6 415E2EDE 0E073C0F 4F640ECD 2E149A73'),
  y1: hex('E858F9D8 1E5430A5 7B36DAAB 8F950A3C 64E6EE6A 63094D99 283AFF76 7E124DF0'),
  c3: hex('59983C18 F809E262 923C53AE C295D303 83B54E39 D609D160 AFCB1908 D0BD8766'),
  c2: hex('21886CA9 89CA9C7D 58087307 CA93092D 651EFA'),
};

describe('SM2PKE: the GM/T 0003.5 encryption example ("encryption standard", fixed k)', () => {
  const point = bytes(0x04, bigToBytes(EXAMPLE.x, 32), bigToBytes(EXAMPLE.y, 32));
  const key = ecKey(parsePublicKey(ecSpki(OIDS.sm2, point)));
  const withK = (format: Sm2Format) =>
    sm2Encrypt(preparedPoint(key), EXAMPLE.message, format, () => EXAMPLE.k);
  const expected = {
    c1c3c2: bytes(0x04, EXAMPLE.x1, EXAMPLE.y1, EXAMPLE.c3, EXAMPLE.c2),
    c1c2c3: bytes(0x04, EXAMPLE.x1, EXAMPLE.y1, EXAMPLE.c2, EXAMPLE.c3),
    asn1: seq(uint(EXAMPLE.x1), uint(EXAMPLE.y1), tlv(0x04, EXAMPLE.c3), tlv(0x04, EXAMPLE.c2)),
  } as const;

  it('the example key is consistent: P = d*G', () => {
    const arithmetic = new CurveArithmetic(SM2);
    const dG = arithmetic.toAffine(
      arithmetic.addMultipleFromTable(INFINITY, arithmetic.generator(), EXAMPLE.d),
    );
    expect(dG).toEqual({ x: EXAMPLE.x, y: EXAMPLE.y });
  });

  it('c1c3c2 is byte for byte the published ciphertext', () => {
    expect(toHex(withK('c1c3c2'))).toBe(
      '04' +
        '04ebfc718e8d1798620432268e77feb6415e2ede0e073c0f4f640ecd2e149a73' +
        'e858f9d81e5430a57b36daab8f950a3c64e6ee6a63094d99283aff767e124df0' +
        '59983c18f809e262923c53aec295d30383b54e39d609d160afcb1908d0bd8766' +
        '21886ca989ca9c7d58087307ca93092d651efa',
    );
  });

  it.each(SM2_FORMATS)('%s carries the same C1, C2 and C3', (format) => {
    const ciphertext = withK(format);
    expect(toHex(ciphertext)).toBe(toHex(expected[format]));
    const parts = parseSm2Ciphertext(ciphertext, format);
    expect(parts.x1).toBe(bytesToBigInt(EXAMPLE.x1));
    expect(parts.y1).toBe(bytesToBigInt(EXAMPLE.y1));
    expect(toHex(parts.c3)).toBe(toHex(EXAMPLE.c3));
    expect(toHex(parts.c2)).toBe(toHex(EXAMPLE.c2));
  });

  it.each(SM2_FORMATS)('the test-side decryptor recovers M from the %s form', (format) => {
    expect(new TextDecoder().decode(sm2Decrypt(EXAMPLE.d, expected[format], format))).toBe(
      'encryption standard',
    );
  });

  it('the test-side decryptor refuses a wrong C3, a changed C2, C1 off the curve and the wrong key', () => {
    const parts = parseSm2Ciphertext(expected.c1c3c2, 'c1c3c2');
    const flipped = (value: Uint8Array, at: number) => {
      const copy = new Uint8Array(value);
      copy[at] = (copy[at] as number) ^ 0x01;
      return copy;
    };
    const cases: [string, Uint8Array, RegExp][] = [
      ['C3', encodeSm2Ciphertext({ ...parts, c3: flipped(parts.c3, 31) }, 'c1c3c2'), /B6/],
      ['C2', encodeSm2Ciphertext({ ...parts, c2: flipped(parts.c2, 0) }, 'c1c3c2'), /B6/],
      ['C1', encodeSm2Ciphertext({ ...parts, y1: parts.y1 ^ 1n }, 'c1c3c2'), /B1/],
    ];
    for (const [, ciphertext, reason] of cases) {
      expect(() => sm2Decrypt(EXAMPLE.d, ciphertext, 'c1c3c2')).toThrow(reason);
    }
    expect(() => sm2Decrypt(EXAMPLE.d + 1n, expected.c1c3c2, 'c1c3c2')).toThrow(/B6/);
  });
});

/* ------------------------------------------------------------------------------------------------
 * SM2PKE: every length, every encoding.
 */

const SM2_LIMIT = 6047;
const sm2Key = parsePublicKey(readKeyVectorText('EC_SM2/public.pem'));
const sm2D = readSm2PrivateScalar(readKeyVectorText('EC_SM2/private.pem'));

/** Bytes a DER length field takes for a content length (the lengths here stay below 65,536). */
function derLengthBytes(length: number): number {
  return length < 0x80 ? 1 : length < 0x100 ? 2 : 3;
}

/** Bytes of a minimal DER INTEGER TLV for a non-negative value below 2^256. */
function derIntegerBytes(value: bigint): number {
  const magnitude = Math.max(1, Math.ceil(value.toString(16).length / 2));
  const signByte = (value >> BigInt(8 * magnitude - 1)) & 1n ? 1 : 0;
  return 2 + magnitude + signByte;
}

/**
 * Why `ciphertext` is not a correct `format` encryption of `plaintext` under the EC_SM2 key, or
 * undefined when it is. Raw forms: exactly 97 bytes more than the plaintext, 04 first. asn1: the
 * exact canonical DER SM2Cipher (re-encoding the parts gives the same bytes, and the length is what
 * the parts' sizes predict). Then the test-side decryptor must give the plaintext back.
 */
function sm2Problem(ciphertext: Uint8Array, plaintext: Uint8Array, format: Sm2Format): string | undefined {
  const where = `${format}, plaintext length ${plaintext.length}`;
  try {
    if (format === 'asn1') {
      const parts = parseSm2Ciphertext(ciphertext, 'asn1');
      if (parts.c2.length !== plaintext.length) return `${where}: C2 is ${parts.c2.length} bytes`;
      const content =
        derIntegerBytes(parts.x1) +
        derIntegerBytes(parts.y1) +
        34 +
        1 +
        derLengthBytes(plaintext.length) +
        plaintext.length;
      if (ciphertext.length !== 1 + derLengthBytes(content) + content) {
        return `${where}: ${ciphertext.length} bytes, expected ${1 + derLengthBytes(content) + content}`;
      }
      if (!same(encodeSm2Ciphertext(parts, 'asn1'), ciphertext)) return `${where}: not canonical DER`;
    } else {
      if (ciphertext.length !== SM2_RAW_OVERHEAD + plaintext.length) {
        return `${where}: ${ciphertext.length} bytes, expected ${SM2_RAW_OVERHEAD + plaintext.length}`;
      }
      if (ciphertext[0] !== 0x04) return `${where}: first byte ${ciphertext[0]}`;
    }
    const recovered = sm2Decrypt(sm2D, ciphertext, format);
    if (!same(recovered, plaintext)) {
      return `${where}: decrypted to ${toHex(recovered).slice(0, 64)}..., expected ${toHex(plaintext).slice(0, 64)}...`;
    }
    return undefined;
  } catch (error) {
    return `${where}: ${String(error)}; ciphertext ${toHex(ciphertext).slice(0, 300)}...`;
  }
}

describe('SM2PKE with the EC_SM2 test key, decrypted by the test-side decryptor', () => {
  it('the private scalar read from private.pem belongs to public.pem (d*G = P)', () => {
    const arithmetic = new CurveArithmetic(SM2);
    const dG = arithmetic.toAffine(arithmetic.addMultipleFromTable(INFINITY, arithmetic.generator(), sm2D));
    const point = ecKey(sm2Key).point;
    expect(dG).toEqual({
      x: bytesToBigInt(point.subarray(1, 33)),
      y: bytesToBigInt(point.subarray(33)),
    });
  });

  it('every plaintext length 0..6047 round-trips in the default format (c1c3c2, core)', async () => {
    let encrypting = 0;
    let decrypting = 0;
    const problems: string[] = [];
    for (let length = 0; length <= SM2_LIMIT; length++) {
      const plaintext = new Uint8Array(randomBytes(length));
      const started = performance.now();
      const ciphertext = await coreEncrypt({ key: sm2Key, algorithm: 'SM2PKE', plaintext });
      const encrypted = performance.now();
      const problem = sm2Problem(ciphertext, plaintext, 'c1c3c2');
      encrypting += encrypted - started;
      decrypting += performance.now() - encrypted;
      if (problem !== undefined) problems.push(problem);
    }
    console.log(
      `SM2 c1c3c2 core: ${SM2_LIMIT + 1} lengths, encrypt ${encrypting.toFixed(0)} ms, check + test-side decrypt ${decrypting.toFixed(0)} ms`,
    );
    expect(problems.slice(0, 10)).toEqual([]);
  }, 240_000);

  it('every encoding on both backends: lengths 0..300 (every DER length-field change), 512 +- 1 and others, every 61st, 6047', async () => {
    const lengths = new Set<number>();
    for (let length = 0; length <= 300; length++) lengths.add(length);
    for (const around of [511, 512, 1024, 4096, 6000])
      for (let delta = -1; delta <= 1; delta++) lengths.add(around + delta);
    for (let length = 0; length <= SM2_LIMIT; length += 61) lengths.add(length);
    lengths.add(SM2_LIMIT - 1).add(SM2_LIMIT);
    const started = performance.now();
    const problems: string[] = [];
    let count = 0;
    for (const length of lengths) {
      const plaintext = new Uint8Array(randomBytes(length));
      for (const format of SM2_FORMATS) {
        // Node for every length in the asn1 form and for alternate lengths in the raw ones.
        const [, encryptWith] = (format === 'asn1' || length % 2 === 1 ? BACKENDS[1] : BACKENDS[0]) as [
          string,
          Encrypt,
        ];
        const ciphertext = await encryptWith({
          key: sm2Key,
          algorithm: 'SM2PKE',
          plaintext,
          sm2Format: format,
        });
        const problem = sm2Problem(ciphertext, plaintext, format);
        if (problem !== undefined) problems.push(problem);
        count++;
      }
    }
    console.log(
      `SM2 all encodings, core + node: ${count} encryptions (${lengths.size} lengths x 3) in ${(performance.now() - started).toFixed(0)} ms`,
    );
    expect(problems.slice(0, 10)).toEqual([]);
  }, 120_000);

  it('property: random plaintexts, encodings and backends round-trip', async () => {
    const started = performance.now();
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 0, max: SM2_LIMIT })
          .chain((length) => fc.uint8Array({ minLength: length, maxLength: length })),
        fc.constantFrom(...SM2_FORMATS),
        fc.constantFrom(...BACKENDS),
        async (plaintext, format, [, encryptWith]) => {
          runs++;
          const ciphertext = await encryptWith({
            key: sm2Key,
            algorithm: 'SM2PKE',
            plaintext,
            sm2Format: format,
          });
          expect(sm2Problem(ciphertext, plaintext, format)).toBeUndefined();
        },
      ),
      { numRuns: 400 },
    );
    console.log(`SM2 property: ${runs} runs in ${(performance.now() - started).toFixed(0)} ms`);
  }, 120_000);

  it('6048 bytes (and more) is refused with ERR_PLAINTEXT_TOO_LARGE in every encoding, on both backends', async () => {
    for (const [, encryptWith] of BACKENDS) {
      for (const sm2Format of [undefined, ...SM2_FORMATS]) {
        for (const length of [SM2_LIMIT + 1, 100_000]) {
          const plaintext = new Uint8Array(length);
          const options: EncryptOptions =
            sm2Format === undefined
              ? { key: sm2Key, algorithm: 'SM2PKE', plaintext }
              : { key: sm2Key, algorithm: 'SM2PKE', plaintext, sm2Format };
          expectTooLarge(await rejection(encryptWith(options)));
        }
      }
    }
  });

  it('is randomized: the same plaintext twice gives different ciphertexts (different C1)', async () => {
    const plaintext = new Uint8Array(randomBytes(32));
    const first = await coreEncrypt({ key: sm2Key, algorithm: 'SM2PKE', plaintext });
    const second = await coreEncrypt({ key: sm2Key, algorithm: 'SM2PKE', plaintext });
    expect(toHex(first.subarray(0, 65))).not.toBe(toHex(second.subarray(0, 65)));
    expect(toHex(first.subarray(97))).not.toBe(toHex(second.subarray(97)));
  });
});

/* ------------------------------------------------------------------------------------------------
 * SM2PKE against the OpenSSL command line.
 */

const openssl = findOpenssl();
if (!openssl.available) warnOpensslMissing('test/encrypt/roundtrip.test.ts (SM2PKE)', openssl.detail);

describe.skipIf(!openssl.available)(`SM2PKE against OpenSSL (${openssl.detail})`, () => {
  const privatePem = `${KEY_VECTORS_DIR}EC_SM2/private.pem`;
  const publicPem = `${KEY_VECTORS_DIR}EC_SM2/public.pem`;
  let spawns = 1; // findOpenssl's `openssl version`

  function pkeyutl(
    args: readonly string[],
    input: Uint8Array,
  ): { ok: boolean; out: Uint8Array; err: string } {
    spawns++;
    const result = spawnSync('openssl', ['pkeyutl', ...args], { input, encoding: 'buffer' });
    if (result.error !== undefined) throw result.error;
    return {
      ok: result.status === 0,
      out: new Uint8Array(result.stdout),
      err: result.stderr.toString('utf8'),
    };
  }
  const opensslDecrypt = (ciphertext: Uint8Array) => pkeyutl(['-decrypt', '-inkey', privatePem], ciphertext);
  const opensslEncrypt = (plaintext: Uint8Array, extra: readonly string[] = []) =>
    pkeyutl(['-encrypt', '-pubin', '-inkey', publicPem, ...extra], plaintext);

  afterAll(() => console.log(`SM2 vs OpenSSL: ${spawns} openssl processes in all`));

  it('OpenSSL decrypts our ciphertexts: asn1 as is, the raw forms converted to asn1', async () => {
    // The edge lengths in every encoding, then random lengths with the encoding and backend rotating.
    const cases: [number, Sm2Format][] = [];
    for (const length of [0, 1, 100, SM2_LIMIT])
      for (const format of SM2_FORMATS) cases.push([length, format]);
    for (let index = 0; index < 28; index++) {
      cases.push([randomInt(2, SM2_LIMIT), SM2_FORMATS[index % 3] as Sm2Format]);
    }
    const started = performance.now();
    const problems: string[] = [];
    for (const [index, [length, format]] of cases.entries()) {
      const plaintext = new Uint8Array(randomBytes(length));
      const [, encryptWith] = BACKENDS[index % 2] as [string, Encrypt];
      const ciphertext = await encryptWith({
        key: sm2Key,
        algorithm: 'SM2PKE',
        plaintext,
        sm2Format: format,
      });
      const asn1 = format === 'asn1' ? ciphertext : convertSm2Ciphertext(ciphertext, format, 'asn1');
      const result = opensslDecrypt(asn1);
      if (!result.ok)
        problems.push(
          `${format} length ${length}: openssl refused: ${result.err.trim()}; asn1 ${toHex(asn1).slice(0, 300)}`,
        );
      else if (!same(result.out, plaintext))
        problems.push(`${format} length ${length}: openssl gave ${toHex(result.out).slice(0, 64)}...`);
    }
    console.log(
      `SM2 ours -> OpenSSL: ${cases.length} ciphertexts decrypted in ${(performance.now() - started).toFixed(0)} ms (lengths ${cases.map(([length]) => length).join(', ')})`,
    );
    expect(problems).toEqual([]);
  });

  it('OpenSSL checks C3: a ciphertext with one C3 bit flipped is refused (so the acceptances above mean something)', async () => {
    const plaintext = new Uint8Array(randomBytes(100));
    const ciphertext = await coreEncrypt({ key: sm2Key, algorithm: 'SM2PKE', plaintext, sm2Format: 'asn1' });
    const parts = parseSm2Ciphertext(ciphertext, 'asn1');
    const c3 = new Uint8Array(parts.c3);
    c3[0] = (c3[0] as number) ^ 0x80;
    expect(opensslDecrypt(encodeSm2Ciphertext({ ...parts, c3 }, 'asn1')).ok).toBe(false);
  });

  it('we decrypt OpenSSL ciphertexts (asn1, canonical DER) in every encoding: both sides use SM3 for the KDF and C3', () => {
    const lengths = [1, 2, 31, 32, 33, 100, 127, 128, SM2_LIMIT];
    while (lengths.length < 30) lengths.push(randomInt(3, SM2_LIMIT));
    const started = performance.now();
    const problems: string[] = [];
    for (const length of lengths) {
      const plaintext = new Uint8Array(randomBytes(length));
      const result = opensslEncrypt(plaintext);
      if (!result.ok) {
        problems.push(`length ${length}: openssl refused to encrypt: ${result.err.trim()}`);
        continue;
      }
      const problem = sm2Problem(result.out, plaintext, 'asn1');
      if (problem !== undefined) problems.push(`openssl ciphertext: ${problem}`);
      for (const format of ['c1c3c2', 'c1c2c3'] as const) {
        const raw = convertSm2Ciphertext(result.out, 'asn1', format);
        const rawProblem = sm2Problem(raw, plaintext, format);
        if (rawProblem !== undefined) problems.push(`openssl ciphertext converted: ${rawProblem}`);
      }
    }
    console.log(
      `SM2 OpenSSL -> ours: ${lengths.length} ciphertexts decrypted in ${(performance.now() - started).toFixed(0)} ms`,
    );
    expect(problems).toEqual([]);
  });

  it('OpenSSL refuses to encrypt an empty message (it decrypts ours, above); we accept it', async () => {
    const result = opensslEncrypt(new Uint8Array(0));
    console.log(
      `SM2 OpenSSL on an empty message: ${result.ok ? 'encrypted' : `refused: ${result.err.trim().split('\n').join(' | ')}`}`,
    );
    expect(result.ok).toBe(false);
    const ours = await coreEncrypt({ key: sm2Key, algorithm: 'SM2PKE', plaintext: new Uint8Array(0) });
    expect(ours.length).toBe(SM2_RAW_OVERHEAD);
  });

  it('with -pkeyopt digest:sha256 OpenSSL makes ciphertexts our SM3 decryptor refuses (SM3 is its default)', () => {
    const plaintext = new Uint8Array(randomBytes(50));
    const result = opensslEncrypt(plaintext, ['-pkeyopt', 'digest:sha256']);
    expect(result.ok).toBe(true);
    expect(() => sm2Decrypt(sm2D, result.out, 'asn1')).toThrow(/B6/);
  });
});
