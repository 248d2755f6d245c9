/**
 * Chromium for tests and benchmarks: `launchChromium()` starts the headless Chromium of the npm package
 * `@sparticuz/chromium` under `playwright-core`, and `serveStatic()` serves pages to it from
 * http://127.0.0.1 on an ephemeral port. Web Crypto (`crypto.subtle`) exists only in a secure context
 * (W3C Secure Contexts §3.1: loopback http counts, file: and about:blank do not), so every page that
 * exercises the library must come from such a server.
 *
 * ```ts
 * const browser = await launchChromium();
 * const server = await serveStatic({ root: 'examples/browser', files: { '/kms-verify.js': bundle } });
 * const page = await browser.newPage();
 * await page.goto(`${server.url}/index.html`);
 * ...
 * await browser.close();
 * await server.close();
 * ```
 *
 * `buildWebBundle()` runs the project's own bundle step (scripts/bundle-web.mjs, what `npm run build`
 * writes to dist/web) into a temporary folder, so a suite tests the shipped artifact without
 * depending on, or racing with, a build of dist/.
 *
 * Node-only, like every test helper.
 */

import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import chromium from '@sparticuz/chromium';
import { type Browser, type Page, chromium as playwright } from 'playwright-core';

export type { Browser, Page } from 'playwright-core';

/**
 * Without these, Chromium's background services (component updates, sync, safe-browsing lists) dial
 * out at start-up; on a machine without outbound network they are refused and only add noise.
 */
const QUIET_FLAGS = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface LaunchOptions {
  /** Upper bound for unpacking and starting the browser, in milliseconds. Default 60,000. */
  readonly timeoutMs?: number;
  /**
   * Keep the same-origin policy (CORS) on. `@sparticuz/chromium`'s arguments include
   * `--disable-web-security`; a page that calls another origin, as browser code calling KMS does,
   * must be tested without it. Default false (the package's arguments as they are).
   */
  readonly webSecurity?: boolean;
}

/**
 * Starts headless Chromium and returns the playwright Browser; the caller closes it. Playwright gives
 * each launch its own temporary profile directory (removed on close), so parallel test files never
 * share state.
 */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const executablePath = await unpackedExecutable(timeoutMs);
  return playwright.launch({
    executablePath,
    headless: true,
    args: [
      ...chromium.args.filter((arg) => !(options.webSecurity === true && arg === '--disable-web-security')),
      ...QUIET_FLAGS,
    ],
    timeout: timeoutMs,
  });
}

/**
 * `chromium.executablePath()` unpacks the brotli-compressed browser to /tmp/chromium on first use
 * (about 1.5 s) and afterwards only checks that the file exists. Two test processes unpacking at once
 * would each see the other's half-written file as done, so the first unpack runs under a directory
 * lock (mkdir is atomic) that the others wait for. Existing is not enough either: a run killed
 * mid-unpack leaves a truncated file, and another project may have left a different Chromium there,
 * so a file that does not report this package's major version is removed and unpacked again.
 */
async function unpackedExecutable(timeoutMs: number): Promise<string> {
  const target = join(tmpdir(), 'chromium');
  const lock = join(tmpdir(), 'kms-verify-chromium-unpack.lock');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(lock);
    } catch {
      // Someone else is unpacking; a lock older than the timeout is a crashed holder's and is broken.
      if (Date.now() - lockCreatedAt(lock) > timeoutMs) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline)
        throw new Error(`Chromium unpack lock ${lock} held for over ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    try {
      if (existsSync(target) && !isExpectedChromium(target)) rmSync(target, { force: true });
      return await chromium.executablePath();
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/** The Chromium major version this package ships, which is its own major version (147.0.0 -> 147). */
const EXPECTED_MAJOR = (
  JSON.parse(
    readFileSync(new URL('../../node_modules/@sparticuz/chromium/package.json', import.meta.url), 'utf8'),
  ) as { version: string }
).version.split('.')[0];

/** True when the file runs and says `Chromium <EXPECTED_MAJOR>.…`. */
function isExpectedChromium(path: string): boolean {
  try {
    const version = execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    return version.startsWith(`Chromium ${EXPECTED_MAJOR}.`);
  } catch {
    return false;
  }
}

function lockCreatedAt(lock: string): number {
  try {
    return statSync(lock).mtimeMs;
  } catch {
    return Date.now();
  }
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.pem': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
};

/** The Content-Type for a path by its extension; unknown ones are served as bytes. */
export function contentTypeFor(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export interface StaticServerOptions {
  /** A directory served read-only; `/` maps to `/index.html`. Nothing outside it is ever served. */
  readonly root?: string;
  /** In-memory files by URL path (`'/kms-verify.js'`), served before `root` is consulted. */
  readonly files?: Readonly<Record<string, string | Uint8Array>>;
  /** Interface to listen on. Default 127.0.0.1 (a secure context for Chromium). */
  readonly host?: string;
}

export interface StaticServer {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `files` and the `root` directory over HTTP on an ephemeral port. GET and HEAD only; paths
 * that are not plain (`..`, backslashes, NUL, undecodable escapes) get 400, and a resolved path or
 * symbolic link that leaves `root` gets 404, so no request can read outside it.
 */
export async function serveStatic(options: StaticServerOptions): Promise<StaticServer> {
  const root = options.root === undefined ? undefined : await realpath(resolve(options.root));
  const files = new Map(Object.entries(options.files ?? {}));
  const server = createServer(async (request, response) => {
    const send = (status: number, body: string | Uint8Array, type = 'text/plain; charset=utf-8') => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, 'method not allowed\n');
    // The raw request target, not a URL object: the URL parser would quietly resolve `..` segments,
    // and a traversal attempt deserves a refusal, not a lookup somewhere else.
    let path: string;
    try {
      path = decodeURIComponent((request.url ?? '/').split(/[?#]/)[0] as string);
    } catch {
      return send(400, 'bad path\n');
    }
    if (!path.startsWith('/') || /(^|\/)\.\.?(\/|$)|\\|\0/.test(path)) return send(400, 'bad path\n');
    if (path.endsWith('/')) path += 'index.html';
    const inMemory = files.get(path);
    if (inMemory !== undefined) return send(200, inMemory, contentTypeFor(path));
    if (root === undefined) return send(404, 'not found\n');
    try {
      const real = await realpath(join(root, path));
      if (!real.startsWith(root + sep)) return send(404, 'not found\n');
      send(200, await readFile(real), contentTypeFor(real));
    } catch {
      send(404, 'not found\n');
    }
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, options.host ?? '127.0.0.1', done);
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/**
 * Serves `files` from 127.0.0.1, opens `/` in a fresh headless Chromium and runs `use` with the
 * page, the browser, and the page's uncaught errors so far. Browser and server are closed however
 * `use` ends, and the server also when the browser will not start, so no caller can leak either.
 */
export async function withChromiumPage<T>(
  files: Readonly<Record<string, string | Uint8Array>>,
  options: LaunchOptions,
  use: (page: Page, context: { readonly browser: Browser; readonly errors: readonly string[] }) => Promise<T>,
): Promise<T> {
  const server = await serveStatic({ files });
  const browser = await launchChromium(options).catch(async (error: unknown) => {
    await server.close();
    throw error;
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${server.url}/`);
    return await use(page, { browser, errors });
  } finally {
    await browser.close();
    await server.close();
  }
}

export interface WebBundle {
  /** dist/web/kms-verify.js as `npm run build` would write it: one ES module, readable. */
  readonly code: string;
  /** The same, minified (dist/web/kms-verify.min.js). */
  readonly minified: string;
}

/** Builds the runtime-neutral bundle with scripts/bundle-web.mjs into a temporary folder. */
export async function buildWebBundle(): Promise<WebBundle> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const outdir = await mkdtemp(join(tmpdir(), 'kms-verify-web-'));
  try {
    await promisify(execFile)(process.execPath, ['scripts/bundle-web.mjs', '--outdir', outdir], {
      cwd: root,
      timeout: 60_000,
    });
    const [code, minified] = await Promise.all([
      readFile(join(outdir, 'kms-verify.js'), 'utf8'),
      readFile(join(outdir, 'kms-verify.min.js'), 'utf8'),
    ]);
    return { code, minified };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}
