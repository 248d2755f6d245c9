/**
 * SM2 behind import(), as an application's bundler ships it: the public entry bundled by esbuild
 * with code splitting (SM2/SM3 in chunks of their own) and without (one file), run by plain Node in
 * a child process, so the bundle's import() goes through Node's own module loader and not vitest's.
 * Many SM2 calls racing on the very first load must give exactly the verdicts OpenSSL gave, and the
 * same as later calls; a chunk that cannot be loaded must be a typed ERR_MODULE_LOAD for SM2 alone
 * (RSA and ECDSA keep working), tried again on the next call, and never a verdict.
 */

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KEY_VECTORS_DIR,
  PROJECT_ROOT,
  readSignatureVectors,
  type SignatureVector,
} from '../helpers/vectors.js';

const vectors = readSignatureVectors().entries;
const sm2Vectors = vectors.filter((entry) => entry.algorithm === 'SM2DSA');
const ecdsaVector = vectors.find(
  (entry) => entry.keySpec === 'EC_P256' && entry.mode === 'message' && entry.expected,
) as SignatureVector;
const pems = Object.fromEntries(
  ['EC_SM2', 'EC_P256'].map((spec) => [
    spec,
    readFileSync(join(KEY_VECTORS_DIR, spec, 'public.pem'), 'utf8'),
  ]),
);

/**
 * Runs in the child: every SM2 vector verified at once plus an SM2 encryption, as the first SM2 work
 * of the process, then again; with `hide`, the files holding SM2 verification are renamed away for
 * the first round (and an ECDSA check runs meanwhile) and put back before the second.
 */
const DRIVER = `
import { renameSync } from 'node:fs';
const { entry, hide, vectors, ecdsa, pems } = JSON.parse(process.argv[2]);
const bytes = (base64) => new Uint8Array(Buffer.from(base64, 'base64'));
const options = (entry) => ({
  key: pems[entry.keySpec],
  algorithm: entry.algorithm,
  signature: bytes(entry.signature),
  ...(entry.mode === 'digest' ? { digest: bytes(entry.digest) } : { message: bytes(entry.message) }),
  ...(entry.signatureFormat === 'p1363' ? { signatureFormat: 'p1363' } : {}),
  ...(entry.userId === undefined ? {} : { userId: entry.userId }),
});
for (const file of hide) renameSync(file, file + '.away');
const lib = await import(entry);
async function round() {
  const settled = await Promise.allSettled([
    ...vectors.map((vector) => lib.verify(options(vector))),
    lib.encrypt({ key: pems.EC_SM2, algorithm: 'SM2PKE', plaintext: new Uint8Array(16) }).then((c) => c.length),
  ]);
  return settled.map((outcome) =>
    outcome.status === 'fulfilled'
      ? String(outcome.value)
      : 'error:' + (outcome.reason instanceof lib.KmsVerifyError ? outcome.reason.code : outcome.reason.name),
  );
}
const first = await round();
const ecdsaMeanwhile = String(await lib.verify(options(ecdsa)));
for (const file of hide) renameSync(file + '.away', file);
const second = await round();
console.log(JSON.stringify({ first, ecdsaMeanwhile, second }));
`;

let directory: string;

/** The public entry bundled into `outdir`; the output files that hold src/verify/sm2.ts. */
async function bundle(outdir: string, splitting: boolean): Promise<{ entry: string; sm2Files: string[] }> {
  const result = await build({
    entryPoints: { index: join(PROJECT_ROOT, 'src/index.ts') },
    absWorkingDir: PROJECT_ROOT,
    outdir,
    bundle: true,
    splitting,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    metafile: true,
    logLevel: 'silent',
  });
  const sm2Files = Object.entries(result.metafile.outputs)
    .filter(([, output]) => Object.keys(output.inputs).some((input) => input.endsWith('src/verify/sm2.ts')))
    .map(([path]) => join(PROJECT_ROOT, path));
  return { entry: join(outdir, 'index.js'), sm2Files };
}

function runDriver(entry: string, hide: readonly string[]) {
  const driver = join(directory, 'driver.mjs');
  writeFileSync(driver, DRIVER);
  const argument = JSON.stringify({ entry, hide, vectors: sm2Vectors, ecdsa: ecdsaVector, pems });
  const result = spawnSync(process.execPath, [driver, argument], { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0)
    throw new Error(`the driver failed (${result.status ?? result.signal}):\n${result.stderr}`);
  return JSON.parse(result.stdout) as { first: string[]; ecdsaMeanwhile: string; second: string[] };
}

const expected = [...sm2Vectors.map((entry) => String(entry.expected)), String(16 + 97)];

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'kms-verify-sm2-lazy-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('SM2 loaded on first use from a bundle, in plain Node', () => {
  it('has SM2 vectors of both verdicts to race', () => {
    expect(sm2Vectors.filter((entry) => entry.expected).length).toBeGreaterThanOrEqual(4);
    expect(sm2Vectors.filter((entry) => !entry.expected).length).toBeGreaterThanOrEqual(4);
  });

  for (const splitting of [true, false]) {
    it(`${splitting ? 'with' : 'without'} code splitting: racing first calls give OpenSSL's verdicts, as later calls do`, async () => {
      const { entry, sm2Files } = await bundle(join(directory, `splitting-${splitting}`), splitting);
      // With splitting SM2 must sit in a chunk of its own; without, inside the one file.
      expect(sm2Files).toEqual(splitting ? [expect.not.stringMatching(/index\.js$/)] : [entry]);
      const { first, second } = runDriver(entry, []);
      expect(first).toEqual(expected);
      expect(second).toEqual(expected);
    });
  }

  it('a chunk that will not load: ERR_MODULE_LOAD for SM2 verification only, and a retry once it is back', async () => {
    const { entry, sm2Files } = await bundle(join(directory, 'missing-chunk'), true);
    const { first, ecdsaMeanwhile, second } = runDriver(entry, sm2Files);
    // SM2 encryption lives in a chunk of its own, which stays.
    expect(first).toEqual([...sm2Vectors.map(() => 'error:ERR_MODULE_LOAD'), String(16 + 97)]);
    expect(ecdsaMeanwhile).toBe('true');
    expect(second).toEqual(expected);
  });
});
