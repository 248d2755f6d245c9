/**
 * The emulator's protocol edges, driven with raw HTTP and our own signer: the gateway checks
 * (missing parameters, clock window, nonce replay, duplicate parameters, version, unknown action),
 * JSON and XML rendering of successes and errors, DryRun, GET as well as POST, CORS, the body limit,
 * the admin endpoints and close().
 */

import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS, type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import {
  computeSignatureV1,
  signKmsParametersV1,
  signKmsRequestV3,
} from '../../src/fetchers/aliyun-signature.js';

let emulator: RunningEmulator;
const clock = Date.parse('2026-06-01T12:00:00Z');
let key: { keyId: string; keyVersionId: string };

beforeAll(async () => {
  emulator = await startEmulator({ now: () => clock, cors: true });
  key = emulator.store.createKey({ keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY', alias: 'alias/protocol' });
});

afterAll(async () => {
  await emulator.close();
});

let nonceCounter = 0;
const freshNonce = () => `nonce-${++nonceCounter}-${Math.random()}`;

interface Sent {
  readonly status: number;
  readonly contentType: string | null;
  readonly text: string;
  readonly json: Record<string, unknown> | undefined;
}

async function send(url: string, init: RequestInit): Promise<Sent> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, contentType: response.headers.get('content-type'), text, json };
}

/** A v1 call, GET in the query or POST as a form; `edit` may tamper with the signed parameters. */
async function v1(
  action: string,
  params: Record<string, string>,
  options: {
    method?: 'GET' | 'POST';
    at?: Date;
    nonce?: string;
    edit?: (signed: Record<string, string>) => void;
    secret?: string;
    format?: string;
    version?: string;
  } = {},
): Promise<Sent> {
  const method = options.method ?? 'GET';
  const signed: Record<string, string> = {
    ...(await signKmsParametersV1({
      action,
      params,
      method,
      accessKeyId: DEMO_CREDENTIALS.accessKeyId,
      accessKeySecret: options.secret ?? DEMO_CREDENTIALS.accessKeySecret,
      now: () => options.at ?? new Date(clock),
      nonce: () => options.nonce ?? freshNonce(),
      ...(options.version === undefined ? {} : { version: options.version }),
    })),
  };
  if (options.format !== undefined) {
    // Our signer always asks for JSON; re-sign with the format under test.
    delete signed.Signature;
    signed.Format = options.format;
    const secret = options.secret ?? DEMO_CREDENTIALS.accessKeySecret;
    signed.Signature = (
      await computeSignatureV1({ method, params: signed, accessKeySecret: secret })
    ).signature;
  }
  options.edit?.(signed);
  const query = new URLSearchParams(signed).toString();
  if (method === 'GET') return send(`${emulator.url}/?${query}`, { method });
  return send(`${emulator.url}/`, {
    method,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: query,
  });
}

async function v3(action: string, params: Record<string, string>, parametersIn: 'query' | 'body' = 'body') {
  const host = new URL(emulator.url).host;
  const signed = await signKmsRequestV3({
    action,
    params,
    host,
    parametersIn,
    accessKeyId: DEMO_CREDENTIALS.accessKeyId,
    accessKeySecret: DEMO_CREDENTIALS.accessKeySecret,
    now: () => new Date(clock),
    nonce: freshNonce,
  });
  const headers = Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name !== 'host'));
  return send(`${emulator.url}${signed.pathAndQuery}`, {
    method: signed.method,
    headers,
    body: signed.body === '' ? null : signed.body,
  });
}

const ids = () => ({ KeyId: key.keyId, KeyVersionId: key.keyVersionId });

describe('the gateway checks', () => {
  it('serves GET with the query and POST with a form, in v1 and v3', async () => {
    for (const sent of [
      await v1('GetPublicKey', ids(), { method: 'GET' }),
      await v1('GetPublicKey', ids(), { method: 'POST' }),
      await v3('GetPublicKey', ids(), 'query'),
      await v3('GetPublicKey', ids(), 'body'),
    ]) {
      expect(sent.status).toBe(200);
      expect(sent.contentType).toBe('application/json;charset=utf-8');
      expect(sent.json).toMatchObject({ KeyId: key.keyId, KeyVersionId: key.keyVersionId });
      expect(sent.json?.PublicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    }
  });

  const errorCases: readonly (readonly [string, () => Promise<Sent>, number, string])[] = [
    [
      'no signature at all',
      () => send(`${emulator.url}/?Action=GetPublicKey&Version=2016-01-20`, {}),
      400,
      'MissingParameter',
    ],
    [
      'a missing SignatureNonce',
      () => v1('GetPublicKey', ids(), { edit: (p) => delete p.SignatureNonce }),
      400,
      'MissingParameter',
    ],
    [
      'a tampered parameter',
      () =>
        v1('GetPublicKey', ids(), {
          edit: (p) => {
            p.KeyId = 'alias/protocol';
          },
        }),
      400,
      'SignatureDoesNotMatch',
    ],
    [
      'the wrong secret',
      () => v1('GetPublicKey', ids(), { secret: 'not-the-secret' }),
      400,
      'SignatureDoesNotMatch',
    ],
    [
      'an unknown AccessKey',
      () =>
        v1('GetPublicKey', ids(), {
          edit: (p) => {
            p.AccessKeyId = 'LTAI-unknown';
          },
        }),
      404,
      'InvalidAccessKeyId.NotFound',
    ],
    [
      'a clock 16 minutes behind',
      () => v1('GetPublicKey', ids(), { at: new Date(clock - 16 * 60_000) }),
      400,
      'IllegalTimestamp',
    ],
    [
      'a clock 16 minutes ahead',
      () => v1('GetPublicKey', ids(), { at: new Date(clock + 16 * 60_000) }),
      400,
      'IllegalTimestamp',
    ],
    [
      'a malformed Timestamp',
      () =>
        v1('GetPublicKey', ids(), {
          edit: (p) => {
            p.Timestamp = 'yesterday';
          },
        }),
      400,
      'IllegalTimestamp',
    ],
    [
      'a missing SignatureVersion',
      () => v1('GetPublicKey', ids(), { edit: (p) => delete p.SignatureVersion }),
      400,
      'MissingParameter',
    ],
    [
      'another SignatureVersion',
      () =>
        v1('GetPublicKey', ids(), {
          edit: (p) => {
            p.SignatureVersion = '2.0';
          },
        }),
      400,
      'InvalidParameter',
    ],
    [
      'another signature method',
      () =>
        v1('GetPublicKey', ids(), {
          edit: (p) => {
            p.SignatureMethod = 'HMAC-SHA256';
          },
        }),
      400,
      'InvalidParameter',
    ],
    [
      'another API version',
      () => v1('GetPublicKey', ids(), { version: '2016-01-21' }),
      400,
      'InvalidVersion',
    ],
    ['an action KMS does not have', () => v1('MakeCoffee', {}), 404, 'InvalidAction.NotFound'],
    ['a missing action parameter', () => v1('GetPublicKey', { KeyId: key.keyId }), 400, 'MissingParameter'],
    ['a PUT', () => send(`${emulator.url}/`, { method: 'PUT', body: 'x' }), 403, 'UnsupportedHTTPMethod'],
  ];

  it.each(errorCases)('answers %s with the KMS error body', async (_what, request, status, code) => {
    const sent = await request();
    expect(sent.status).toBe(status);
    expect(sent.json).toMatchObject({ Code: code, HostId: new URL(emulator.url).host });
    expect(sent.json?.RequestId).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    expect(sent.json?.Recommend).toBe(
      `https://api.aliyun.com/troubleshoot?q=${code}&product=Kms&requestId=${sent.json?.RequestId}`,
    );
    expect(typeof sent.json?.Message).toBe('string');
  });

  it('sends the RequestId in the x-acs-request-id header too', async () => {
    const response = await fetch(`${emulator.url}/?Action=ListKeys`);
    const body = (await response.json()) as { RequestId: string };
    expect(response.headers.get('x-acs-request-id')).toBe(body.RequestId);
  });

  it('accepts the 15-minute edges of the clock window', async () => {
    expect((await v1('GetPublicKey', ids(), { at: new Date(clock - 15 * 60_000) })).status).toBe(200);
    expect((await v1('GetPublicKey', ids(), { at: new Date(clock + 15 * 60_000) })).status).toBe(200);
  });

  it('refuses a replayed nonce in v1 and in v3; a request refused for its signature leaves its nonce unused', async () => {
    const nonce = freshNonce();
    expect((await v1('GetPublicKey', ids(), { nonce })).status).toBe(200);
    const replay = await v1('GetPublicKey', ids(), { nonce });
    expect([replay.status, replay.json?.Code]).toEqual([400, 'SignatureNonceUsed']);
    // A request that fails its signature does not burn the nonce.
    const unused = freshNonce();
    expect((await v1('GetPublicKey', ids(), { nonce: unused, secret: 'wrong' })).json?.Code).toBe(
      'SignatureDoesNotMatch',
    );
    expect((await v1('GetPublicKey', ids(), { nonce: unused })).status).toBe(200);

    const host = new URL(emulator.url).host;
    const signed = await signKmsRequestV3({
      action: 'GetPublicKey',
      params: ids(),
      host,
      parametersIn: 'body',
      ...DEMO_CREDENTIALS,
      now: () => new Date(clock),
      nonce: () => 'v3-fixed-nonce',
    });
    const headers = Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name !== 'host'));
    const once = await send(`${emulator.url}/`, { method: 'POST', headers, body: signed.body });
    const twice = await send(`${emulator.url}/`, { method: 'POST', headers, body: signed.body });
    expect([once.status, twice.status, twice.json?.Code]).toEqual([200, 400, 'SignatureNonceUsed']);
  });

  it('refuses a v3 body that is not the one signed, and unsigned x-acs headers', async () => {
    const host = new URL(emulator.url).host;
    const signed = await signKmsRequestV3({
      action: 'GetPublicKey',
      params: ids(),
      host,
      parametersIn: 'body',
      ...DEMO_CREDENTIALS,
      now: () => new Date(clock),
      nonce: freshNonce,
    });
    const headers = Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name !== 'host'));
    const swapped = await send(`${emulator.url}/`, {
      method: 'POST',
      headers,
      body: signed.body.replace(key.keyId, 'alias/protocol'),
    });
    expect([swapped.status, swapped.json?.Code]).toEqual([400, 'SignatureDoesNotMatch']);
    const partial = await send(`${emulator.url}/`, {
      method: 'POST',
      headers: { ...headers, authorization: signed.authorization.replace('x-acs-signature-nonce;', '') },
      body: signed.body,
    });
    expect([partial.status, partial.json?.Code]).toEqual([400, 'IncompleteSignature']);
  });

  it('refuses a parameter given twice (query and body)', async () => {
    const signed = await signKmsParametersV1({
      action: 'GetPublicKey',
      params: ids(),
      method: 'POST',
      ...DEMO_CREDENTIALS,
      now: () => new Date(clock),
      nonce: freshNonce,
    });
    const sent = await send(`${emulator.url}/?KeyId=${key.keyId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(signed).toString(),
    });
    expect([sent.status, sent.json?.Code]).toEqual([400, 'InvalidParameter']);
  });

  it('refuses a body over 1 MiB with 413 before reading it', async () => {
    const sent = await send(`${emulator.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a'.repeat(1024 * 1024 + 1),
    });
    expect([sent.status, sent.json?.Code]).toEqual([413, 'RequestEntityTooLarge']);
  });
});

describe('XML', () => {
  it('renders a success as <ActionResponse> with list items repeated in their container', async () => {
    emulator.store.createKeyVersion(key.keyId);
    const sent = await v1('ListKeyVersions', { KeyId: key.keyId }, { format: 'XML' });
    expect(sent.status).toBe(200);
    expect(sent.contentType).toBe('text/xml;charset=utf-8');
    const versions = emulator.store.key(key.keyId).versions;
    const items = versions
      .map(
        (version) =>
          `<KeyVersion><KeyId>${key.keyId}</KeyId><KeyVersionId>${version.keyVersionId}</KeyVersionId><CreationDate>${version.creationDate}</CreationDate></KeyVersion>`,
      )
      .join('');
    expect(sent.text).toMatch(
      new RegExp(
        `^<\\?xml version="1.0" encoding="UTF-8"\\?><ListKeyVersionsResponse><RequestId>[0-9A-F-]{36}</RequestId><PageNumber>1</PageNumber><PageSize>10</PageSize><TotalCount>2</TotalCount><KeyVersions>${items}</KeyVersions></ListKeyVersionsResponse>$`,
      ),
    );
  });

  it('renders an error as <Error> with the same fields, and `json` as JSON', async () => {
    const sent = await v1('GetPublicKey', { KeyId: 'key-none', KeyVersionId: 'v' }, { format: 'XML' });
    expect(sent.status).toBe(404);
    expect(sent.text).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?><Error><RequestId>[0-9A-F-]{36}<\/RequestId><HostId>127\.0\.0\.1:\d+<\/HostId><Code>Forbidden\.KeyNotFound<\/Code><Message>The specified Key is not found\.<\/Message><Recommend>https:\/\/api\.aliyun\.com\/troubleshoot\?q=Forbidden\.KeyNotFound&amp;product=Kms&amp;requestId=[0-9A-F-]{36}<\/Recommend><\/Error>$/,
    );
    const lower = await v1('GetPublicKey', ids(), { format: 'json' });
    expect(lower.json?.KeyId).toBe(key.keyId);
  });

  it('escapes what a caller put in a description', async () => {
    const sent = await v1(
      'CreateKey',
      {
        KeySpec: 'EC_P256',
        KeyUsage: 'SIGN/VERIFY',
        Description: `<a href="x">&'</a>\u0001`,
      },
      { format: 'XML' },
    );
    expect(sent.text).toContain(
      '<Description>&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;\uFFFD</Description>',
    );
  });
});

describe('DryRun (GetPublicKey reference)', () => {
  it('answers DryRunOperationError when the call would succeed, never with the key', async () => {
    const sent = await v1('GetPublicKey', { ...ids(), DryRun: 'true' });
    expect([sent.status, sent.json?.Code]).toEqual([400, 'DryRunOperationError']);
    expect(sent.text).not.toContain('PUBLIC KEY');
  });

  it('answers ValidationError for bad parameters and AccessDeniedError for keys it may not use', async () => {
    const missing = await v1('GetPublicKey', { KeyId: key.keyId, DryRun: 'true' });
    expect([missing.status, missing.json?.Code]).toEqual([400, 'ValidationError']);
    const unknown = await v1('GetPublicKey', { KeyId: 'key-unknown', KeyVersionId: 'x', DryRun: 'true' });
    expect([unknown.status, unknown.json?.Code]).toEqual([403, 'AccessDeniedError']);
    const bad = await v1('GetPublicKey', { ...ids(), DryRun: 'maybe' });
    expect([bad.status, bad.json?.Code]).toEqual([400, 'InvalidParameter']);
    const off = await v1('GetPublicKey', { ...ids(), DryRun: 'false' });
    expect(off.status).toBe(200);
  });

  it('is a parameter of GetPublicKey and the Asymmetric* actions only: the others ignore it and run', async () => {
    const signed = await v1('AsymmetricSign', {
      ...ids(),
      Algorithm: 'ECDSA_SHA_256',
      Digest: Buffer.alloc(32, 1).toString('base64'),
      DryRun: 'true',
    });
    expect([signed.status, signed.json?.Code]).toEqual([400, 'DryRunOperationError']);
    const listed = await v1('ListKeys', { DryRun: 'true' });
    expect([listed.status, listed.json?.TotalCount]).toEqual([200, emulator.store.keys().length]);
    const described = await v1('DescribeKey', { KeyId: key.keyId, DryRun: 'maybe' });
    expect(described.status).toBe(200);
    const before = emulator.store.keys().length;
    const created = await v1('CreateKey', { KeySpec: 'EC_P256', KeyUsage: 'SIGN/VERIFY', DryRun: 'true' });
    expect(created.status).toBe(200);
    expect(emulator.store.keys().length).toBe(before + 1);
  });
});

describe('CORS, admin endpoints and the request log', () => {
  it('answers a preflight with the requested headers allowed', async () => {
    const response = await fetch(`${emulator.url}/`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,x-acs-date',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')).toBe('authorization,x-acs-date');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-private-network')).toBeNull();
    const privateNetwork = await fetch(`${emulator.url}/`, {
      method: 'OPTIONS',
      headers: { origin: 'https://example.com', 'access-control-request-private-network': 'true' },
    });
    expect(privateNetwork.headers.get('access-control-allow-private-network')).toBe('true');
  });

  it('sets and clears faults over HTTP and reports counts', async () => {
    const put = await send(`${emulator.url}/__emulator/faults`, {
      method: 'PUT',
      body: JSON.stringify([{ kind: 'throttling', count: 1 }]),
    });
    expect(put.status).toBe(200);
    const throttled = await v1('GetPublicKey', ids());
    expect([throttled.status, throttled.json?.Code]).toEqual([429, 'Rejected.Throttling']);
    expect((await v1('GetPublicKey', ids())).status).toBe(200);
    const bad = await send(`${emulator.url}/__emulator/faults`, { method: 'PUT', body: '[{"kind":"fire"}]' });
    expect(bad.status).toBe(400);
    expect((await send(`${emulator.url}/__emulator/faults`, { method: 'DELETE' })).json).toEqual([]);
    const requests = await send(`${emulator.url}/__emulator/requests`, {});
    expect(requests.json?.total).toBe(emulator.requests.total);
    expect((requests.json!.byCode as Record<string, number>)['Rejected.Throttling']).toBeGreaterThanOrEqual(
      1,
    );
    expect((await send(`${emulator.url}/__emulator/health`, {})).json).toEqual({ status: 'ok' });
    expect((await send(`${emulator.url}/__emulator/nothing`, {})).status).toBe(404);
  });

  it('gives a page from another origin no way into the admin endpoints, even with cors', async () => {
    // A cross-site POST of text/plain needs no preflight, so it must not change anything.
    const posted = await send(`${emulator.url}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify([{ kind: 'unavailable' }]),
    });
    expect(posted.status).toBe(404);
    expect(emulator.faults()).toEqual([]);
    const preflight = await fetch(`${emulator.url}/__emulator/faults`, {
      method: 'OPTIONS',
      headers: { origin: 'https://example.com', 'access-control-request-method': 'PUT' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.ok).toBe(false);
    const log = await fetch(`${emulator.url}/__emulator/requests`, {
      headers: { origin: 'https://example.com' },
    });
    expect(log.headers.get('access-control-allow-origin')).toBeNull();
    const kms = await fetch(`${emulator.url}/?Action=ListKeys`, {
      headers: { origin: 'https://example.com' },
    });
    expect(kms.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('keeps the recent log bounded', async () => {
    const small = await startEmulator({ requestLogSize: 3 });
    try {
      for (let index = 0; index < 5; index++) await fetch(`${small.url}/?Action=ListKeys`);
      expect(small.requests.total).toBe(5);
      expect(small.requests.recent()).toHaveLength(3);
      expect(small.requests.byCode()).toEqual({ MissingParameter: 5 });
    } finally {
      await small.close();
    }
  });
});

describe('close()', () => {
  it('cancels an injected delay, closes keep-alive sockets and can be called twice', async () => {
    const slow = await startEmulator({ faults: [{ kind: 'delay', ms: 60_000, count: 1 }] });
    const pending = fetch(`${slow.url}/?Action=ListKeys`).then(
      (response) => response.status,
      () => 'connection closed',
    );
    // Close only once the call is inside its delay, however long the machine takes to get it there.
    while (slow.faults()[0]?.remaining !== 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await Promise.all([slow.close(), slow.close()]);
    expect(await pending).toBe(503);
    expect(slow.requests.recent()).toMatchObject([{ code: 'ServiceUnavailableTemporary', fault: 'delay' }]);
  }, 15_000); // without the cancellation, close() would wait out the 60 s delay

  it('ends an unfinished upload instead of waiting for it', async () => {
    const server = await startEmulator();
    const socket = connect(server.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nAction=Lis',
    );
    const ended = new Promise((resolve) => socket.once('close', resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.close();
    await ended;
    expect(socket.destroyed).toBe(true);
  }, 4_000); // without it, close() would wait out its 5 s grace period

  it('refuses bad options', async () => {
    await expect(startEmulator({ port: 70_000 })).rejects.toThrow(RangeError);
    await expect(startEmulator({ credentials: [] })).rejects.toThrow(TypeError);
    await expect(startEmulator({ credentials: [{ accessKeyId: 'a', accessKeySecret: '' }] })).rejects.toThrow(
      TypeError,
    );
    await expect(startEmulator({ faults: [{ kind: 'delay', ms: -1 }] })).rejects.toThrow(RangeError);
    await expect(
      startEmulator({ credentials: [DEMO_CREDENTIALS, { ...DEMO_CREDENTIALS, accessKeySecret: 'other' }] }),
    ).rejects.toThrow(/given twice/);
    await expect(
      startEmulator({ credentials: [{ ...DEMO_CREDENTIALS, securityToken: '' }] }),
    ).rejects.toThrow(/securityToken/);
  });
});
