/**
 * Size budget and tree-shaking of the public entry, measured the way an application's bundler would
 * see it: esbuild, neutral platform, minified, each output file gzipped. An RSA/ECDSA application
 * (verify, parsePublicKey, KeyRing, fingerprints) must load at most 25 KB at startup, and none of it
 * from src/sm/: SM2 and SM3 sit behind import() (src/internal/lazy.ts), so with code splitting they
 * land in chunks fetched only when an SM2 key is used. Everything, SM2/SM3 included, in one file
 * must stay within 45 KB.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const index = JSON.stringify(join(root, 'src/index.ts'));
const KB = 1024;
const RSA_ECDSA_BUDGET = 25 * KB;
const FULL_BUDGET = 45 * KB;
const SM_MODULE = /(^|\/)src\/sm\//;

const ENTRIES = {
  'verify-only': `import { verify } from ${index};\nexport const check = (options) => verify(options);\n`,
  'rsa-ecdsa': `import { verify, parsePublicKey, publicKeyFingerprint, KeyRing, bundleFetcher } from ${index};
export async function check(pem, message, signature) {
  const key = parsePublicKey(pem);
  const ring = new KeyRing({ fetcher: bundleFetcher({ format: 'kms-verify/keys', version: 1, keys: [] }) });
  return [ring, await publicKeyFingerprint(key), await verify({ key, algorithm: 'ECDSA_SHA_256', message, signature })];
}\n`,
  full: `export * from ${index};\n`,
} as const;

interface Measured {
  /** Gzipped bytes of the entry's output and every chunk it imports statically (what loads at startup). */
  readonly startupGzip: number;
  /** Gzipped bytes of the chunks reached only through import(). */
  readonly lazyGzip: number;
  /** Source modules in the startup chunks. */
  readonly startupInputs: readonly string[];
}

const directory = mkdtempSync(join(tmpdir(), 'kms-verify-size-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function gzipSize(contents: Uint8Array): number {
  return gzipSync(contents, { level: 9 }).length;
}

/** The outputs an entry loads eagerly: its own chunk and the transitive closure of static imports. */
function startupOutputs(metafile: Metafile, entryOutput: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entryOutput];
  for (let path = queue.pop(); path !== undefined; path = queue.pop()) {
    if (seen.has(path)) continue;
    seen.add(path);
    for (const imported of metafile.outputs[path]?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) queue.push(imported.path);
    }
  }
  return seen;
}

async function measure(name: keyof typeof ENTRIES, splitting: boolean): Promise<Measured> {
  const entry = join(directory, `${name}.mjs`);
  writeFileSync(entry, ENTRIES[name]);
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    splitting,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    metafile: true,
    write: false,
    outdir: join(directory, `out-${name}-${splitting}`),
    logLevel: 'silent',
  });
  const entryOutput = Object.entries(result.metafile.outputs).find(
    ([, output]) => output.entryPoint !== undefined,
  )?.[0];
  if (entryOutput === undefined) throw new Error(`no entry output for ${name}`);
  const startup = startupOutputs(result.metafile, entryOutput);
  let startupGzip = 0;
  let lazyGzip = 0;
  for (const file of result.outputFiles) {
    if (!file.path.endsWith('.js')) continue;
    const path = Object.keys(result.metafile.outputs).find((output) => resolve(root, output) === file.path);
    if (path !== undefined && startup.has(path)) startupGzip += gzipSize(file.contents);
    else lazyGzip += gzipSize(file.contents);
  }
  const startupInputs = [...startup].flatMap((path) =>
    Object.keys(result.metafile.outputs[path]?.inputs ?? {}),
  );
  return { startupGzip, lazyGzip, startupInputs };
}

const kb = (bytes: number) => `${(bytes / KB).toFixed(1)} KB`;

describe('bundle size budget and tree-shaking (esbuild, minified, gzipped)', () => {
  it('verify alone, for RSA: no src/sm/ module in what loads at startup', async () => {
    const measured = await measure('verify-only', true);
    console.log(
      `verify only: ${kb(measured.startupGzip)} at startup, ${kb(measured.lazyGzip)} lazy (SM2/SM3)`,
    );
    expect(measured.startupInputs.filter((input) => SM_MODULE.test(input))).toEqual([]);
    expect(measured.startupInputs.some((input) => input.endsWith('src/verify/verify.ts'))).toBe(true);
    expect(measured.lazyGzip).toBeGreaterThan(0);
    expect(measured.startupGzip).toBeLessThanOrEqual(RSA_ECDSA_BUDGET);
  });

  it(`an RSA/ECDSA application (verify, parsePublicKey, KeyRing, fingerprints) loads <= ${kb(RSA_ECDSA_BUDGET)}`, async () => {
    const measured = await measure('rsa-ecdsa', true);
    console.log(`RSA/ECDSA import: ${kb(measured.startupGzip)} at startup, ${kb(measured.lazyGzip)} lazy`);
    expect(measured.startupInputs.filter((input) => SM_MODULE.test(input))).toEqual([]);
    expect(measured.startupInputs.some((input) => input.endsWith('src/cache/key-ring.ts'))).toBe(true);
    expect(measured.startupGzip).toBeLessThanOrEqual(RSA_ECDSA_BUDGET);
  });

  it(`the full public import with SM2/SM3, in one file, is <= ${kb(FULL_BUDGET)}`, async () => {
    const measured = await measure('full', false);
    console.log(`full import, one file: ${kb(measured.startupGzip)}`);
    // The same detector must see SM2/SM3 here, or the two checks above prove nothing.
    expect(measured.startupInputs.filter((input) => SM_MODULE.test(input)).length).toBe(2);
    expect(measured.lazyGzip).toBe(0);
    expect(measured.startupGzip).toBeLessThanOrEqual(FULL_BUDGET);
  });
});
