/**
 * verify() against the shared Wycheproof signature files (../shared/vectors/wycheproof/, read in
 * place): every test case, over the message and over its SHA-256 digest, on the core (Web Crypto +
 * pure code) and the Node (node:crypto) entry.
 *
 * - `valid` must verify (true), `invalid` must not (false). A KmsVerifyError is tolerated for an
 *   invalid case only (an unusable key); those are counted and listed. Any other exception fails.
 * - `acceptable`: the documented policy is STRICT, so every acceptable case must be false too.
 * - Both backends must give the same outcome for every case and mode.
 * - The counts per file are pinned below, so a change in the vectors or in the outcomes fails.
 *
 * Without the shared folder the suite is skipped with a warning naming the path.
 */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  verify as coreVerify,
  type KmsPublicKey,
  KmsVerifyError,
  parsePublicKey,
  type SignatureFormat,
  type VerifyOptions,
} from '../../src/index.js';
import { verify as nodeVerify } from '../../src/node/index.js';
import { fromHex, sharedVectorsOrWarn, WYCHEPROOF_DIR } from '../helpers/vectors.js';

type Json = Readonly<Record<string, unknown>>;

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(object: Json, name: string, where: string): string {
  const value = object[name];
  if (typeof value !== 'string') throw new Error(`${where}: "${name}" is not a string`);
  return value;
}

function list(object: Json, name: string, where: string): readonly unknown[] {
  const value = object[name];
  if (!Array.isArray(value)) throw new Error(`${where}: "${name}" is not an array`);
  return value;
}

type Expected = 'valid' | 'invalid' | 'acceptable';

/** What a file's name implies, checked against every group's own fields. */
interface FileSpec {
  readonly algorithm: 'ECDSA_SHA_256' | 'RSA_PKCS1_SHA_256' | 'RSA_PSS_SHA_256';
  readonly groupType: string;
  /** Group fields that must have exactly these values (the key's own fields under `publicKey.`). */
  readonly groupFields: Readonly<Record<string, unknown>>;
  readonly signatureFormat?: SignatureFormat;
}

/** The counts observed in the files, pinned: valid / invalid / acceptable cases, key errors, flags. */
interface Pinned {
  readonly valid: number;
  readonly invalid: number;
  readonly acceptable: number;
  /** Invalid cases answered with a KmsVerifyError (unusable key), per mode and backend. */
  readonly keyErrors: number;
  /** Flag -> number of acceptable cases carrying it. */
  readonly acceptableFlags: Readonly<Record<string, number>>;
}

const ecdsa = (curve: string, p1363: boolean): FileSpec => ({
  algorithm: 'ECDSA_SHA_256',
  groupType: p1363 ? 'EcdsaP1363Verify' : 'EcdsaVerify',
  groupFields: { sha: 'SHA-256', 'publicKey.curve': curve, 'publicKey.keySize': 256 },
  signatureFormat: p1363 ? 'p1363' : 'der',
});

const pkcs1 = (bits: number): FileSpec => ({
  algorithm: 'RSA_PKCS1_SHA_256',
  groupType: 'RsassaPkcs1Verify',
  groupFields: { sha: 'SHA-256', keySize: bits },
});

const pss = (bits: number): FileSpec => ({
  algorithm: 'RSA_PSS_SHA_256',
  groupType: 'RsassaPssVerify',
  groupFields: { sha: 'SHA-256', mgf: 'MGF1', mgfSha: 'SHA-256', sLen: 32, keySize: bits },
});

const FILES: readonly (readonly [string, FileSpec, Pinned])[] = [
  [
    'ecdsa_secp256r1_sha256_test.json',
    ecdsa('secp256r1', false),
    { valid: 174, invalid: 310, acceptable: 0, keyErrors: 0, acceptableFlags: {} },
  ],
  [
    'ecdsa_secp256r1_sha256_p1363_test.json',
    ecdsa('secp256r1', true),
    { valid: 173, invalid: 89, acceptable: 0, keyErrors: 0, acceptableFlags: {} },
  ],
  [
    'ecdsa_secp256k1_sha256_test.json',
    ecdsa('secp256k1', false),
    { valid: 168, invalid: 308, acceptable: 0, keyErrors: 0, acceptableFlags: {} },
  ],
  [
    'ecdsa_secp256k1_sha256_p1363_test.json',
    ecdsa('secp256k1', true),
    { valid: 167, invalid: 85, acceptable: 0, keyErrors: 0, acceptableFlags: {} },
  ],
  [
    'rsa_signature_2048_sha256_test.json',
    pkcs1(2048),
    { valid: 9, invalid: 249, acceptable: 1, keyErrors: 0, acceptableFlags: { MissingNull: 1 } },
  ],
  [
    'rsa_signature_3072_sha256_test.json',
    pkcs1(3072),
    { valid: 8, invalid: 250, acceptable: 1, keyErrors: 0, acceptableFlags: { MissingNull: 1 } },
  ],
  [
    'rsa_pss_2048_sha256_mgf1_32_test.json',
    pss(2048),
    { valid: 63, invalid: 45, acceptable: 0, keyErrors: 0, acceptableFlags: {} },
  ],
  [
    'rsa_pss_3072_sha256_mgf1_32_test.json',
    pss(3072),
    { valid: 63, invalid: 45, acceptable: 0, keyErrors: 0, acceptableFlags: {} },
  ],
];

const BACKENDS = [
  ['core', coreVerify],
  ['node', nodeVerify],
] as const;
type BackendName = (typeof BACKENDS)[number][0];

const MODES = ['message', 'digest'] as const;
type Mode = (typeof MODES)[number];

interface TestCase {
  readonly tcId: number;
  readonly comment: string;
  readonly flags: readonly string[];
  readonly message: Uint8Array;
  readonly digest: Uint8Array;
  readonly signature: Uint8Array;
  readonly expected: Expected;
  /** The group's public key as PEM, and parsed once per backend (null when the key is refused). */
  readonly pem: string;
  readonly keys: Readonly<Record<BackendName, KmsPublicKey | null>>;
}

function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

function fieldValue(group: Json, path: string): unknown {
  let value: unknown = group;
  for (const part of path.split('.')) value = isJson(value) ? value[part] : undefined;
  return value;
}

function parsedOrNull(pem: string): KmsPublicKey | null {
  try {
    return parsePublicKey(pem);
  } catch (error) {
    if (error instanceof KmsVerifyError) return null;
    throw error;
  }
}

/** Every case of a file, with the group fields checked against what the file name implies. */
function loadCases(file: string, spec: FileSpec): TestCase[] {
  const document: unknown = JSON.parse(readFileSync(`${WYCHEPROOF_DIR}${file}`, 'utf8'));
  if (!isJson(document)) throw new Error(`${file}: not a JSON object`);
  const cases: TestCase[] = [];
  list(document, 'testGroups', file).forEach((group, index) => {
    const where = `${file}#${index}`;
    if (!isJson(group)) throw new Error(`${where}: not an object`);
    expect(group.type, where).toBe(spec.groupType);
    for (const [path, value] of Object.entries(spec.groupFields))
      expect(fieldValue(group, path), `${where} ${path}`).toBe(value);
    const pem = text(group, 'publicKeyPem', where);
    // One parse per backend, so the backends share no prepared key material.
    const keys = { core: parsedOrNull(pem), node: parsedOrNull(pem) };
    for (const test of list(group, 'tests', where)) {
      if (!isJson(test)) throw new Error(`${where}: a test is not an object`);
      const { tcId, result, flags } = test;
      if (typeof tcId !== 'number') throw new Error(`${where}: tcId is not a number`);
      if (result !== 'valid' && result !== 'invalid' && result !== 'acceptable') {
        throw new Error(`${where} tcId ${tcId}: unknown result ${String(result)}`);
      }
      if (!Array.isArray(flags) || !flags.every((flag) => typeof flag === 'string')) {
        throw new Error(`${where} tcId ${tcId}: flags is not a string array`);
      }
      const message = fromHex(text(test, 'msg', where));
      cases.push({
        tcId,
        comment: text(test, 'comment', where),
        flags,
        message,
        digest: sha256(message),
        signature: fromHex(text(test, 'sig', where)),
        expected: result,
        pem,
        keys,
      });
    }
  });
  expect(cases.length, `${file}: numberOfTests`).toBe(document.numberOfTests);
  return cases;
}

/** An outcome, as a string so backends compare exactly: 'true', 'false', 'KmsVerifyError:CODE', 'Error:...'. */
type Outcome = string;

async function outcomeOf(run: () => Promise<boolean>): Promise<Outcome> {
  try {
    const result = await run();
    if (typeof result !== 'boolean') return `non-boolean:${String(result)}`;
    return String(result);
  } catch (error) {
    if (error instanceof KmsVerifyError) return `KmsVerifyError:${error.code}`;
    return error instanceof Error ? `${error.name}:${error.message}` : `thrown:${String(error)}`;
  }
}

function runCase(
  test: TestCase,
  spec: FileSpec,
  backend: (typeof BACKENDS)[number],
  mode: Mode,
): Promise<Outcome> {
  const [name, verify] = backend;
  const base = {
    key: test.keys[name] ?? test.pem,
    algorithm: spec.algorithm,
    signature: test.signature,
    ...(spec.signatureFormat === undefined ? {} : { signatureFormat: spec.signatureFormat }),
  };
  const options: VerifyOptions =
    mode === 'message' ? { ...base, message: test.message } : { ...base, digest: test.digest };
  return outcomeOf(() => verify(options));
}

interface Deviation {
  readonly file: string;
  readonly tcId: number;
  readonly comment: string;
  readonly flags: readonly string[];
  readonly mode: Mode;
  readonly backend: BackendName | 'core vs node';
  readonly expected: string;
  readonly got: string;
}

interface Tally {
  validAccepted: number;
  invalidRejected: number;
  acceptableRejected: number;
  keyErrors: number;
}

interface FileReport {
  readonly cases: number;
  readonly valid: number;
  readonly invalid: number;
  readonly acceptable: number;
  /** Per `${mode}/${backend}`. */
  readonly tallies: ReadonlyMap<string, Tally>;
  readonly acceptableFlags: Record<string, number>;
  readonly keyErrorCases: readonly string[];
  readonly deviations: readonly Deviation[];
}

/** Cases verified concurrently per batch; the CPU-bound pure paths gain nothing from more. */
const BATCH = 32;

async function checkFile(file: string, spec: FileSpec): Promise<FileReport> {
  const cases = loadCases(file, spec);
  const outcomes: Outcome[][] = [];
  for (let start = 0; start < cases.length; start += BATCH) {
    const batch = cases.slice(start, start + BATCH);
    outcomes.push(
      ...(await Promise.all(
        batch.map((test) =>
          Promise.all(MODES.flatMap((mode) => BACKENDS.map((backend) => runCase(test, spec, backend, mode)))),
        ),
      )),
    );
  }

  const tallies = new Map<string, Tally>();
  const acceptableFlags: Record<string, number> = {};
  const keyErrorCases: string[] = [];
  const deviations: Deviation[] = [];
  cases.forEach((test, index) => {
    const row = outcomes[index] ?? [];
    const deviation = (mode: Mode, backend: Deviation['backend'], expected: string, got: string) =>
      deviations.push({
        file,
        tcId: test.tcId,
        comment: test.comment,
        flags: test.flags,
        mode,
        backend,
        expected,
        got,
      });
    if (test.expected === 'acceptable') {
      for (const flag of test.flags) acceptableFlags[flag] = (acceptableFlags[flag] ?? 0) + 1;
    }
    MODES.forEach((mode, modeIndex) => {
      const byBackend = BACKENDS.map(([name], backendIndex) => {
        const got = row[modeIndex * BACKENDS.length + backendIndex] ?? 'missing';
        const key = `${mode}/${name}`;
        let tally = tallies.get(key);
        if (tally === undefined) {
          tally = { validAccepted: 0, invalidRejected: 0, acceptableRejected: 0, keyErrors: 0 };
          tallies.set(key, tally);
        }
        if (test.expected === 'valid') {
          if (got === 'true') tally.validAccepted++;
          else deviation(mode, name, 'true (valid)', got);
        } else if (test.expected === 'invalid') {
          if (got === 'false') tally.invalidRejected++;
          else if (got.startsWith('KmsVerifyError:')) {
            tally.keyErrors++;
            keyErrorCases.push(`tcId ${test.tcId} ${mode}/${name}: ${got}`);
          } else deviation(mode, name, 'false (invalid)', got);
        } else if (got === 'false') tally.acceptableRejected++;
        else deviation(mode, name, 'false (acceptable, strict policy)', got);
        return got;
      });
      const [core, node] = byBackend;
      if (core !== node) deviation(mode, 'core vs node', `core ${core}`, `node ${node}`);
    });
  });
  const count = (expected: Expected) => cases.filter((test) => test.expected === expected).length;
  return {
    cases: cases.length,
    valid: count('valid'),
    invalid: count('invalid'),
    acceptable: count('acceptable'),
    tallies,
    acceptableFlags,
    keyErrorCases,
    deviations,
  };
}

function flagsText(flags: Readonly<Record<string, number>>): string {
  const entries = Object.entries(flags).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? 'none' : entries.map(([flag, n]) => `${flag} x${n}`).join(', ');
}

const present = sharedVectorsOrWarn(WYCHEPROOF_DIR, 'test/verify/wycheproof.test.ts');

describe.skipIf(!present)(`verify() on Wycheproof signatures (${WYCHEPROOF_DIR})`, () => {
  const reports = new Map<string, FileReport>();

  it.each(FILES)(
    '%s: strict verdicts, 2 modes x 2 backends, identical across backends',
    async (file, spec, pinned) => {
      const started = performance.now();
      const report = await checkFile(file, spec);
      reports.set(file, report);
      const combos = MODES.length * BACKENDS.length;
      const sum = (field: keyof Tally) =>
        [...report.tallies.values()].reduce((total, tally) => total + tally[field], 0);
      console.log(
        `wycheproof verify ${file}: valid accepted ${sum('validAccepted')}/${report.valid * combos}, ` +
          `invalid rejected ${sum('invalidRejected')}/${report.invalid * combos}` +
          ` (+${sum('keyErrors')} key errors), acceptable rejected ${sum('acceptableRejected')}/${report.acceptable * combos}` +
          ` [${report.valid}/${report.invalid}/${report.acceptable} cases x ${MODES.length} modes x ${BACKENDS.length} backends]; ` +
          `acceptable flags: ${flagsText(report.acceptableFlags)}; deviations ${report.deviations.length}; ` +
          `${Math.round(performance.now() - started)} ms`,
      );
      if (report.keyErrorCases.length > 0) console.log(`  key errors: ${report.keyErrorCases.join('; ')}`);
      for (const deviation of report.deviations) console.log(`  DEVIATION ${JSON.stringify(deviation)}`);

      // The counts the files hold, pinned.
      expect(report.valid).toBe(pinned.valid);
      expect(report.invalid).toBe(pinned.invalid);
      expect(report.acceptable).toBe(pinned.acceptable);
      expect(report.acceptableFlags).toEqual(pinned.acceptableFlags);
      // Every mode and backend: every valid case accepted, every invalid and acceptable case rejected.
      expect(report.tallies.size).toBe(combos);
      for (const [combo, tally] of report.tallies) {
        expect(tally, combo).toEqual({
          validAccepted: pinned.valid,
          invalidRejected: pinned.invalid - pinned.keyErrors,
          acceptableRejected: pinned.acceptable,
          keyErrors: pinned.keyErrors,
        });
      }
      expect(report.keyErrorCases).toEqual([]);
      expect(report.deviations).toEqual([]);
    },
  );

  it('summary: no deviation from Wycheproof or between backends in any file', () => {
    const all = FILES.map(([file]) => reports.get(file));
    if (all.some((report) => report === undefined)) return expect.unreachable('a file test did not finish');
    const done = all as FileReport[];
    const total = (pick: (report: FileReport) => number) =>
      done.reduce((sum, report) => sum + pick(report), 0);
    const deviations = total((report) => report.deviations.length);
    const everyDeviation = done.flatMap((report) => report.deviations);
    const validRejected = everyDeviation.filter(
      (d) => d.expected === 'true (valid)' && d.got === 'false',
    ).length;
    const invalidAccepted = everyDeviation.filter(
      (d) => d.expected !== 'true (valid)' && d.got === 'true',
    ).length;
    const verifications = total((report) => report.cases) * MODES.length * BACKENDS.length;
    console.log(
      `wycheproof verify: ${total((r) => r.cases)} cases in ${FILES.length} files, ${verifications} verifications; ` +
        `valid ${total((r) => r.valid)}, invalid ${total((r) => r.invalid)}, acceptable ${total((r) => r.acceptable)}; ` +
        `key errors ${total((r) => r.keyErrorCases.length)}; valid rejected ${validRejected}, ` +
        `invalid/acceptable accepted ${invalidAccepted}; deviations (incl. exceptions, backend mismatches) ${deviations}`,
    );
    expect(total((r) => r.cases)).toBe(2208);
    expect(total((r) => r.valid)).toBe(825);
    expect(total((r) => r.invalid)).toBe(1381);
    expect(total((r) => r.acceptable)).toBe(2);
    expect(verifications).toBe(8832);
    expect(validRejected + invalidAccepted).toBe(0);
    expect(deviations).toBe(0);
  });
});
