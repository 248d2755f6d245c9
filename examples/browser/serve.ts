/**
 * `npm run example:browser [-- --port N]`: bundles the library's runtime-neutral entry (src/index.ts)
 * with esbuild, exactly as a browser app would ship it, and serves the example page next to it from
 * http://127.0.0.1 — a secure context, which Web Crypto requires (file: URLs have no crypto.subtle).
 *
 * Only the page's own files and the bundle are served, from a fixed list: there is no directory
 * listing and no path from the request ever reaches the file system.
 */

import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const HERE = new URL('./', import.meta.url);
const ENTRY = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

const PAGE_FILES: Readonly<Record<string, string>> = {
  '/index.html': 'text/html; charset=utf-8',
  '/main.js': 'text/javascript; charset=utf-8',
  '/style.css': 'text/css; charset=utf-8',
};

/** The public entry as one ES module for the neutral platform, as a bundler would ship it. */
export async function buildLibraryBundle(options: { minify?: boolean } = {}): Promise<string> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    minify: options.minify ?? false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

export interface ExampleServer {
  /** `http://127.0.0.1:PORT/`, the page's address. */
  readonly url: string;
  close(): Promise<void>;
}

/** Builds the bundle once and serves the page; port 0 picks a free port. */
export async function startExampleServer(options: { port?: number } = {}): Promise<ExampleServer> {
  const files = new Map<string, { body: string | Buffer; type: string }>();
  for (const [path, type] of Object.entries(PAGE_FILES)) {
    files.set(path, { body: await readFile(new URL(`.${path}`, HERE)), type });
  }
  files.set('/kms-verify.js', { body: await buildLibraryBundle(), type: 'text/javascript; charset=utf-8' });
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split(/[?#]/)[0];
    const file = files.get(path === '/' ? '/index.html' : (path as string));
    if (file === undefined || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : file.body);
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', done);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '8080' } } });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a port number, got ${values.port}`);
    process.exit(2);
  }
  try {
    const server = await startExampleServer({ port });
    console.log(`kms-verify browser example: ${server.url}  (Ctrl-C to stop)`);
    process.once('SIGINT', () => void server.close().then(() => process.exit(0)));
  } catch (error) {
    const code = (error as { code?: string }).code;
    console.error(
      code === 'EADDRINUSE' ? `port ${port} is in use; try --port 0 for any free port` : String(error),
    );
    process.exit(1);
  }
}
