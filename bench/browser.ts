/**
 * Verification throughput in Chromium: this library's runtime-neutral bundle (verify() with a parsed
 * key, and a warm KeyRing) against jose's flattenedVerify and compactVerify with a pre-imported
 * CryptoKey, and bare crypto.subtle.verify as the floor, all in one page, for RS256
 * (RSA_PKCS1_SHA_256), PS256 (RSA_PSS_SHA_256) and ES256 (ECDSA_SHA_256, P-256), message mode over
 * a 100-byte message. The inputs are signed here with node:crypto; the timing runs inside the page
 * (bench/browser-page.ts) with bench/runner.ts, and only the results come back.
 */

import { createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildWebBundle, withChromiumPage } from '../test/helpers/chromium.js';
import type { BrowserCase } from './browser-page.js';
import type { Options, Result } from './runner.js';

const vectors = new URL('../vectors/keys/', import.meta.url);
const message = Buffer.from(
  'kms-verify benchmark message: one hundred bytes of payload, as an audit record might carry....',
);
const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

function browserCase(
  title: string,
  spec: 'RSA_2048' | 'EC_P256',
  algorithm: BrowserCase['algorithm'],
  jwsAlgorithm: BrowserCase['jwsAlgorithm'],
): BrowserCase {
  const privateKey = createPrivateKey(readFileSync(new URL(`${spec}/private.pem`, vectors)));
  const publicKey: KeyObject = createPublicKey(privateKey);
  const options =
    algorithm === 'RSA_PSS_SHA_256'
      ? { key: privateKey, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 }
      : { key: privateKey };
  const signature = sign('sha256', message, options);
  const webSignature =
    algorithm === 'ECDSA_SHA_256'
      ? sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' })
      : signature;
  const header = b64url(JSON.stringify({ alg: jwsAlgorithm }));
  const payload = b64url(message);
  const jwsSignature = sign('sha256', Buffer.from(`${header}.${payload}`), {
    ...options,
    ...(algorithm === 'ECDSA_SHA_256' ? { dsaEncoding: 'ieee-p1363' as const } : {}),
  });
  return {
    title,
    algorithm,
    jwsAlgorithm,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    message: message.toString('base64'),
    signature: signature.toString('base64'),
    webSignature: webSignature.toString('base64'),
    jws: { protected: header, payload, signature: b64url(jwsSignature) },
  };
}

/** The page script: browser-page.ts with jose and the runner inlined, the library left to the import map. */
async function pageScript(): Promise<string> {
  const libraryEntry = fileURLToPath(new URL('../src/index.ts', import.meta.url));
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./browser-page.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
    plugins: [
      {
        name: 'library-from-bundle',
        setup(context) {
          // The page measures the shipped bundle, not a second copy compiled into the page.
          context.onResolve({ filter: /\/src\/index\.js$/ }, (args) => {
            const resolved = fileURLToPath(
              new URL(args.path.replace(/\.js$/, '.ts'), `file://${args.importer}`),
            );
            return resolved === libraryEntry ? { path: 'kms-verify', external: true } : undefined;
          });
        },
      },
    ],
  });
  return result.outputFiles[0]?.text ?? '';
}

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>kms-verify browser benchmark</title>
<script type="importmap">{ "imports": { "kms-verify": "./kms-verify.js" } }</script>
<script type="module" src="./bench.js"></script>`;

export interface BrowserRun {
  readonly browserVersion: string;
  readonly results: Result[];
}

export async function browserResults(options: Options, filter?: string): Promise<BrowserRun> {
  const cases = [
    browserCase('RS256 (RSA_PKCS1_SHA_256) RSA_2048, message', 'RSA_2048', 'RSA_PKCS1_SHA_256', 'RS256'),
    browserCase('PS256 (RSA_PSS_SHA_256) RSA_2048, message', 'RSA_2048', 'RSA_PSS_SHA_256', 'PS256'),
    browserCase('ES256 (ECDSA_SHA_256) EC_P256, message', 'EC_P256', 'ECDSA_SHA_256', 'ES256'),
  ];
  const [bundle, script] = await Promise.all([buildWebBundle(), pageScript()]);
  const files = { '/index.html': PAGE, '/bench.js': script, '/kms-verify.js': bundle.minified };
  return withChromiumPage(files, {}, async (page, { browser, errors }) => {
    await page.waitForFunction(() => 'runBrowserBench' in globalThis, undefined, { timeout: 30_000 });
    if (errors.length > 0) throw new Error(`benchmark page failed: ${errors.join('; ')}`);
    const results = await page.evaluate(
      ([cases, options, filter]) =>
        (
          globalThis as unknown as {
            runBrowserBench: (c: typeof cases, o: typeof options, f?: string) => Promise<Result[]>;
          }
        ).runBrowserBench(cases, options, filter ?? undefined),
      [cases, options, filter ?? null] as const,
    );
    return { browserVersion: browser.version(), results };
  });
}

/**
 * Ours against jose's flattenedVerify in each group: the quotient of the two median ratios to the
 * same floor (crypto.subtle.verify), both measured in the same interleaved rounds.
 */
export function formatVersusJose(results: readonly Result[]): string {
  const lines: string[] = [];
  for (const group of new Set(results.map((result) => result.group))) {
    const members = results.filter((result) => result.group === group);
    const jose = members.find((result) => result.name.startsWith('jose flattenedVerify'));
    if (jose === undefined) continue;
    const ours = members
      .filter((result) => result.ours)
      .map((result) => `${result.name} ${(result.ratio / jose.ratio).toFixed(2)}x`);
    lines.push(`${group}: vs jose flattenedVerify: ${ours.join(', ')}`);
  }
  return lines.join('\n');
}
