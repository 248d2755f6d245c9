/**
 * verify() against OpenSSL, in both directions and on both backends (the core entry on Web Crypto
 * plus pure code, the Node entry on node:crypto):
 *
 * - vectors/signatures/signatures.json holds signatures the OpenSSL 3 CLI made with the keys in
 *   vectors/keys/, tampered twins and r||s forms, each with the verdict OpenSSL gave when the file
 *   was made (see vectors/signatures/README.md); both backends must return exactly that verdict;
 * - live, fresh random messages are signed now (node:crypto, or the OpenSSL CLI for SM2 with the
 *   default user ID), tampered, and both backends must agree with `openssl dgst -verify` /
 *   `openssl pkeyutl -verify` on every one. Without `openssl` the live part is skipped loudly.
 */

import { spawnSync } from 'node:child_process';
import { constants, createHash, createPrivateKey, randomBytes, randomInt, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SM2_USER_ID, type VerifyOptions, verify } from '../../src/index.js';
import { SM2 } from '../../src/keys/curves.js';
import { verify as nodeVerify } from '../../src/node/index.js';
import { opensslSm2Sign, sm2MessageOptions } from '../helpers/openssl-sm2.js';
import { findOpenssl, warnOpensslMissing } from '../helpers/openssl-text.js';
import {
  KEY_VECTORS_DIR,
  readKeyVector,
  readKeyVectorText,
  readSignatureVectors,
  type SignatureVector,
  toHex,
} from '../helpers/vectors.js';

type Verify = (options: VerifyOptions) => Promise<boolean>;

const BACKENDS: readonly (readonly [string, Verify])[] = [
  ['core', verify],
  ['node', nodeVerify],
];

/* ------------------------------------------------------------------------------------------------
 * The committed OpenSSL vectors
 */

const VECTORS = readSignatureVectors();

function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

const publicPems = new Map<string, string>();
function publicPem(keySpec: string): string {
  let pem = publicPems.get(keySpec);
  if (pem === undefined) {
    pem = readKeyVectorText(`${keySpec}/public.pem`);
    publicPems.set(keySpec, pem);
  }
  return pem;
}

/**
 * verify() options for an entry. A 'der' entry is checked twice: with signatureFormat 'der' given
 * (`explicitDer`) and with it left out, since DER is the default.
 */
function optionsFor(entry: SignatureVector, explicitDer: boolean): VerifyOptions {
  const format = entry.signatureFormat === 'der' && !explicitDer ? undefined : entry.signatureFormat;
  const base = {
    key: publicPem(entry.keySpec),
    algorithm: entry.algorithm,
    signature: fromBase64(entry.signature),
    ...(format === undefined ? {} : { signatureFormat: format }),
  };
  if (entry.mode === 'digest') return { ...base, digest: fromBase64(entry.digest as string) };
  return {
    ...base,
    message: fromBase64(entry.message),
    ...(entry.userId === undefined ? {} : { userId: entry.userId }),
  };
}

function describeEntry(index: number, entry: SignatureVector): string {
  const format = entry.signatureFormat ?? (entry.algorithm.startsWith('RSA') ? 'rsa' : 'der');
  const user = entry.userId === undefined ? '' : ` userId=${entry.userId}`;
  return `#${index} ${entry.keySpec} ${entry.algorithm} ${entry.mode} ${format}${user} expected=${entry.expected}: ${entry.note}`;
}

/** Outcome counts, printed once the suite is done. */
const tally = new Map<string, number>();
function count(key: string): void {
  tally.set(key, (tally.get(key) ?? 0) + 1);
}

afterAll(() => {
  if (tally.size === 0) return;
  const lines = [...tally].sort(([a], [b]) => a.localeCompare(b)).map(([key, n]) => `  ${key}: ${n}`);
  console.log(`\nverify() against OpenSSL (${VECTORS.openssl})\n${lines.join('\n')}`);
});

describe(`verify() on the OpenSSL signature vectors (${VECTORS.entries.length} entries)`, () => {
  it('covers every key spec and algorithm, both modes, both verdicts and both EC signature formats', () => {
    const seen = new Set(
      VECTORS.entries.map(
        (entry) =>
          `${entry.keySpec} ${entry.algorithm} ${entry.mode} ${entry.signatureFormat ?? 'der'} ${entry.expected}`,
      ),
    );
    const pairs = [
      ['RSA_2048', 'RSA_PSS_SHA_256'],
      ['RSA_2048', 'RSA_PKCS1_SHA_256'],
      ['RSA_3072', 'RSA_PSS_SHA_256'],
      ['RSA_3072', 'RSA_PKCS1_SHA_256'],
      ['EC_P256', 'ECDSA_SHA_256'],
      ['EC_P256K', 'ECDSA_SHA_256'],
      ['EC_SM2', 'SM2DSA'],
    ];
    for (const [keySpec, algorithm] of pairs) {
      const formats = keySpec?.startsWith('EC') ? ['der', 'p1363'] : ['der'];
      for (const mode of ['message', 'digest'])
        for (const format of formats)
          for (const expected of [true, false]) {
            expect(seen, `${keySpec} ${algorithm} ${mode} ${format} ${expected}`).toContain(
              `${keySpec} ${algorithm} ${mode} ${format} ${expected}`,
            );
          }
    }
    const customUserIds = VECTORS.entries.filter((entry) => entry.userId !== undefined);
    expect(customUserIds.some((entry) => entry.expected)).toBe(true);
    expect(customUserIds.some((entry) => !entry.expected)).toBe(true);
    expect(VECTORS.entries.some((entry) => entry.mode === 'message' && entry.message === '')).toBe(true);
  });

  for (const [backend, run] of BACKENDS) {
    it.each(VECTORS.entries.map((entry, index) => [describeEntry(index, entry), entry] as const))(
      `${backend}: %s`,
      async (_name, entry) => {
        const name = describeEntry(VECTORS.entries.indexOf(entry), entry);
        expect(await run(optionsFor(entry, true)), `${backend} backend on ${name}`).toBe(entry.expected);
        if (entry.signatureFormat === 'der') {
          const got = await run(optionsFor(entry, false));
          expect(got, `${backend} backend, signatureFormat left to default, on ${name}`).toBe(entry.expected);
        }
        count(`vectors ${backend}`);
        count(`vectors ${entry.algorithm} ${entry.mode} expected=${entry.expected} (${backend})`);
      },
    );
  }
});

/* ------------------------------------------------------------------------------------------------
 * Live: sign now, tamper, and compare our verdict with the OpenSSL on PATH
 */

const openssl = findOpenssl();
if (!openssl.available) warnOpensslMissing('test/verify/openssl.test.ts', openssl.detail);

/** Fresh messages per key spec and signer. */
const LIVE_MESSAGES = 20;

/** OpenSSL's verdict: true for a verified signature, false for a failed or unparsable one. */
function opensslVerdict(args: readonly string[]): boolean {
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  if (result.error !== undefined) throw result.error;
  const output = `${result.stdout}${result.stderr}`;
  if (result.status === 0) {
    if (/Verified OK|Signature Verified Successfully/.test(output)) return true;
    throw new Error(`openssl ${args.join(' ')} exited 0 without a verdict: ${output}`);
  }
  if (/Verification [Ff]ailure|Error verifying data/.test(output)) return false;
  throw new Error(`openssl ${args.join(' ')} failed unexpectedly (${result.status}): ${output}`);
}

/** openssl with `args` must succeed; stdout is ignored. */
function _runOrThrow(args: readonly string[]): void {
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  if (result.error !== undefined) throw result.error;
  if (result.status !== 0)
    throw new Error(`openssl ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
}

function flipRandomBit(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 0) return new Uint8Array([1 << randomInt(8)]);
  const out = bytes.slice();
  const index = randomInt(out.length);
  out[index] = (out[index] as number) ^ (1 << randomInt(8));
  return out;
}

const PSS_OPTIONS = ['rsa_padding_mode:pss', 'rsa_pss_saltlen:32', 'rsa_mgf1_md:sha256'];

/** e = SM3(Z || M) computed with node:crypto, independently of src/sm (curve constants only). */
function sm2E(userId: Uint8Array, message: Uint8Array): Uint8Array {
  const spki = readKeyVector('EC_SM2/public.der');
  const point = spki.subarray(spki.length - 64);
  const coordinate = (value: bigint) => Buffer.from(value.toString(16).padStart(64, '0'), 'hex');
  const bits = userId.length * 8;
  const z = createHash('sm3')
    .update(Uint8Array.from([bits >>> 8, bits & 0xff]))
    .update(userId)
    .update(coordinate(SM2.a))
    .update(coordinate(SM2.b))
    .update(coordinate(SM2.gx))
    .update(coordinate(SM2.gy))
    .update(point)
    .digest();
  return new Uint8Array(createHash('sm3').update(z).update(message).digest());
}

interface LiveSigner {
  readonly name: string;
  readonly keySpec: string;
  readonly algorithm: string;
  /** The user ID the signer uses (SM2 only); absent means the default, which verify() then gets implicitly. */
  readonly userId?: Uint8Array;
  sign(message: Uint8Array, directory: string): Uint8Array;
}

function nodeSigner(keySpec: string, algorithm: string, userId?: Uint8Array): LiveSigner {
  const privateKey = createPrivateKey(readKeyVectorText(`${keySpec}/private.pem`));
  const hash = algorithm === 'SM2DSA' ? 'sm3' : 'sha256';
  return {
    name: `${keySpec} ${algorithm} signed by node:crypto`,
    keySpec,
    algorithm,
    ...(userId === undefined ? {} : { userId }),
    sign: (message) =>
      new Uint8Array(
        algorithm === 'RSA_PSS_SHA_256'
          ? sign(hash, message, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
          : sign(hash, message, privateKey),
      ),
  };
}

/** SM2 with the default user ID: node:crypto cannot set one, so the OpenSSL CLI signs. */
const sm2CliSigner: LiveSigner = {
  name: 'EC_SM2 SM2DSA signed by openssl pkeyutl -rawin, distid 1234567812345678',
  keySpec: 'EC_SM2',
  algorithm: 'SM2DSA',
  sign(message) {
    return opensslSm2Sign({ path: `${KEY_VECTORS_DIR}EC_SM2/private.pem` }, message);
  },
};

const LIVE_SIGNERS: readonly LiveSigner[] = [
  nodeSigner('RSA_2048', 'RSA_PSS_SHA_256'),
  nodeSigner('RSA_2048', 'RSA_PKCS1_SHA_256'),
  nodeSigner('RSA_3072', 'RSA_PSS_SHA_256'),
  nodeSigner('RSA_3072', 'RSA_PKCS1_SHA_256'),
  nodeSigner('EC_P256', 'ECDSA_SHA_256'),
  nodeSigner('EC_P256K', 'ECDSA_SHA_256'),
  // node:crypto signs SM2 with an EMPTY user ID (OpenSSL's default), not KMS's 1234567812345678
  nodeSigner('EC_SM2', 'SM2DSA', new Uint8Array(0)),
  sm2CliSigner,
];

/** OpenSSL's verdict on a message-mode signature (DER for EC). */
function opensslVerifyMessage(
  signer: LiveSigner,
  message: Uint8Array,
  signature: Uint8Array,
  directory: string,
): boolean {
  const messageFile = join(directory, 'message');
  const signatureFile = join(directory, 'signature');
  writeFileSync(messageFile, message);
  writeFileSync(signatureFile, signature);
  const publicKey = `${KEY_VECTORS_DIR}${signer.keySpec}/public.pem`;
  if (signer.algorithm === 'SM2DSA') {
    return opensslVerdict([
      'pkeyutl',
      '-verify',
      ...sm2MessageOptions(signer.userId),
      '-pubin',
      '-inkey',
      publicKey,
      '-in',
      messageFile,
      '-sigfile',
      signatureFile,
    ]);
  }
  const pss = signer.algorithm === 'RSA_PSS_SHA_256' ? PSS_OPTIONS.flatMap((o) => ['-sigopt', o]) : [];
  return opensslVerdict([
    'dgst',
    '-sha256',
    ...pss,
    '-verify',
    publicKey,
    '-signature',
    signatureFile,
    messageFile,
  ]);
}

/** OpenSSL's verdict on a digest-mode signature (SHA-256 of the message, or SM2's e). */
function opensslVerifyDigest(
  signer: LiveSigner,
  digest: Uint8Array,
  signature: Uint8Array,
  directory: string,
): boolean {
  const digestFile = join(directory, 'digest');
  const signatureFile = join(directory, 'signature');
  writeFileSync(digestFile, digest);
  writeFileSync(signatureFile, signature);
  const options =
    signer.algorithm === 'SM2DSA'
      ? [] // without -rawin pkeyutl takes the input as e
      : signer.algorithm === 'RSA_PSS_SHA_256'
        ? [...PSS_OPTIONS, 'digest:sha256']
        : signer.algorithm === 'RSA_PKCS1_SHA_256'
          ? ['rsa_padding_mode:pkcs1', 'digest:sha256']
          : ['digest:sha256'];
  return opensslVerdict([
    'pkeyutl',
    '-verify',
    ...options.flatMap((o) => ['-pkeyopt', o]),
    '-pubin',
    '-inkey',
    `${KEY_VECTORS_DIR}${signer.keySpec}/public.pem`,
    '-in',
    digestFile,
    '-sigfile',
    signatureFile,
  ]);
}

/** DER Ecdsa-Sig-Value -> r || s (32-byte halves), read independently of src/. */
function derToP1363(der: Uint8Array): Uint8Array {
  const out = new Uint8Array(64);
  let offset = der[1] === 0x81 ? 3 : 2;
  for (const half of [0, 1]) {
    if (der[offset] !== 0x02) throw new Error(`not a DER signature: ${toHex(der)}`);
    const length = der[offset + 1] as number;
    const value = der.subarray(offset + 2, offset + 2 + length);
    const trimmed = value.length > 32 ? value.subarray(value.length - 32) : value;
    out.set(trimmed, half * 32 + 32 - trimmed.length);
    offset += 2 + length;
  }
  return out;
}

describe.skipIf(!openssl.available)(
  `live: fresh signatures, our verdict = OpenSSL's (${openssl.detail})`,
  () => {
    let directory = '';
    beforeAll(() => {
      directory = mkdtempSync(join(tmpdir(), 'kms-verify-openssl-'));
    });
    afterAll(() => {
      if (directory !== '') rmSync(directory, { recursive: true, force: true });
    });

    for (const signer of LIVE_SIGNERS) {
      it(`${signer.name}: ${LIVE_MESSAGES} messages, originals and tampered twins, message and digest mode`, async () => {
        const isSm2 = signer.algorithm === 'SM2DSA';
        const isEc = signer.algorithm === 'ECDSA_SHA_256' || isSm2;
        const key = publicPem(signer.keySpec);
        const userId = signer.userId ?? DEFAULT_SM2_USER_ID;
        for (let round = 0; round < LIVE_MESSAGES; round++) {
          const message = new Uint8Array(randomBytes(round === 0 ? 0 : randomInt(1, 1025)));
          const signature = signer.sign(message, directory);
          const digest = isSm2
            ? sm2E(userId, message)
            : new Uint8Array(createHash('sha256').update(message).digest());
          const tamperedSignature = flipRandomBit(signature);
          const tamperedMessage = flipRandomBit(message);
          const tamperedDigest = flipRandomBit(digest);
          const userIdOption = isSm2 && signer.userId !== undefined ? { userId: signer.userId } : {};
          const cases: readonly {
            readonly label: string;
            readonly wanted: boolean;
            readonly options: VerifyOptions;
            readonly openssl: () => boolean;
          }[] = [
            {
              label: 'message, original',
              wanted: true,
              options: { key, algorithm: signer.algorithm, message, signature, ...userIdOption },
              openssl: () => opensslVerifyMessage(signer, message, signature, directory),
            },
            {
              label: 'message, signature bit flipped',
              wanted: false,
              options: {
                key,
                algorithm: signer.algorithm,
                message,
                signature: tamperedSignature,
                ...userIdOption,
              },
              openssl: () => opensslVerifyMessage(signer, message, tamperedSignature, directory),
            },
            {
              label: 'message, message bit flipped',
              wanted: false,
              options: {
                key,
                algorithm: signer.algorithm,
                message: tamperedMessage,
                signature,
                ...userIdOption,
              },
              openssl: () => opensslVerifyMessage(signer, tamperedMessage, signature, directory),
            },
            {
              label: 'digest, original',
              wanted: true,
              options: { key, algorithm: signer.algorithm, digest, signature },
              openssl: () => opensslVerifyDigest(signer, digest, signature, directory),
            },
            {
              label: 'digest, signature bit flipped',
              wanted: false,
              options: { key, algorithm: signer.algorithm, digest, signature: tamperedSignature },
              openssl: () => opensslVerifyDigest(signer, digest, tamperedSignature, directory),
            },
            {
              label: 'digest, digest bit flipped',
              wanted: false,
              options: { key, algorithm: signer.algorithm, digest: tamperedDigest, signature },
              openssl: () => opensslVerifyDigest(signer, tamperedDigest, signature, directory),
            },
          ];
          for (const testCase of cases) {
            const context = `${signer.name}, round ${round}, ${testCase.label}; message ${toHex(message)}; signature ${toHex(testCase.options.signature)}`;
            const theirs = testCase.openssl();
            expect(theirs, `OpenSSL on ${context}`).toBe(testCase.wanted);
            for (const [backend, run] of BACKENDS) {
              expect(await run(testCase.options), `${backend} backend on ${context}`).toBe(theirs);
              count(`live ${backend}`);
              count(`live ${signer.algorithm} ${testCase.label} expected=${theirs} (${backend})`);
            }
          }
          if (isEc) {
            // the same signature as r || s verifies too (OpenSSL judged the DER form above)
            const p1363 = derToP1363(signature);
            for (const [backend, run] of BACKENDS) {
              const options = {
                key,
                algorithm: signer.algorithm,
                signature: p1363,
                signatureFormat: 'p1363' as const,
              };
              expect(await run({ ...options, message, ...userIdOption }), `${backend} p1363 message`).toBe(
                true,
              );
              expect(await run({ ...options, digest }), `${backend} p1363 digest`).toBe(true);
              count(`live ${backend} p1363`);
            }
          }
          if (isSm2 && signer.userId !== undefined && signer.userId.length === 0) {
            // node:crypto's SM2 signatures are over the empty user ID: with KMS's default ID they fail
            expect(
              opensslVerifyMessage({ ...signer, userId: DEFAULT_SM2_USER_ID }, message, signature, directory),
            ).toBe(false);
            for (const [backend, run] of BACKENDS) {
              expect(
                await run({ key, algorithm: signer.algorithm, message, signature }),
                `${backend}: node-signed SM2 with the default user ID`,
              ).toBe(false);
            }
          }
        }
      });
    }
  },
);
