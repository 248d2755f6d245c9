/**
 * One conformance suite (test/conformance/suite.ts) against the neutral bundle in every runtime users
 * deploy to: Node (the baseline), Deno, Bun, workerd (through miniflare, the suite inside a worker's
 * fetch handler) and Chromium (a page from http://127.0.0.1, a secure context). Each runtime's list
 * of results, plus Node's decryption of the ciphertexts it produced, must deep-equal Node's, and
 * every entry must match what Node's own crypto predicts. A runtime that will not start fails its
 * test with the reason; none is skipped. The per-runtime pass counts are printed at the end.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptRun } from '../conformance/decrypt.js';
import { buildFixtures } from '../conformance/fixtures.js';
import type { Fixtures, Result, Run } from '../conformance/suite.js';
import { runInChromium } from './chromium.js';
import {
  type Artifacts,
  buildArtifacts,
  RUNTIME_DEADLINE_MS,
  runInBun,
  runInDeno,
  runInWorkerd,
} from './harness.js';
import { type LoopbackKms, startLoopbackKms } from './kms.js';

let artifacts: Artifacts;
let kms: LoopbackKms;
let fixtures: Fixtures;
let baseline: Result[];
/** One row of the printed table: a pass count and how the run compares with Node's, or why it did not run. */
const rows: { runtime: string; count: string; verdict: string }[] = [];

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
  const passed = results.filter((result) => result.actual === result.expected).length;
  const identical = JSON.stringify(results) === JSON.stringify(baseline);
  rows.push({
    runtime,
    count: `${passed}/${results.length}`,
    verdict: runtime === 'node' ? 'baseline' : identical ? 'identical to node' : 'DIFFERS from node',
  });
}

beforeAll(async () => {
  // Each resource is kept as soon as it exists and both are waited for, so that when one step fails
  // afterAll still closes the other: the emulator left listening would keep vitest from exiting.
  const outcomes = await Promise.allSettled([
    buildArtifacts().then((built) => {
      artifacts = built;
    }),
    startLoopbackKms().then((loopback) => {
      kms = loopback;
    }),
  ]);
  for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
  fixtures = buildFixtures(kms.fixture);
  baseline = resultsOf(await runInNode());
}, 120_000);

afterAll(async () => {
  await kms?.close();
  artifacts?.remove();
  const lines = rows.map(
    ({ runtime, count, verdict }) => `  ${runtime.padEnd(9)} ${count.padStart(9)}  ${verdict}`,
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
      let run: Run;
      try {
        run = await start();
      } catch (error) {
        const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
        rows.push({ runtime, count: `0/${baseline.length}`, verdict: `DID NOT RUN: ${reason}` });
        throw error;
      }
      const results = resultsOf(run);
      record(runtime, results);
      expect(results.filter((result) => result.actual !== result.expected)).toEqual([]);
      expect(results).toEqual(baseline);
    },
    // Starting the runtime (Chromium's launch may take up to 60 s) plus the launcher's own deadline
    // for the run, so the launcher, which cleans up, always gives up before vitest does.
    60_000 + RUNTIME_DEADLINE_MS,
  );
});
