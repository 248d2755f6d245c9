/**
 * Every public key in the shared Wycheproof files (../shared/vectors/wycheproof/, read in place)
 * parses to the key spec its file name implies, with the raw components the group lists.
 *
 * What counts as the public key, per group `type`:
 * - EcdsaVerify, EcdsaP1363Verify: `publicKeyPem` and `publicKeyDer` (SPKI, named curve,
 *   uncompressed point); raw `publicKey.wx`/`wy`/`uncompressed`; `publicKeyJwk` x/y when present.
 * - RsassaPkcs1Verify, RsassaPssVerify: `publicKeyPem` and `publicKeyDer` (rsaEncryption SPKI),
 *   `publicKeyAsn` (PKCS#1 RSAPublicKey DER); raw `publicKey.modulus`/`publicExponent`; the JWK
 *   (`keyJwk` in the PKCS#1 files, `publicKeyJwk` in the PSS files) n/e.
 * - RsaesOaepDecrypt: the groups carry only the private key (`privateKeyPem`, `privateKeyPkcs8`,
 *   `privateKey`, `privateKeyJwk`). The public key is derived with node:crypto
 *   createPublicKey(privateKeyPem) and tested as SPKI PEM, SPKI DER and PKCS#1 DER against
 *   `privateKey.modulus`/`publicExponent`; the private key itself must be refused as ERR_KEY_FORMAT.
 *
 * Without the shared folder the suite is skipped with a warning naming the path.
 */

import { createPublicKey } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type KeySpec, type KmsPublicKey, KmsVerifyError, parsePublicKey } from '../../src/index.js';
import {
  fromHex,
  sharedVectorsOrWarn,
  stripLeadingZeros,
  toHex,
  WYCHEPROOF_DIR,
} from '../helpers/vectors.js';

type Json = Readonly<Record<string, unknown>>;

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(object: Json, name: string, where: string): Json {
  const value = object[name];
  if (!isJson(value)) throw new Error(`${where}: "${name}" is not an object`);
  return value;
}

function text(object: Json, name: string, where: string): string {
  const value = object[name];
  if (typeof value !== 'string') throw new Error(`${where}: "${name}" is not a string`);
  return value;
}

/** A big-endian hex magnitude as bytes without sign or padding zeros (Wycheproof adds a 00 sign byte). */
function magnitude(hex: string): Uint8Array {
  return stripLeadingZeros(fromHex(hex));
}

/** A coordinate as exactly `size` bytes. */
function coordinate(hex: string, size: number): string {
  const bytes = magnitude(hex);
  expect(bytes.length).toBeLessThanOrEqual(size);
  return toHex(bytes).padStart(2 * size, '0');
}

function base64Url(object: Json, name: string, where: string): Uint8Array {
  return new Uint8Array(Buffer.from(text(object, name, where), 'base64url'));
}

/** The key spec a file's name implies; an unknown name fails the suite rather than being passed over. */
const SPEC_BY_FILE_NAME: readonly (readonly [RegExp, KeySpec])[] = [
  [/^ecdsa_secp256r1_/, 'EC_P256'],
  [/^ecdsa_secp256k1_/, 'EC_P256K'],
  [/^rsa_[a-z]+_2048_/, 'RSA_2048'],
  [/^rsa_[a-z]+_3072_/, 'RSA_3072'],
];

function specForFile(file: string): KeySpec {
  const found = SPEC_BY_FILE_NAME.find(([pattern]) => pattern.test(file));
  if (found === undefined) throw new Error(`${file}: no key spec known for this file name`);
  return found[1];
}

/** Wycheproof's curve names -> ours. */
const CURVE_BY_WYCHEPROOF_NAME: ReadonlyMap<string, string> = new Map([
  ['secp256r1', 'P-256'],
  ['secp256k1', 'secp256k1'],
]);

/**
 * Groups whose key we reject on purpose, as `file#groupIndex` -> exact error code. Empty: every
 * group's key in these files is an ordinary key of its spec. A listed group that parses, or an
 * unlisted one that does not, fails the suite.
 */
const EXPECTED_REJECTIONS: ReadonlyMap<string, string> = new Map();

function expectSameKey(keys: readonly { name: string; key: KmsPublicKey }[], spec: KeySpec): KmsPublicKey {
  const first = keys[0];
  if (first === undefined) return expect.unreachable('no encodings');
  for (const { name, key } of keys) {
    expect(key.keySpec, name).toBe(spec);
    expect(toHex(key.spki), name).toBe(toHex(first.key.spki));
  }
  return first.key;
}

/** Checks one EcdsaVerify / EcdsaP1363Verify group; returns how many encodings were parsed. */
function checkEcdsaGroup(group: Json, spec: KeySpec, where: string): number {
  const raw = record(group, 'publicKey', where);
  const der = fromHex(text(group, 'publicKeyDer', where));
  const keys = [
    { name: 'publicKeyPem', key: parsePublicKey(text(group, 'publicKeyPem', where)) },
    { name: 'publicKeyDer', key: parsePublicKey(der) },
  ];
  const key = expectSameKey(keys, spec);
  if (key.family !== 'EC') return expect.unreachable(`${where}: not EC`);
  expect(key.curve).toBe(CURVE_BY_WYCHEPROOF_NAME.get(text(raw, 'curve', where)));
  expect(raw.keySize).toBe(256);
  // Wycheproof's DER is already canonical (named curve, uncompressed point).
  expect(toHex(key.spki)).toBe(toHex(der));
  const expectedPoint = `04${coordinate(text(raw, 'wx', where), 32)}${coordinate(text(raw, 'wy', where), 32)}`;
  expect(toHex(key.point)).toBe(expectedPoint);
  expect(toHex(key.point)).toBe(text(raw, 'uncompressed', where));
  if (group.publicKeyJwk !== undefined) {
    const jwk = record(group, 'publicKeyJwk', where);
    expect(`04${toHex(base64Url(jwk, 'x', where))}${toHex(base64Url(jwk, 'y', where))}`).toBe(expectedPoint);
  }
  return keys.length;
}

function expectRsaComponents(
  key: KmsPublicKey,
  modulusHex: string,
  exponentHex: string,
  bits: unknown,
): void {
  if (key.family !== 'RSA') throw new Error(`expected an RSA key, got ${key.family}`);
  expect(key.modulusBits).toBe(bits);
  expect(toHex(key.modulus)).toBe(toHex(magnitude(modulusHex)));
  expect(toHex(key.publicExponent)).toBe(toHex(magnitude(exponentHex)));
  expect(key.pssOnly).toBe(false);
  expect(key.pssParameters).toBeNull();
}

/** Checks one RsassaPkcs1Verify / RsassaPssVerify group; returns how many encodings were parsed. */
function checkRsaVerifyGroup(group: Json, spec: KeySpec, where: string): number {
  const raw = record(group, 'publicKey', where);
  const der = fromHex(text(group, 'publicKeyDer', where));
  const keys = [
    { name: 'publicKeyPem', key: parsePublicKey(text(group, 'publicKeyPem', where)) },
    { name: 'publicKeyDer', key: parsePublicKey(der) },
    { name: 'publicKeyAsn', key: parsePublicKey(fromHex(text(group, 'publicKeyAsn', where))) },
  ];
  const key = expectSameKey(keys, spec);
  expect(keys.map(({ key }) => key.container)).toEqual(['spki', 'spki', 'pkcs1']);
  expect(toHex(key.spki)).toBe(toHex(der));
  expectRsaComponents(key, text(raw, 'modulus', where), text(raw, 'publicExponent', where), group.keySize);
  const jwk = record(group, group.keyJwk !== undefined ? 'keyJwk' : 'publicKeyJwk', where);
  if (key.family !== 'RSA') return expect.unreachable('not RSA');
  expect(toHex(key.modulus)).toBe(toHex(base64Url(jwk, 'n', where)));
  expect(toHex(key.publicExponent)).toBe(toHex(base64Url(jwk, 'e', where)));
  return keys.length;
}

/** The code of the KmsVerifyError `run` throws; anything else (or no error) fails. */
function errorCode(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof KmsVerifyError) return error.code;
    throw error;
  }
  return expect.unreachable('no error thrown');
}

/** Checks one RsaesOaepDecrypt group (private key only); returns how many encodings were parsed. */
function checkRsaOaepGroup(group: Json, spec: KeySpec, where: string): number {
  const raw = record(group, 'privateKey', where);
  const privatePem = text(group, 'privateKeyPem', where);
  for (const privateInput of [privatePem, fromHex(text(group, 'privateKeyPkcs8', where))]) {
    expect(errorCode(() => parsePublicKey(privateInput))).toBe('ERR_KEY_FORMAT');
  }
  const derived = createPublicKey(privatePem);
  const der = new Uint8Array(derived.export({ type: 'spki', format: 'der' }));
  const keys = [
    {
      name: 'derived SPKI PEM',
      key: parsePublicKey(derived.export({ type: 'spki', format: 'pem' }) as string),
    },
    { name: 'derived SPKI DER', key: parsePublicKey(der) },
    {
      name: 'derived PKCS#1 DER',
      key: parsePublicKey(new Uint8Array(derived.export({ type: 'pkcs1', format: 'der' }))),
    },
  ];
  const key = expectSameKey(keys, spec);
  expect(toHex(key.spki)).toBe(toHex(der));
  expectRsaComponents(key, text(raw, 'modulus', where), text(raw, 'publicExponent', where), group.keySize);
  return keys.length;
}

const GROUP_CHECKS: ReadonlyMap<string, (group: Json, spec: KeySpec, where: string) => number> = new Map([
  ['EcdsaVerify', checkEcdsaGroup],
  ['EcdsaP1363Verify', checkEcdsaGroup],
  ['RsassaPkcs1Verify', checkRsaVerifyGroup],
  ['RsassaPssVerify', checkRsaVerifyGroup],
  ['RsaesOaepDecrypt', checkRsaOaepGroup],
]);

interface FileResult {
  readonly groups: number;
  readonly parsed: number;
  readonly rejectedAsListed: readonly string[];
  readonly encodings: number;
}

function checkFile(file: string): FileResult {
  const spec = specForFile(file);
  const document: unknown = JSON.parse(readFileSync(`${WYCHEPROOF_DIR}${file}`, 'utf8'));
  if (!isJson(document) || !Array.isArray(document.testGroups)) throw new Error(`${file}: no testGroups`);
  const groups: unknown[] = document.testGroups;
  let parsed = 0;
  let encodings = 0;
  const rejectedAsListed: string[] = [];
  groups.forEach((group, index) => {
    const where = `${file}#${index}`;
    if (!isJson(group)) throw new Error(`${where}: not an object`);
    const type = text(group, 'type', where);
    const check = GROUP_CHECKS.get(type);
    if (check === undefined)
      throw new Error(`${where}: group type ${type} has no public-key rule in this suite`);
    const expectedCode = EXPECTED_REJECTIONS.get(where);
    try {
      encodings += check(group, spec, where);
    } catch (error) {
      if (expectedCode !== undefined && error instanceof KmsVerifyError && error.code === expectedCode) {
        rejectedAsListed.push(where);
        return;
      }
      throw error;
    }
    if (expectedCode !== undefined)
      expect.unreachable(`${where} parsed, but is listed as rejected with ${expectedCode}`);
    parsed++;
  });
  return { groups: groups.length, parsed, rejectedAsListed, encodings };
}

const present = sharedVectorsOrWarn(WYCHEPROOF_DIR, 'test/keys/wycheproof.test.ts');
const FILES = present
  ? readdirSync(WYCHEPROOF_DIR)
      .filter((file) => file.endsWith('_test.json'))
      .sort()
  : [];

describe.skipIf(!present)(`Wycheproof public keys (${WYCHEPROOF_DIR})`, () => {
  const results = new Map<string, FileResult>();

  it.each(FILES)('%s: every group key parses to the spec the file name implies', (file) => {
    const result = checkFile(file);
    results.set(file, result);
    expect(result.groups).toBeGreaterThan(0);
    expect(result.parsed + result.rejectedAsListed.length).toBe(result.groups);
  });

  it('summary: every group of every file is accounted for', () => {
    let groups = 0;
    let parsed = 0;
    let encodings = 0;
    const rejected: string[] = [];
    for (const file of FILES) {
      const result = results.get(file) ?? checkFile(file);
      groups += result.groups;
      parsed += result.parsed;
      encodings += result.encodings;
      rejected.push(...result.rejectedAsListed);
    }
    console.log(
      `wycheproof keys: ${parsed} groups parsed across ${FILES.length} files (${encodings} public-key encodings; ${rejected.length} groups rejected as listed${rejected.length > 0 ? `: ${rejected.join(', ')}` : ''})`,
    );
    expect(FILES.length).toBeGreaterThan(0);
    expect(parsed).toBeGreaterThan(0);
    expect(parsed + rejected.length).toBe(groups);
    expect(rejected.sort()).toEqual([...EXPECTED_REJECTIONS.keys()].sort());
  });
});
