/**
 * The browser example (examples/browser) in headless Chromium, served by its own server as
 * `npm run example:browser` serves it, with the bundle that scripts/bundle-web.mjs builds: the page
 * is filled in as a user would (paste PEM, pick the algorithm and mode, paste input and signature,
 * click Verify) and the verdict text is checked.
 *
 * Cases come from outside this library: signatures the OpenSSL CLI made and judged
 * (vectors/signatures/signatures.json, valid ones and their tampered twins), and signatures over
 * UTF-8 text made by node:crypto at test time. Malformed, mismatched and unsupported keys must show
 * the typed error code, never "Invalid signature". A screenshot of each verdict kind is kept in
 * test-artifacts/ for a human to look at.
 */

import { createHash, createPrivateKey, sign } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExampleServer, startExampleServer } from '../../examples/browser/serve.js';
import { type Browser, buildWebBundle, launchChromium, type Page } from '../helpers/chromium.js';
import {
  KEY_VECTORS_DIR,
  PROJECT_ROOT,
  readSignatureVectors,
  type SignatureVector,
} from '../helpers/vectors.js';

const ARTIFACTS = join(PROJECT_ROOT, 'test-artifacts');
const publicPem = (spec: string) => readFileSync(join(KEY_VECTORS_DIR, spec, 'public.pem'), 'utf8');
const privateKey = (spec: string) =>
  createPrivateKey(readFileSync(join(KEY_VECTORS_DIR, spec, 'private.pem')));

interface FormInput {
  readonly pem: string;
  readonly algorithm: string;
  readonly mode: 'message' | 'digest';
  readonly encoding: 'text' | 'base64' | 'hex';
  readonly input: string;
  readonly signature: string;
  readonly userId?: string;
}

interface Verdict {
  readonly state: string | undefined;
  readonly title: string;
  readonly detail: string;
}

/**
 * The OpenSSL vectors in the form KMS returns (DER for EC; the page offers no r||s option), one per
 * key spec, algorithm, mode, SM2 user ID and kind of tampering: every combination goes through the
 * form, near-identical cases do not.
 */
function openSslCases(): SignatureVector[] {
  const { entries } = readSignatureVectors();
  const taken = new Map<string, number>();
  return entries.filter((entry) => {
    if (entry.signatureFormat === 'p1363') return false;
    // The note's last clause names the tampering (signature, message or digest bit flipped ...).
    const how = entry.expected ? '' : entry.note.split(';').at(-1);
    const group = `${entry.keySpec} ${entry.algorithm} ${entry.mode} ${entry.userId ?? ''} ${how}`;
    const count = taken.get(group) ?? 0;
    taken.set(group, count + 1);
    return count < 1;
  });
}

async function fill(page: Page, form: FormInput): Promise<Verdict> {
  await page.fill('#public-key', form.pem);
  await page.selectOption('#algorithm', form.algorithm);
  await page.check(form.mode === 'message' ? '#mode-message' : '#mode-digest');
  await page.selectOption('#input-encoding', form.encoding);
  await page.fill('#input', form.input);
  if (await page.isVisible('#user-id')) await page.fill('#user-id', form.userId ?? '');
  else expect(form.userId).toBeUndefined();
  await page.fill('#signature', form.signature);
  // The verdict is cleared first so a stale one can never satisfy the wait below.
  await page.evaluate(() => {
    const verdict = document.getElementById('verdict') as HTMLElement;
    verdict.dataset.state = 'pending';
  });
  await page.click('#verify');
  await page.waitForSelector('#verdict:not([data-state="pending"])', { timeout: 10_000 });
  return page.evaluate(() => ({
    state: (document.getElementById('verdict') as HTMLElement).dataset.state,
    title: document.getElementById('verdict-title')?.textContent ?? '',
    detail: document.getElementById('verdict-detail')?.textContent ?? '',
  }));
}

describe('examples/browser in Chromium', () => {
  let server: ExampleServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // The bundle step of npm run build, into a temporary folder: the page gets the shipped artifact.
    // Each resource is kept as soon as it exists, so afterAll closes it even when a later step fails.
    const { code } = await buildWebBundle();
    server = await startExampleServer({ bundle: code });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 900, height: 1000 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(server.url);
    await page.waitForSelector('html[data-ready="true"]', { timeout: 10_000 });
  }, 90_000); // unpacking and starting Chromium on a busy 2-core machine

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  }, 30_000);

  it('loads from 127.0.0.1 as a secure context with the library bundle', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(await page.evaluate(() => isSecureContext && typeof crypto.subtle === 'object')).toBe(true);
    expect(await page.title()).toContain('kms-verify');
  });

  it('the example server answers only for the page, its script and style, and the bundle', async () => {
    const status = async (path: string) => {
      const response = await fetch(new URL(path, server.url));
      await response.arrayBuffer();
      return [response.status, response.headers.get('content-type')];
    };
    expect(await status('kms-verify.js')).toEqual([200, 'text/javascript; charset=utf-8']);
    expect(await status('main.js')).toEqual([200, 'text/javascript; charset=utf-8']);
    expect(await status('style.css')).toEqual([200, 'text/css; charset=utf-8']);
    for (const path of ['serve.ts', 'README.md', 'index.html/', '%2e%2e/%2e%2e/package.json']) {
      expect((await status(path))[0], path).toBe(404);
    }
  });

  const cases = openSslCases();

  it('drives a bounded but complete set of OpenSSL vectors', () => {
    const combinations = new Set(cases.map((entry) => `${entry.keySpec} ${entry.algorithm} ${entry.mode}`));
    expect(combinations.size).toBe(14); // 5 key specs x their algorithms x 2 modes
    expect(cases.filter((entry) => entry.expected).length).toBeGreaterThanOrEqual(14);
    expect(cases.filter((entry) => !entry.expected).length).toBeGreaterThanOrEqual(14);
  });

  const outcomes = { valid: 0, invalid: 0 };
  const labelled = cases.map(
    (entry) =>
      [
        `${entry.keySpec} ${entry.algorithm} ${entry.mode}${entry.userId ? ` (ID ${entry.userId})` : ''}: ${entry.expected ? 'valid' : entry.note.split(';').at(-1)?.trim()}`,
        entry,
      ] as const,
  );

  it.each(labelled)('gives OpenSSL’s verdict through the form: %s', async (_label, entry) => {
    const verdict = await fill(page, {
      pem: publicPem(entry.keySpec),
      algorithm: entry.algorithm,
      mode: entry.mode,
      encoding: 'base64',
      input: entry.mode === 'digest' ? (entry.digest as string) : entry.message,
      signature: entry.signature,
      ...(entry.userId === undefined ? {} : { userId: entry.userId }),
    });
    const expected = entry.expected ? 'valid' : 'invalid';
    expect(verdict.state).toBe(expected);
    expect(verdict.title).toBe(entry.expected ? 'Valid signature' : 'Invalid signature');
    outcomes[expected]++;
  });

  it('judged every OpenSSL vector as OpenSSL did', () => {
    console.log(
      `browser example: ${outcomes.valid} valid accepted, ${outcomes.invalid} tampered rejected (OpenSSL vectors)`,
    );
    expect(outcomes).toEqual({
      valid: cases.filter((entry) => entry.expected).length,
      invalid: cases.filter((entry) => !entry.expected).length,
    });
  });

  // node:crypto signs UTF-8 text at test time, as KMS would sign the bytes the user pastes.
  const text = 'Transfer 100 EUR to Zoë Ødegård — order #4711\n';
  const digestHex = createHash('sha256').update(text).digest('hex');
  const signed = {
    ecdsa: sign('sha256', Buffer.from(text), privateKey('EC_P256')).toString('base64'),
    pss: sign('sha256', Buffer.from(text), {
      key: privateKey('RSA_3072'),
      padding: 6, // RSA_PKCS1_PSS_PADDING
      saltLength: 32,
    }).toString('base64'),
  };

  it('verifies a UTF-8 text message and a hex digest signed by node:crypto', async () => {
    const ecdsa = { pem: publicPem('EC_P256'), algorithm: 'ECDSA_SHA_256', signature: signed.ecdsa };
    expect(await fill(page, { ...ecdsa, mode: 'message', encoding: 'text', input: text })).toEqual({
      state: 'valid',
      title: 'Valid signature',
      detail: 'The signature matches this message under the pasted key with ECDSA_SHA_256.',
    });
    await page.screenshot({ path: join(ARTIFACTS, 'browser-example.png'), fullPage: true });
    console.log(`screenshot: ${join(ARTIFACTS, 'browser-example.png')}`);
    // The key line is filled in after an asynchronous fingerprint, independently of the verdict.
    await page.waitForFunction(
      () => document.getElementById('key-info')?.textContent?.startsWith('EC_P256 key'),
      undefined,
      { timeout: 10_000 },
    );
    expect(await page.textContent('#key-info')).toMatch(/^EC_P256 key · SHA-256 fingerprint [0-9a-f]{16}…$/);
    expect((await fill(page, { ...ecdsa, mode: 'digest', encoding: 'hex', input: digestHex })).state).toBe(
      'valid',
    );
    const pss = { pem: publicPem('RSA_3072'), algorithm: 'RSA_PSS_SHA_256', signature: signed.pss };
    expect((await fill(page, { ...pss, mode: 'message', encoding: 'text', input: text })).state).toBe(
      'valid',
    );
    expect(
      (await fill(page, { ...pss, mode: 'digest', encoding: 'hex', input: digestHex.toUpperCase() })).state,
    ).toBe('valid');
  });

  it('says Invalid for a tampered message, digest or signature', async () => {
    const ecdsa = { pem: publicPem('EC_P256'), algorithm: 'ECDSA_SHA_256', signature: signed.ecdsa };
    const tampered = await fill(page, {
      ...ecdsa,
      mode: 'message',
      encoding: 'text',
      input: text.replace('100', '900'),
    });
    expect(tampered).toEqual({
      state: 'invalid',
      title: 'Invalid signature',
      detail: 'The signature does not match this message under the pasted key with ECDSA_SHA_256.',
    });
    await page.screenshot({ path: join(ARTIFACTS, 'browser-example-invalid.png'), fullPage: true });
    const flippedDigest = `${digestHex.slice(0, -1)}${digestHex.endsWith('0') ? '1' : '0'}`;
    expect(
      (await fill(page, { ...ecdsa, mode: 'digest', encoding: 'hex', input: flippedDigest })).state,
    ).toBe('invalid');
    const pssBytes = Buffer.from(signed.pss, 'base64');
    pssBytes[100] = (pssBytes[100] as number) ^ 0x01;
    expect(
      (
        await fill(page, {
          pem: publicPem('RSA_3072'),
          algorithm: 'RSA_PSS_SHA_256',
          signature: pssBytes.toString('base64'),
          mode: 'message',
          encoding: 'text',
          input: text,
        })
      ).state,
    ).toBe('invalid');
    // Malformed signature bytes are an invalid signature too, not an error (the library's contract).
    expect(
      (
        await fill(page, {
          ...ecdsa,
          signature: 'MAUCAQECAQE=',
          mode: 'message',
          encoding: 'text',
          input: text,
        })
      ).state,
    ).toBe('invalid');
  });

  const p256 = publicPem('EC_P256');
  /** One base64 character of the PEM body replaced by a character outside the alphabet. */
  const corrupted = (pem: string) => {
    const lines = pem.split('\n');
    lines[1] = `${lines[1]?.slice(0, 10)}!${lines[1]?.slice(11)}`;
    return lines.join('\n');
  };
  const errorCases: readonly [string, Partial<FormInput>, string, RegExp][] = [
    ['a truncated PEM', { pem: p256.slice(0, 120) }, 'Error ERR_KEY_FORMAT', /PEM|END/],
    ['PEM with a corrupted body', { pem: corrupted(p256) }, 'Error ERR_KEY_FORMAT', /./],
    ['an empty key', { pem: '' }, 'Error ERR_KEY_FORMAT', /./],
    [
      'a P-384 key',
      { pem: readFileSync(join(KEY_VECTORS_DIR, 'other/p384.pem'), 'utf8') },
      'Error ERR_KEY_UNSUPPORTED',
      /P-384/,
    ],
    ['ECDSA with an RSA key', { pem: publicPem('RSA_2048') }, 'Error ERR_ALGORITHM_MISMATCH', /./],
    ['SM2DSA with a P-256 key', { algorithm: 'SM2DSA' }, 'Error ERR_ALGORITHM_MISMATCH', /./],
    ['a signature that is not base64', { signature: 'not*base64' }, 'Error INPUT', /signature is not base64/],
    ['an empty signature', { signature: ' \n' }, 'Error INPUT', /signature is empty/],
    ['a digest that is not hex', { mode: 'digest', encoding: 'hex', input: 'xyz' }, 'Error INPUT', /hex/],
    [
      'a digest of the wrong length',
      { mode: 'digest', encoding: 'hex', input: 'abcd' },
      'Error RangeError',
      /32 bytes/,
    ],
  ];

  it.each(errorCases)(
    'shows the typed error for %s, never a verdict',
    async (_name, change, title, detail) => {
      const verdict = await fill(page, {
        pem: p256,
        algorithm: 'ECDSA_SHA_256',
        mode: 'message',
        encoding: 'text',
        input: text,
        signature: signed.ecdsa,
        ...change,
      });
      expect(verdict.state).toBe('error');
      expect(verdict.title).toBe(title);
      expect(verdict.detail).toMatch(detail);
      if (title === 'Error ERR_KEY_FORMAT' && change.pem === p256.slice(0, 120)) {
        expect(await page.getAttribute('#key-info', 'data-state')).toBe('error');
        await page.screenshot({ path: join(ARTIFACTS, 'browser-example-error.png'), fullPage: true });
      }
    },
  );

  it('withdraws the verdict as soon as an input changes', async () => {
    const ecdsa = { pem: publicPem('EC_P256'), algorithm: 'ECDSA_SHA_256', signature: signed.ecdsa };
    expect((await fill(page, { ...ecdsa, mode: 'message', encoding: 'text', input: text })).state).toBe(
      'valid',
    );
    expect(await page.isVisible('#verdict')).toBe(true);
    await page.type('#input', '!');
    expect(await page.isVisible('#verdict')).toBe(false);
    expect(await page.getAttribute('#verdict', 'data-state')).toBe('idle');
  });

  it('shows the SM2 signer ID only for SM2DSA over a message', async () => {
    await page.selectOption('#algorithm', 'SM2DSA');
    await page.check('#mode-message');
    expect(await page.isVisible('#user-id')).toBe(true);
    await page.check('#mode-digest');
    expect(await page.isVisible('#user-id')).toBe(false);
    await page.selectOption('#algorithm', 'ECDSA_SHA_256');
    await page.check('#mode-message');
    expect(await page.isVisible('#user-id')).toBe(false);
  });

  it('keeps Verify disabled and says so when the library cannot be loaded', async () => {
    const broken = await browser.newPage();
    try {
      await broken.route('**/kms-verify.js', (route) => route.abort());
      await broken.goto(server.url);
      await broken.waitForSelector('#load-status[data-state="error"]', { timeout: 10_000 });
      expect(await broken.textContent('#load-status')).toMatch(/could not be loaded/);
      expect(await broken.isDisabled('#verify')).toBe(true);
      expect(await broken.isVisible('#verdict')).toBe(false);
    } finally {
      await broken.close();
    }
  });

  it('logged no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
