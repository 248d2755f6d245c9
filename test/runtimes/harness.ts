/**
 * What the runtime conformance test needs around the suite: the artifacts every runtime loads (the
 * neutral bundle made by scripts/bundle-web.mjs, exactly as `npm run build` makes it, and the suite
 * compiled to plain ESM), the loopback KMS the key-ring checks call, and one launcher per runtime
 * that runs the suite there and hands back its JSON. Every launcher is asynchronous on purpose: the
 * loopback KMS runs in this process and must keep answering while the runtime calls it. Node-only.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Fixtures, Run } from '../conformance/suite.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * How long one runtime may take to run the suite (about 5 s each on an idle machine). Below the
 * test's own timeout in conformance.test.ts, so a hung runtime is stopped by its launcher, which
 * then cleans up, rather than abandoned by vitest.
 */
export const RUNTIME_DEADLINE_MS = 90_000;
const BIN = join(ROOT, 'node_modules/.bin');

export interface Artifacts {
  readonly directory: string;
  /** dist/web/kms-verify.js as scripts/bundle-web.mjs writes it. */
  readonly bundlePath: string;
  /** test/conformance/suite.ts as ESM with no imports. */
  readonly suitePath: string;
  remove(): void;
}

/** Runs scripts/bundle-web.mjs into a temporary directory and compiles the suite next to it. */
export async function buildArtifacts(): Promise<Artifacts> {
  const directory = mkdtempSync(join(tmpdir(), 'kms-verify-runtimes-'));
  const bundled = await run(process.execPath, [join(ROOT, 'scripts/bundle-web.mjs'), '--outdir', directory], {
    timeoutMs: 60_000,
  });
  if (bundled.code !== 0) throw new Error(`scripts/bundle-web.mjs failed:\n${bundled.stderr}`);
  const suitePath = join(directory, 'suite.js');
  await build({
    entryPoints: [join(ROOT, 'test/conformance/suite.ts')],
    outfile: suitePath,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    logLevel: 'silent',
  });
  const suite = readFileSync(suitePath, 'utf8');
  if (/\bimport\b[^(]*\bfrom\b|\bimport\s*\(/.test(suite))
    throw new Error('the compiled suite must import nothing');
  return {
    directory,
    bundlePath: join(directory, 'kms-verify.js'),
    suitePath,
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}

interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion without blocking this process's event loop. */
export function run(
  command: string,
  args: readonly string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number },
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        cwd: options.cwd ?? ROOT,
        env: options.env ?? process.env,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (error) {
      reject(new Error(`${command} would not start: ${String(error)}`, { cause: error }));
      return;
    }
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${command} would not start: ${error.message}`, { cause: error }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
    child.stdin?.end(options.input ?? '');
  });
}

/**
 * Rejects when `promise` has not settled within `ms`. For steps that have no deadline of their own
 * (a worker request, a page.evaluate): without one, a hung runtime outlives the test's timeout and
 * the caller's finally never runs, so workerd or Chromium keeps running after the suite.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** The suite's JSON from a runtime's stdout (the last line), or an error carrying what it printed. */
function parseRun(runtime: string, finished: Finished): Run {
  const lastLine = finished.stdout.trim().split('\n').at(-1) ?? '';
  if (finished.code !== 0 || !lastLine.startsWith('{')) {
    const exit =
      finished.signal === 'SIGKILL' ? 'killed at the time limit' : `exit ${finished.code ?? finished.signal}`;
    throw new Error(
      `${runtime} did not run the suite (${exit}):\n${finished.stderr.slice(-4000)}\n${finished.stdout.slice(-2000)}`,
    );
  }
  return JSON.parse(lastLine) as Run;
}

/** The entry Deno and Bun run: fixtures from stdin, the run as one JSON line on stdout. */
const CLI_MAIN = `import * as lib from './kms-verify.js';
import { runConformance } from './suite.js';
const input = typeof Deno !== 'undefined' ? await new Response(Deno.stdin.readable).text() : await Bun.stdin.text();
console.log(JSON.stringify(await runConformance(lib, JSON.parse(input))));
`;

/** `deno run` with network access to the loopback KMS only: no file, env or other permission. */
export async function runInDeno(
  artifacts: Artifacts,
  fixtures: Fixtures,
  kmsHost: string | undefined,
): Promise<Run> {
  const main = join(artifacts.directory, 'main-cli.mjs');
  writeFileSync(main, CLI_MAIN);
  const finished = await run(
    join(BIN, 'deno'),
    [
      'run',
      '--no-prompt',
      '--no-config',
      '--no-lock',
      ...(kmsHost === undefined ? [] : [`--allow-net=${kmsHost}`]),
      main,
    ],
    {
      input: JSON.stringify(fixtures),
      env: {
        ...process.env,
        DENO_DIR: join(artifacts.directory, 'deno-dir'),
        DENO_NO_UPDATE_CHECK: '1',
        NO_COLOR: '1',
      },
      timeoutMs: RUNTIME_DEADLINE_MS,
    },
  );
  return parseRun('deno', finished);
}

export async function runInBun(artifacts: Artifacts, fixtures: Fixtures): Promise<Run> {
  const main = join(artifacts.directory, 'main-cli.mjs');
  writeFileSync(main, CLI_MAIN);
  const finished = await run(join(BIN, 'bun'), ['run', main], {
    input: JSON.stringify(fixtures),
    env: { ...process.env, NO_COLOR: '1', BUN_RUNTIME_TRANSPILER_CACHE_PATH: '0' },
    timeoutMs: RUNTIME_DEADLINE_MS,
  });
  return parseRun('bun', finished);
}

/** The worker: the suite inside its fetch handler, fixtures in the request body, the run as JSON. */
const WORKER_MAIN = `import * as lib from './kms-verify.js';
import { runConformance } from './suite.js';
export default {
  async fetch(request) {
    return Response.json(await runConformance(lib, await request.json()));
  },
};
`;

/** workerd through miniflare: one request to the worker, whose outbound fetch reaches the loopback KMS. */
export async function runInWorkerd(artifacts: Artifacts, fixtures: Fixtures): Promise<Run> {
  const { Miniflare } = await import('miniflare');
  const mf = new Miniflare({
    modulesRoot: artifacts.directory,
    modules: [
      { type: 'ESModule', path: join(artifacts.directory, 'worker.mjs'), contents: WORKER_MAIN },
      { type: 'ESModule', path: artifacts.bundlePath, contents: readFileSync(artifacts.bundlePath, 'utf8') },
      { type: 'ESModule', path: artifacts.suitePath, contents: readFileSync(artifacts.suitePath, 'utf8') },
    ],
    compatibilityDate: '2026-04-01',
    host: '127.0.0.1',
    port: 0,
  });
  try {
    const body = await withDeadline(
      mf
        .dispatchFetch('http://127.0.0.1/conformance', { method: 'POST', body: JSON.stringify(fixtures) })
        .then(async (response) => {
          const text = await response.text();
          if (response.status !== 200)
            throw new Error(`the worker answered ${response.status}: ${text.slice(0, 4000)}`);
          return text;
        }),
      RUNTIME_DEADLINE_MS,
      'the worker request',
    );
    return JSON.parse(body) as Run;
  } catch (error) {
    throw new Error(`workerd (miniflare) did not run the suite: ${String(error)}`, { cause: error });
  } finally {
    await mf.dispose();
  }
}
