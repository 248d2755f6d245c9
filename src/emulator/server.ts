/**
 * The HTTP shell around the emulator: bounded request bodies (1 MiB; a larger one is refused with
 * 413 before it is read), header and request timeouts so a stalled client cannot hold a socket
 * forever, optional CORS for browser code (every origin, or only those listed, echoed back with
 * `Vary: Origin`; the Fetch standard's preflight: `*` does not cover the Authorization header, so
 * requested headers are echoed; Private Network Access is granted when asked; never for the admin
 * endpoints), the admin endpoints under `/__emulator/`, and a close
 * that stops accepting, cancels injected delays, finishes in-flight calls and only then resolves.
 */

import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KmsApiError } from './kms-errors.js';
import type { RawRequest } from './request.js';
import { renderError } from './responses.js';

export const MAX_BODY_BYTES = 1024 * 1024;
export const ADMIN_PREFIX = '/__emulator/';
const CLOSE_GRACE_MS = 5_000;

export interface ServerAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  readonly requestId?: string;
}

export interface ServerHooks {
  /** A KMS call. */
  readonly kms: (request: RawRequest) => Promise<ServerAnswer>;
  /** An admin call under ADMIN_PREFIX (path without the prefix). */
  readonly admin: (method: string, path: string, body: string) => Promise<ServerAnswer>;
}

export interface HttpShellOptions {
  readonly host: string;
  readonly port: number;
  /** Off, every origin (`true`), or only these origins (`https://app.example:8443`, exact match). */
  readonly cors: boolean | ReadonlySet<string>;
}

export interface HttpShell {
  readonly server: Server;
  readonly host: string;
  readonly port: number;
  /** Aborted when close() begins: injected delays listen to it. */
  readonly closing: AbortSignal;
  close(): Promise<void>;
}

class BodyTooLarge extends Error {}

class BodyUnfinished extends Error {}

/** The whole body, at most MAX_BODY_BYTES; rejects when the client goes away or the server closes. */
function readBody(request: IncomingMessage, closing: AbortSignal): Promise<Uint8Array> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) return Promise.reject(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    const onClosing = () => reject(new BodyUnfinished());
    closing.addEventListener('abort', onClosing, { once: true });
    request.once('close', () => {
      closing.removeEventListener('abort', onClosing);
      if (!request.complete) reject(new BodyUnfinished());
    });
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        request.removeAllListeners('data');
        request.pause();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      closing.removeEventListener('abort', onClosing);
      resolve(Buffer.concat(chunks));
    });
    request.on('error', reject);
  });
}

/** The CORS grant for this request, or undefined when its origin is not allowed. */
function corsHeaders(
  request: IncomingMessage,
  allowed: true | ReadonlySet<string>,
): Record<string, string> | undefined {
  let allowOrigin: Record<string, string> = { 'access-control-allow-origin': '*' };
  if (allowed !== true) {
    const origin = request.headers.origin;
    // No grant, not an error: the browser then refuses the page's call, which is the point.
    if (origin === undefined || !allowed.has(origin)) return undefined;
    allowOrigin = { 'access-control-allow-origin': origin, vary: 'Origin' };
  }
  const requested = request.headers['access-control-request-headers'];
  // Chromium's Private Network Access asks before a page from elsewhere may call a loopback server.
  const privateNetwork =
    request.headers['access-control-request-private-network'] === 'true'
      ? { 'access-control-allow-private-network': 'true' }
      : {};
  return {
    ...privateNetwork,
    ...allowOrigin,
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers':
      typeof requested === 'string' && requested !== '' ? requested : 'authorization, content-type, x-acs-*',
    'access-control-expose-headers': 'x-acs-request-id',
    'access-control-max-age': '600',
  };
}

export async function startHttpShell(options: HttpShellOptions, hooks: ServerHooks): Promise<HttpShell> {
  const closing = new AbortController();
  // Every call waiting on its body or an injected delay listens for the close; more than ten at once
  // is ordinary load, not the leak Node's default limit would warn about on stderr.
  setMaxListeners(0, closing.signal);
  const inFlight = new Set<Promise<void>>();

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const target = request.url ?? '/';
    const admin = target.startsWith(ADMIN_PREFIX);
    // The admin endpoints never get CORS grants: a page the developer happens to visit must not be
    // able to read the request log or change the faults of their emulator.
    const grant = options.cors === false || admin ? undefined : corsHeaders(request, options.cors);
    const extra = grant ?? {};
    const send = (answer: ServerAnswer, close = false) => {
      if (response.destroyed) return;
      response.writeHead(answer.status, {
        'content-type': answer.contentType,
        ...(answer.requestId === undefined ? {} : { 'x-acs-request-id': answer.requestId }),
        ...(close ? { connection: 'close' } : {}),
        ...extra,
      });
      response.end(answer.text);
    };
    const method = request.method ?? 'GET';
    if (method === 'OPTIONS' && options.cors !== false && !admin) {
      // A preflight from an origin not on the list gets no grant, so the browser stops there.
      response.writeHead(grant === undefined ? 403 : 204, extra).end();
      return;
    }
    let body: Uint8Array;
    try {
      body = await readBody(request, closing.signal);
    } catch (error) {
      if (error instanceof BodyUnfinished) {
        request.destroy();
        return;
      }
      if (!(error instanceof BodyTooLarge)) throw error;
      const requestId = randomUUID().toUpperCase();
      const refusal = new KmsApiError('RequestEntityTooLarge');
      send({ ...renderError(refusal, requestId, request.headers.host ?? '', 'JSON'), requestId }, true);
      return;
    }
    if (admin) {
      const path = new URL(target, 'http://emulator.invalid').pathname.slice(ADMIN_PREFIX.length);
      send(await hooks.admin(method, path, Buffer.from(body).toString('utf8')));
      return;
    }
    if (method !== 'GET' && method !== 'POST') {
      const refusal = new KmsApiError(
        'UnsupportedHTTPMethod',
        `The HTTP method ${method.slice(0, 20)} is not supported.`,
      );
      const requestId = randomUUID().toUpperCase();
      send({ ...renderError(refusal, requestId, request.headers.host ?? '', 'JSON'), requestId });
      return;
    }
    send(await hooks.kms({ method, target, headers: request.headers, body }));
  }

  const server = createServer((request, response) => {
    const task = serve(request, response)
      .catch((error: unknown) => {
        if (!response.headersSent && !response.destroyed) {
          response.writeHead(500, { 'content-type': 'text/plain;charset=utf-8' }).end(String(error));
        }
      })
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;

  let closed: Promise<void> | undefined;
  return {
    server,
    host: options.host,
    port: address.port,
    closing: closing.signal,
    close() {
      closed ??= (async () => {
        closing.abort(new Error('the emulator is closing'));
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // Calls in flight finish (injected delays and unfinished uploads end at once on `closing`);
        // the grace period only bounds a handler that is itself stuck.
        let grace: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.allSettled([...inFlight]),
          new Promise((resolve) => {
            grace = setTimeout(resolve, CLOSE_GRACE_MS);
          }),
        ]);
        clearTimeout(grace);
        server.closeAllConnections();
        await stopped;
      })();
      return closed;
    },
  };
}
