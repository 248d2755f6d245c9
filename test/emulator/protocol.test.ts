/**
 * The emulator's protocol edges, driven with raw HTTP and our own signer: the gateway checks
 * (missing parameters, clock window, nonce replay, duplicate parameters, version, unknown action),
 * JSON and XML rendering of successes and errors, DryRun, GET as well as POST, the body limit.
 * The HTTP shell around it (CORS, admin endpoints, close()) is server.test.ts's.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS, type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { signKmsParametersV1, signKmsRequestV3 } from '../../src/fetchers/aliyun-signature.js';
import { freshNonce, rawClient, type Sent, send, type V1Options } from './raw-client.js';

let emulator: RunningEmulator;
const clock = Date.parse('2026-06-01T12:00:00Z');
let key: { keyId: string; keyVersionId: string };
let client: ReturnType<typeof rawClient>;

beforeAll(async () => {
  emulator = await startEmulator({ now: () => clock });
  key = emulator.store.createKey({ keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY', alias: 'alias/protocol' });
  client = rawClient(emulator.url, clock);
});

afterAll(async () => {
  await emulator.close();
});

const v1 = (action: string, params: Record<string, string>, options?: V1Options) =>
  client.v1(action, params, options);
const v3 = (action: string, params: Record<string, string>, parametersIn?: 'query' | 'body') =>
  client.v3(action, params, parametersIn);
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

describe('ListKeys Filters', () => {
  it('keeps the keys every filter matches (AND between filters, OR within Values)', async () => {
    const disabled = emulator.store.createKey({ keySpec: 'RSA_2048', keyUsage: 'ENCRYPT/DECRYPT' });
    emulator.store.disableKey(disabled.keyId);
    const list = async (filters: unknown) => {
      const sent = await v1('ListKeys', { Filters: JSON.stringify(filters), PageSize: '100' });
      expect(sent.status).toBe(200);
      return (sent.json!.Keys as { Key: { KeyId: string }[] }).Key.map((listed) => listed.KeyId);
    };
    expect(await list([{ Key: 'KeyState', Values: ['Disabled'] }])).toEqual([disabled.keyId]);
    expect(
      await list([
        { Key: 'KeySpec', Values: ['RSA_2048', 'EC_SM2'] },
        { Key: 'KeyState', Values: ['Enabled'] },
      ]),
    ).toEqual([]);
    const signing = await list([{ Key: 'KeyUsage', Values: ['SIGN/VERIFY'] }]);
    expect(signing).toContain(key.keyId);
    expect(signing).not.toContain(disabled.keyId);
  });

  it.each([
    ['not JSON', '[{'],
    ['not an array', '{"Key":"KeyState"}'],
    ['a filter the emulator cannot apply', '[{"Key":"TagKey","Values":["x"]}]'],
    ['Values that are not strings', '[{"Key":"KeyState","Values":[1]}]'],
  ])('refuses Filters that are %s', async (_what, filters) => {
    const sent = await v1('ListKeys', { Filters: filters });
    expect([sent.status, sent.json?.Code]).toEqual([400, 'InvalidParameter']);
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
