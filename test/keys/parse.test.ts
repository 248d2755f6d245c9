/**
 * parsePublicKey accepts key material in every form people hold it in, and refuses wrong argument
 * types with a TypeError. Field-by-field agreement with OpenSSL and node:crypto is in
 * openssl.test.ts and node-crypto.test.ts; this file is about input forms and the returned object.
 */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type EcPublicKey,
  isKmsPublicKey,
  type KmsPublicKey,
  parsePublicKey,
  publicKeyFingerprint,
} from '../../src/index.js';

const vector = (path: string) => readFileSync(new URL(`../../vectors/keys/${path}`, import.meta.url));
const SPECS = ['RSA_2048', 'RSA_3072', 'EC_P256', 'EC_P256K', 'EC_SM2'] as const;

/** The PEM exactly as the sample GetPublicKey responses carry it. */
const sample = JSON.parse(
  readFileSync(new URL('../../vectors/sample/keys.json', import.meta.url), 'utf8'),
) as {
  PublicKey: string;
}[];

describe.each(SPECS)('%s accepted input forms', (spec) => {
  const pem = vector(`${spec}/public.pem`).toString('utf8');
  const der = new Uint8Array(vector(`${spec}/public.der`));
  const reference = parsePublicKey(pem);
  const body = pem.split('\n').filter((line) => line !== '' && !line.startsWith('-----'));
  const forms: [string, string | Uint8Array | ArrayBuffer][] = [
    ['PEM as GetPublicKey returns it', sample[SPECS.indexOf(spec)]?.PublicKey ?? ''],
    ['PEM with CRLF line ends', pem.replace(/\n/g, '\r\n')],
    ['PEM without a final newline', pem.trimEnd()],
    ['PEM with surrounding whitespace', `\n\t  ${pem}  \r\n\n`],
    ['PEM with literal \\n sequences', pem.trimEnd().replace(/\n/g, '\\n')],
    ['PEM with literal \\r\\n sequences', pem.replace(/\n/g, '\\r\\n')],
    ['PEM as a JSON string literal', JSON.stringify(pem)],
    ['PEM with \\/ escapes (PHP json_encode)', JSON.stringify(pem).replace(/\//g, '\\/').slice(1, -1)],
    ['PEM with explanatory text around it', `Key for prod:\n${pem}\n(rotated 2026)\n`],
    ['PEM body on one line', `-----BEGIN PUBLIC KEY-----\n${body.join('')}\n-----END PUBLIC KEY-----`],
    ['PEM as bytes', new Uint8Array(Buffer.from(pem))],
    ['PEM as an ArrayBuffer', new Uint8Array(Buffer.from(pem)).buffer],
    ['base64 DER without armour (AWS KMS form)', Buffer.from(der).toString('base64')],
    ['base64 DER wrapped at 64 columns', body.join('\r\n')],
    ['raw DER bytes', der],
    [
      'raw DER at an offset inside a larger buffer',
      new Uint8Array(Buffer.concat([Buffer.alloc(7), der, Buffer.alloc(5)])).subarray(7, 7 + der.length),
    ],
    ['raw DER as an ArrayBuffer', der.slice().buffer],
    ['raw DER as a Node Buffer', Buffer.from(der)],
  ];

  it.each(forms)('%s', (_name, input) => {
    const key = parsePublicKey(input);
    expect(key.keySpec).toBe(spec);
    expect(key.container).toBe('spki');
    expect(Buffer.from(key.spki).equals(Buffer.from(der))).toBe(true);
  });

  it('returns a frozen, branded description with a fingerprint of the canonical SPKI', async () => {
    expect(Object.isFrozen(reference)).toBe(true);
    expect(isKmsPublicKey(reference)).toBe(true);
    expect(parsePublicKey(reference)).toBe(reference);
    const expected = createHash('sha256').update(der).digest('hex');
    expect(await publicKeyFingerprint(reference)).toBe(expected);
    expect(await publicKeyFingerprint(pem)).toBe(expected);
  });
});

describe('returned descriptions', () => {
  it('are independent of the input buffer', () => {
    const der = new Uint8Array(vector('EC_P256/public.der'));
    const key = parsePublicKey(der) as EcPublicKey;
    const before = Buffer.from(key.point).toString('hex');
    der.fill(0);
    expect(Buffer.from(key.point).toString('hex')).toBe(before);
    expect(key.spki[0]).toBe(0x30);
  });

  it('a copy of a parsed key is not trusted as parsed', () => {
    const key = parsePublicKey(vector('EC_P256/public.pem'));
    const copy = { ...key } as KmsPublicKey;
    expect(isKmsPublicKey(copy)).toBe(false);
    expect(() => parsePublicKey(copy)).toThrow(TypeError);
  });

  it('compressed and uncompressed encodings give one canonical key', () => {
    for (const spec of ['EC_P256', 'EC_P256K', 'EC_SM2']) {
      const compressed = parsePublicKey(vector(`${spec}/compressed.pem`));
      expect(Buffer.from(compressed.spki).equals(vector(`${spec}/public.der`))).toBe(true);
    }
  });
});

describe('wrong argument types are a TypeError naming what was passed', () => {
  const cases: [string, unknown, string][] = [
    ['undefined', undefined, 'got undefined'],
    ['null', null, 'got null'],
    ['a number', 42, 'got number'],
    ['a boolean', true, 'got boolean'],
    ['a plain object', { PublicKey: 'x' }, 'got Object'],
    ['an array', [0x30, 0x00], 'got Array'],
    ['a Date', new Date(0), 'got Date'],
    ['a bigint', 1n, 'got bigint'],
    ['an object without a prototype', Object.create(null), 'got object'],
  ];
  it.each(cases)('%s', (_name, input, fragment) => {
    expect(() => parsePublicKey(input as string)).toThrow(TypeError);
    expect(() => parsePublicKey(input as string)).toThrow(fragment);
  });
});

describe('without Web Crypto', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('publicKeyFingerprint rejects with ERR_CRYPTO_UNAVAILABLE, parsing still works', async () => {
    const pem = vector('EC_P256/public.pem');
    vi.stubGlobal('crypto', undefined);
    expect(parsePublicKey(pem).keySpec).toBe('EC_P256');
    await expect(publicKeyFingerprint(pem)).rejects.toMatchObject({ code: 'ERR_CRYPTO_UNAVAILABLE' });
  });
});
