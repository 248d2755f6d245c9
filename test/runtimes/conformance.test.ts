/**
 * One conformance suite (test/conformance/suite.ts) against the neutral bundle in every runtime users
 * deploy to: Node (the baseline), Deno, Bun, workerd (through miniflare, the suite inside a worker's
 * fetch handler) and Chromium (a page from http://127.0.0.1, a secure context). Each runtime's list
 * of results, plus Node's decryption of the ciphertexts it produced, must deep-equal Node's, and
 * every entry must match what Node's own crypto predicts. A runtime that will not start fails its
 * test with the reason; none is skipped. The per-runtime pass counts are printed at the end.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtures, decryptRun } from '../conformance/fixtures.js';
import type { Fixtures, Result, Run } from '../conformance/suite.js';
import { runInChromium } from './chromium.js';
import { type Artifacts, buildArtifacts, runInBun, runInDeno, runInWorkerd } from './harness.js';
import { type LoopbackKms, startLoopbackKms } from './kms.js';

let artifacts: Artifacts;
let kms: LoopbackKms;
let fixtures: Fixtures;
let baseline: Result[];
const counts: { runtime: string; passed: number; total: number; identical: boolean | undefined }[] = [];

async function runInNode(): Promise<Run> {
  const lib = await import(artifacts.bundlePath);
  const { runConformance } = (await import(artifacts.suitePath)) as typeof import('../conformance/suite.js');
  return runConformance(lib, fixtures);
}

/** The runtime's results followed by Node's decryption of each of its ciphertexts. */
function resultsOf(run: Run): Result[] {
  return [...run.results, ...decryptRun(fixtures, run, kms.decryptors)];
}

function record(runtime: string, results: Result[]): void {
  counts.push({
    runtime,
    passed: results.filter((result) => result.actual === result.expected).length,
    total: results.length,
    identical: runtime === 'node' ? undefined : JSON.stringify(results) === JSON.stringify(baseline),
  });
}

beforeAll(async () => {
  [artifacts, kms] = await Promise.all([buildArtifacts(), startLoopbackKms()]);
  fixtures = buildFixtures(kms.fixture);
  baseline = resultsOf(await runInNode());
}, 120_000);

afterAll(async () => {
  await kms?.close();
  artifacts?.remove();
  const lines = counts.map(
    ({ runtime, passed, total, identical }) =>
      `  ${runtime.padEnd(9)} ${`${passed}/${total}`.padStart(9)}  ${identical === undefined ? 'baseline' : identical ? 'identical to node' : 'DIFFERS from node'}`,
  );
  console.log(`conformance suite on the neutral bundle, per runtime:\n${lines.join('\n')}`);
});

describe('the conformance suite on the neutral bundle', () => {
  it('node (baseline): every check gives the outcome node:crypto and OpenSSL predict', () => {
    record('node', baseline);
    expect(baseline.length).toBeGreaterThanOrEqual(140);
    expect(baseline.filter((result) => result.actual !== result.expected)).toEqual([]);
  });

  const RUNTIMES: readonly [string, () => Promise<Run>][] = [
    ['deno', () => runInDeno(artifacts, fixtures, kms.host)],
    ['bun', () => runInBun(artifacts, fixtures)],
    ['workerd', () => runInWorkerd(artifacts, fixtures)],
    ['chromium', () => runInChromium(artifacts, fixtures)],
  ];

  it.each(RUNTIMES)(
    '%s gives exactly the results Node gives',
    async (runtime, start) => {
      const results = resultsOf(await start());
      record(runtime, results);
      expect(results.filter((result) => result.actual !== result.expected)).toEqual([]);
      expect(results).toEqual(baseline);
    },
    120_000,
  );
});
