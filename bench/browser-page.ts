/**
 * The in-page half of the browser benchmark (bench/browser.ts is the Node half). Bundled by esbuild
 * for Chromium: this library comes from the runtime-neutral bundle that `npm run build` ships
 * (imported by name through the page's import map), jose from its Web API build, and the timing
 * from bench/runner.ts itself, so rounds, medians and ratios are computed exactly as in Node, with
 * no Node <-> page round trip inside a measurement.
 */

import { compactVerify, flattenedVerify } from 'jose';
import { bundleFetcher, KeyRing, parsePublicKey, verify } from '../src/index.js';
import { type Candidate, type Options, type Result, runGroup } from './runner.js';

/** One algorithm's inputs, made in Node with node:crypto and handed over as JSON. */
export interface BrowserCase {
  readonly title: string;
  readonly algorithm: 'RSA_PKCS1_SHA_256' | 'RSA_PSS_SHA_256' | 'ECDSA_SHA_256';
  readonly jwsAlgorithm: 'RS256' | 'PS256' | 'ES256';
  readonly publicKeyPem: string;
  /** Base64 of the message and of KMS's signature over it (DER for ECDSA, as KMS returns). */
  readonly message: string;
  readonly signature: string;
  /** The same signature as Web Crypto wants it (r || s for ECDSA). */
  readonly webSignature: string;
  /** A JWS over the same payload, signed by the same key. */
  readonly jws: { readonly protected: string; readonly payload: string; readonly signature: string };
}

const fromBase64 = (text: string) => Uint8Array.from(atob(text), (char) => char.charCodeAt(0));

const WEB_PARAMETERS = {
  RSA_PKCS1_SHA_256: {
    importParams: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    verifyParams: { name: 'RSASSA-PKCS1-v1_5' },
  },
  RSA_PSS_SHA_256: {
    importParams: { name: 'RSA-PSS', hash: 'SHA-256' },
    verifyParams: { name: 'RSA-PSS', saltLength: 32 },
  },
  ECDSA_SHA_256: {
    importParams: { name: 'ECDSA', namedCurve: 'P-256' },
    verifyParams: { name: 'ECDSA', hash: 'SHA-256' },
  },
} as const;

async function candidates(test: BrowserCase): Promise<Candidate[]> {
  const key = parsePublicKey(test.publicKeyPem);
  const message = fromBase64(test.message);
  const signature = fromBase64(test.signature);
  const webSignature = fromBase64(test.webSignature);
  const { importParams, verifyParams } = WEB_PARAMETERS[test.algorithm];
  const cryptoKey = await crypto.subtle.importKey(
    'spki',
    key.spki as Uint8Array<ArrayBuffer>,
    importParams,
    false,
    ['verify'],
  );
  const ring = new KeyRing({
    fetcher: bundleFetcher([{ KeyId: 'key-1', KeyVersionId: 'v1', PublicKey: test.publicKeyPem }]),
  });
  const compact = `${test.jws.protected}.${test.jws.payload}.${test.jws.signature}`;
  const algorithm = test.algorithm;
  // The runner checks that each candidate says true; a path that always said true would pass that,
  // so ours and the floor must also refuse a tampered signature before anything is timed.
  const flipMiddleBit = (bytes: Uint8Array) => {
    const copy = bytes.slice();
    copy[copy.length >> 1] = (copy[copy.length >> 1] as number) ^ 1;
    return copy;
  };
  const tampered = flipMiddleBit(signature);
  const tamperedWeb = flipMiddleBit(webSignature);
  if (
    (await verify({ key, algorithm, message, signature: tampered })) ||
    (await crypto.subtle.verify(verifyParams, cryptoKey, tamperedWeb, message))
  ) {
    throw new Error(`${test.title}: a tampered signature verified`);
  }
  return [
    {
      name: 'kms-verify verify() (parsed key)',
      ours: true,
      expect: true,
      run: () => verify({ key, algorithm, message, signature }),
    },
    {
      name: 'kms-verify KeyRing.verify() (warm)',
      ours: true,
      expect: true,
      run: () => ring.verify({ keyId: 'key-1', keyVersionId: 'v1', algorithm, message, signature }),
    },
    {
      name: `jose flattenedVerify ${test.jwsAlgorithm} (CryptoKey)`,
      ours: false,
      expect: true,
      run: async () => (await flattenedVerify(test.jws, cryptoKey)) !== undefined,
    },
    {
      name: `jose compactVerify ${test.jwsAlgorithm} (CryptoKey)`,
      ours: false,
      expect: true,
      run: async () => (await compactVerify(compact, cryptoKey)) !== undefined,
    },
    {
      name: 'crypto.subtle.verify (CryptoKey), the floor',
      ours: false,
      expect: true,
      run: () => crypto.subtle.verify(verifyParams, cryptoKey, webSignature, message),
    },
  ];
}

async function runBrowserBench(
  cases: readonly BrowserCase[],
  options: Options,
  filter: string | undefined,
): Promise<Result[]> {
  const results: Result[] = [];
  for (const test of cases) {
    if (filter !== undefined && !test.title.includes(filter)) continue;
    results.push(...(await runGroup({ title: test.title, candidates: await candidates(test) }, options)));
  }
  return results;
}

Object.assign(globalThis, { runBrowserBench });
