/**
 * The Chromium helpers themselves: the browser starts, a page served from 127.0.0.1 is a secure
 * context with Web Crypto, module scripts get a JavaScript content type (browsers refuse module
 * scripts served as anything else), and the static server never serves anything outside its root.
 */

import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchChromium, type StaticServer, serveStatic } from './chromium.js';

/** A raw GET, so the path reaches the server exactly as written (fetch would normalise `..`). */
function rawGet(url: string, path: string, method = 'GET'): Promise<{ status: number; type: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((done, fail) => {
    const outgoing = request({ host: hostname, port, path, method }, (response) => {
      response.resume();
      response.on('end', () =>
        done({ status: response.statusCode ?? 0, type: String(response.headers['content-type']) }),
      );
    });
    outgoing.on('error', fail);
    outgoing.end();
  });
}

describe('serveStatic and launchChromium', () => {
  const outside = mkdtempSync(join(tmpdir(), 'kms-verify-outside-'));
  const root = mkdtempSync(join(tmpdir(), 'kms-verify-static-'));
  let server: StaticServer;
  let browser: Browser;

  beforeAll(async () => {
    writeFileSync(join(outside, 'secret.txt'), 'must not be served');
    writeFileSync(
      join(root, 'index.html'),
      '<!doctype html><title>t</title><script type="module" src="./probe.js"></script>',
    );
    symlinkSync(join(outside, 'secret.txt'), join(root, 'link.txt'));
    server = await serveStatic({
      root,
      files: {
        '/probe.js': [
          'window.probe = {',
          '  secure: isSecureContext,',
          "  subtle: typeof crypto.subtle?.verify === 'function',",
          "  digest: await crypto.subtle.digest('SHA-256', new Uint8Array(0)).then((d) => new Uint8Array(d)[0]),",
          '};',
        ].join('\n'),
      },
    });
    browser = await launchChromium();
  }, 90_000); // unpacking and starting Chromium on a busy 2-core machine

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }, 30_000);

  it('listens on 127.0.0.1 with an ephemeral port', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('a page from the server is a secure context with crypto.subtle working', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => 'probe' in window, undefined, { timeout: 10_000 });
    // SHA-256 of the empty string begins with 0xe3.
    expect(await page.evaluate(() => (window as unknown as { probe: unknown }).probe)).toEqual({
      secure: true,
      subtle: true,
      digest: 0xe3,
    });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('serves module scripts as text/javascript and files from root by extension', async () => {
    expect(await rawGet(server.url, '/probe.js')).toEqual({
      status: 200,
      type: 'text/javascript; charset=utf-8',
    });
    expect(await rawGet(server.url, '/index.html')).toEqual({
      status: 200,
      type: 'text/html; charset=utf-8',
    });
    expect(await rawGet(server.url, '/')).toEqual({ status: 200, type: 'text/html; charset=utf-8' });
  });

  it.each([
    ['/../package.json', 400],
    [`/../${basename(outside)}/secret.txt`, 400],
    ['/./index.html', 400],
    ['/%2e%2e/%2e%2e/etc/passwd', 400],
    ['/..%2f..%2fetc%2fpasswd', 400],
    ['/a%5c..%5cb', 400],
    ['/%00', 400],
    ['/%E0%A4%A', 400],
    ['/link.txt', 404],
    ['/missing.js', 404],
  ])('refuses %s with %i', async (path, status) => {
    expect((await rawGet(server.url, path)).status).toBe(status);
  });

  it('answers only GET and HEAD', async () => {
    expect((await rawGet(server.url, '/index.html', 'HEAD')).status).toBe(200);
    expect((await rawGet(server.url, '/index.html', 'POST')).status).toBe(405);
  });
});
