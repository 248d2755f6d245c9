/**
 * `npm run example:browser [-- --port N]`: serves the example page and the library's runtime-neutral
 * bundle (dist/web/kms-verify.js, which `npm run build` writes; the script builds first) from
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

const HERE = new URL('./', import.meta.url);
const DEFAULT_BUNDLE = new URL('../../dist/web/kms-verify.js', import.meta.url);

const PAGE_FILES: Readonly<Record<string, string>> = {
  '/index.html': 'text/html; charset=utf-8',
  '/main.js': 'text/javascript; charset=utf-8',
  '/style.css': 'text/css; charset=utf-8',
};

export interface ExampleServerOptions {
  /** Port to listen on (127.0.0.1); 0 picks a free one. Default 0. */
  readonly port?: number;
  /** The library bundle's source text; default the contents of dist/web/kms-verify.js. */
  readonly bundle?: string;
}

async function defaultBundle(): Promise<string> {
  try {
    return await readFile(DEFAULT_BUNDLE, 'utf8');
  } catch (error) {
    throw new Error(`${fileURLToPath(DEFAULT_BUNDLE)} is missing: run npm run build first`, { cause: error });
  }
}

export interface ExampleServer {
  /** `http://127.0.0.1:PORT/`, the page's address. */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the page and the bundle until closed. */
export async function startExampleServer(options: ExampleServerOptions = {}): Promise<ExampleServer> {
  const files = new Map<string, { body: string | Buffer; type: string }>();
  for (const [path, type] of Object.entries(PAGE_FILES)) {
    files.set(path, { body: await readFile(new URL(`.${path}`, HERE)), type });
  }
  const bundle = options.bundle ?? (await defaultBundle());
  files.set('/kms-verify.js', { body: bundle, type: 'text/javascript; charset=utf-8' });
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
