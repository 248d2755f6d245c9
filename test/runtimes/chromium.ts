/**
 * The Chromium launcher for the conformance test: headless Chromium (test/helpers/chromium.ts) opens
 * a page from http://127.0.0.1 (a secure context, so crypto.subtle exists), imports the bundle and
 * the suite as modules and runs it with page.evaluate. The key-ring checks fetch the loopback KMS
 * from the page, which is another origin, so the browser runs with web security on (unlike
 * @sparticuz/chromium's default arguments) and the KMS must answer CORS. Node-only.
 */

import { readFileSync } from 'node:fs';
import type { Fixtures, Run } from '../conformance/suite.js';
import { withChromiumPage } from '../helpers/chromium.js';
import { type Artifacts, RUNTIME_DEADLINE_MS, withDeadline } from './harness.js';

export async function runInChromium(artifacts: Artifacts, fixtures: Fixtures): Promise<Run> {
  const files = {
    '/index.html': '<!doctype html><meta charset="utf-8"><title>kms-verify conformance</title>',
    '/kms-verify.js': readFileSync(artifacts.bundlePath),
    '/suite.js': readFileSync(artifacts.suitePath),
    '/fixtures.json': JSON.stringify(fixtures),
  };
  return withChromiumPage(files, { webSecurity: true }, async (page, { errors }) => {
    const secure = await page.evaluate(() => window.isSecureContext && crypto.subtle !== undefined);
    if (!secure) throw new Error(`the page at ${page.url()} is not a secure context`);
    // A string, not a function: vitest rewrites import() inside the functions it transforms, and
    // the page has no such helper. The fixtures come from the same origin, as JSON.
    const run = await withDeadline(
      page.evaluate(`(async () => {
        const lib = await import('/kms-verify.js');
        const { runConformance } = await import('/suite.js');
        const fixtures = await (await fetch('/fixtures.json')).json();
        return runConformance(lib, fixtures);
      })()`),
      RUNTIME_DEADLINE_MS,
      'the suite in the page',
    );
    if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
    return run as Run;
  });
}
