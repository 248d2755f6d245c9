/**
 * The loopback KMS server of test/helpers, driven by requests signed with src/fetchers/aliyun-signature:
 * the server recomputes every signature with node:crypto and its own canonicalization, so each
 * accepted request is one implementation vouching for the other, and each rejected one shows the
 * server would catch a signer that went wrong.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  canonicalQueryString,
  type KmsParametersV1Options,
  type KmsRequestV3Options,
  signKmsParametersV1,
  signKmsRequestV3,
} from '../../src/fetchers/aliyun-signature.js';
import {
  type KmsTestServer,
  type KmsTestServerOptions,
  startKmsTestServer,
  TEST_CREDENTIALS,
  type TestKey,
} from '../helpers/kms-test-server.js';

const sample = JSON.parse(
  readFileSync(new URL('../../vectors/sample/keys.json', import.meta.url), 'utf8'),
) as {
  KeyId: string;
  KeyVersionId: string;
  PublicKey: string;
}[];
const [rsa, ec, sm2] = [sample[0]!, sample[2]!, sample[4]!];
const keys: TestKey[] = [
  { KeyId: rsa.KeyId, KeyVersionId: rsa.KeyVersionId, PublicKey: rsa.PublicKey },
  { KeyId: ec.KeyId, KeyVersionId: ec.KeyVersionId, PublicKey: ec.PublicKey },
  { KeyId: sm2.KeyId, KeyVersionId: sm2.KeyVersionId, PublicKey: sm2.PublicKey, disabled: true },
];
const aliases = { 'alias/signing': ec.KeyId };

async function withServer(
  options: KmsTestServerOptions,
  run: (server: KmsTestServer) => Promise<void>,
): Promise<void> {
  const server = await startKmsTestServer({ keys, aliases, ...options });
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly json: Record<string, unknown>;
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {}
  return { status: response.status, text, json };
}

type Overrides = Readonly<Record<string, string | undefined>>;

function applyOverrides(target: Record<string, string>, overrides: Overrides = {}): void {
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete target[name];
    else target[name] = value;
  }
}

type V1Call = Partial<KmsParametersV1Options> & {
  /** Parameters changed after signing; `undefined` removes one. */
  readonly override?: Overrides;
  /** Send with this method instead of the one signed for. */
  readonly sendAs?: 'GET' | 'POST';
  readonly omitToken?: boolean;
};

/** The server's credentials, the STS token left out when asked. */
function credentialsOf(server: KmsTestServer, omitToken = false) {
  const { securityToken, ...pair } = server.credentials;
  return securityToken === undefined || omitToken ? pair : { ...pair, securityToken };
}

/** A v1 call: parameters in the query (GET) or in a form body (POST). */
async function callV1(server: KmsTestServer, call: V1Call = {}): Promise<Answer> {
  const { override, sendAs, omitToken, ...options } = call;
  const method = sendAs ?? options.method ?? 'GET';
  const params = {
    ...(await signKmsParametersV1({
      action: 'GetPublicKey',
      params: { KeyId: rsa.KeyId, KeyVersionId: rsa.KeyVersionId },
      ...credentialsOf(server, omitToken),
      ...options,
    })),
  };
  applyOverrides(params, override);
  const encoded = canonicalQueryString(params);
  const response =
    method === 'GET'
      ? await fetch(`${server.url}/?${encoded}`)
      : await fetch(`${server.url}/`, {
          method,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: encoded,
        });
  return answer(response);
}

type V3Call = Partial<KmsRequestV3Options> & {
  /** Headers changed after signing; `undefined` removes one. */
  readonly headerOverride?: Overrides;
  readonly tamperBody?: (body: string) => string;
  readonly omitToken?: boolean;
};

/** A v3 call, sent with exactly the headers the signer returned (fetch supplies Host itself). */
async function callV3(server: KmsTestServer, call: V3Call = {}): Promise<Answer> {
  const { headerOverride, tamperBody, omitToken, ...options } = call;
  const signed = await signKmsRequestV3({
    host: server.host,
    action: 'GetPublicKey',
    params: { KeyId: rsa.KeyId, KeyVersionId: rsa.KeyVersionId },
    ...credentialsOf(server, omitToken),
    ...options,
  });
  const { host: _host, ...headers } = signed.headers;
  applyOverrides(headers, headerOverride);
  const body = tamperBody?.(signed.body) ?? signed.body;
  const response = await fetch(`${server.url}${signed.pathAndQuery}`, {
    method: signed.method,
    headers,
    ...(body === '' ? {} : { body }),
  });
  return answer(response);
}

function expectKey(result: Answer, key: { KeyId: string; KeyVersionId: string; PublicKey: string }): void {
  expect(result.status).toBe(200);
  expect(Object.keys(result.json).sort()).toEqual(['KeyId', 'KeyVersionId', 'PublicKey', 'RequestId']);
  expect(result.json).toMatchObject({
    KeyId: key.KeyId,
    KeyVersionId: key.KeyVersionId,
    PublicKey: key.PublicKey,
  });
  expect(result.json.RequestId).toMatch(/^[0-9A-F-]{36}$/);
}

function expectError(result: Answer, status: number, code: string): void {
  expect({ status: result.status, code: result.json.Code }).toEqual({ status, code });
  expect(Object.keys(result.json).sort()).toEqual(['Code', 'HostId', 'Message', 'Recommend', 'RequestId']);
  expect(result.json.Message).toEqual(expect.any(String));
}

const minutes = (count: number) => () => new Date(Date.now() + count * 60_000);

describe('the KMS test server accepts requests signed by the library', () => {
  it('v1 GET, parameters in the query', async () => {
    await withServer({}, async (server) => {
      expectKey(await callV1(server), rsa);
      expect(server.requests).toEqual([
        expect.objectContaining({
          method: 'GET',
          action: 'GetPublicKey',
          signatureVersion: 'v1',
          status: 200,
        }),
      ]);
      expect(server.requests[0]?.params).toMatchObject({ KeyId: rsa.KeyId, SignatureMethod: 'HMAC-SHA1' });
    });
  });

  it('v1 POST, parameters in a form body, values that need encoding', async () => {
    await withServer({ aliases: { 'alias/a b*~+&=中': rsa.KeyId } }, async (server) => {
      expectKey(
        await callV1(server, {
          method: 'POST',
          params: { KeyId: 'alias/a b*~+&=中', KeyVersionId: rsa.KeyVersionId },
        }),
        rsa,
      );
      expect(server.requests[0]).toMatchObject({ method: 'POST', signatureVersion: 'v1', status: 200 });
    });
  });

  it('v3 POST, parameters in the query', async () => {
    await withServer({}, async (server) => {
      expectKey(await callV3(server), rsa);
      expect(server.requests[0]).toMatchObject({
        method: 'POST',
        action: 'GetPublicKey',
        signatureVersion: 'v3',
      });
    });
  });

  it('v3 POST, parameters in a form body', async () => {
    await withServer({}, async (server) => {
      expectKey(
        await callV3(server, {
          parametersIn: 'body',
          params: { KeyId: 'alias/signing', KeyVersionId: ec.KeyVersionId },
        }),
        ec,
      );
    });
  });

  it('v3 GET', async () => {
    await withServer({}, async (server) => {
      expectKey(await callV3(server, { method: 'GET' }), rsa);
    });
  });

  it('an alias resolves to its key id', async () => {
    await withServer({}, async (server) => {
      expectKey(
        await callV1(server, { params: { KeyId: 'alias/signing', KeyVersionId: ec.KeyVersionId } }),
        ec,
      );
    });
  });

  it('a clock 14 minutes off is still inside the window', async () => {
    await withServer({}, async (server) => {
      expectKey(await callV1(server, { now: minutes(-14) }), rsa);
      expectKey(await callV3(server, { now: minutes(14) }), rsa);
    });
  });

  it('STS: the token is required, signed and compared, in both versions', async () => {
    const credentials = { ...TEST_CREDENTIALS, securityToken: 'CAIS sts/token+=' };
    await withServer({ credentials }, async (server) => {
      expectKey(await callV1(server), rsa);
      expectKey(await callV3(server), rsa);
      expectKey(await callV1(server, { method: 'POST' }), rsa);
      const tokenMismatch = 'InvalidSecurityToken.MismatchWithAccessKey';
      expectError(await callV1(server, { omitToken: true }), 400, tokenMismatch);
      expectError(await callV3(server, { omitToken: true }), 400, tokenMismatch);
      expectError(await callV3(server, { securityToken: 'other' }), 400, tokenMismatch);
      // The right token added after signing: accepted as a token, refused because it was not signed.
      const token = credentials.securityToken;
      expectError(
        await callV3(server, {
          omitToken: true,
          headerOverride: { 'x-acs-security-token': token },
        }),
        400,
        'SignatureDoesNotMatch',
      );
      expectError(
        await callV1(server, { omitToken: true, override: { SecurityToken: token } }),
        400,
        'SignatureDoesNotMatch',
      );
    });
  });
});

describe('the KMS test server answers errors as KMS does', () => {
  it('404 Forbidden.KeyNotFound for an unknown key or version', async () => {
    await withServer({}, async (server) => {
      expectError(
        await callV1(server, { params: { KeyId: 'no-such-key', KeyVersionId: 'v' } }),
        404,
        'Forbidden.KeyNotFound',
      );
      const result = await callV3(server, { params: { KeyId: rsa.KeyId, KeyVersionId: 'no-such-version' } });
      expectError(result, 404, 'Forbidden.KeyNotFound');
      expect(result.json.Message).toContain('no-such-version');
    });
  });

  it('404 Forbidden.AliasNotFound for an unknown alias', async () => {
    await withServer({}, async (server) => {
      expectError(
        await callV1(server, { params: { KeyId: 'alias/nope', KeyVersionId: 'v' } }),
        404,
        'Forbidden.AliasNotFound',
      );
    });
  });

  it('403 Rejected.Disabled for a disabled key', async () => {
    await withServer({}, async (server) => {
      expectError(
        await callV3(server, { params: { KeyId: sm2.KeyId, KeyVersionId: sm2.KeyVersionId } }),
        403,
        'Rejected.Disabled',
      );
    });
  });

  it('400 SignatureDoesNotMatch for a wrong secret, a changed parameter or body, an unsigned x-acs header', async () => {
    await withServer({}, async (server) => {
      const wrongSecret = { accessKeySecret: 'not-the-secret' };
      expectError(await callV1(server, wrongSecret), 400, 'SignatureDoesNotMatch');
      expectError(await callV1(server, { method: 'POST', ...wrongSecret }), 400, 'SignatureDoesNotMatch');
      expectError(await callV3(server, wrongSecret), 400, 'SignatureDoesNotMatch');
      expectError(await callV1(server, { override: { KeyId: ec.KeyId } }), 400, 'SignatureDoesNotMatch');
      expectError(
        await callV3(server, {
          parametersIn: 'body',
          tamperBody: (body) => body.replace(rsa.KeyId, ec.KeyId),
        }),
        400,
        'SignatureDoesNotMatch',
      );
      expectError(
        await callV3(server, { headerOverride: { 'x-acs-extra': '1' } }),
        400,
        'SignatureDoesNotMatch',
      );
      // A v1 request signed for GET but sent as POST: the method is part of StringToSign.
      expectError(await callV1(server, { method: 'GET', sendAs: 'POST' }), 400, 'SignatureDoesNotMatch');
      expect(server.requests.every((request) => request.code === 'SignatureDoesNotMatch')).toBe(true);
    });
  });

  it('404 InvalidAccessKeyId.NotFound for an unknown AccessKeyId', async () => {
    await withServer({}, async (server) => {
      expectError(await callV1(server, { accessKeyId: 'LTAI-unknown' }), 404, 'InvalidAccessKeyId.NotFound');
      expectError(await callV3(server, { accessKeyId: 'LTAI-unknown' }), 404, 'InvalidAccessKeyId.NotFound');
    });
  });

  it('400 MissingParameter for a missing KeyVersionId, Signature or Timestamp', async () => {
    await withServer({}, async (server) => {
      expectError(await callV1(server, { params: { KeyId: rsa.KeyId } }), 400, 'MissingParameter');
      expectError(await callV3(server, { params: { KeyId: rsa.KeyId } }), 400, 'MissingParameter');
      expectError(await callV1(server, { override: { Signature: undefined } }), 400, 'MissingParameter');
      const result = await callV1(server, { override: { Timestamp: undefined } });
      expectError(result, 400, 'MissingParameter');
      expect(result.json.Message).toContain('"Timestamp"');
      expectError(
        await callV3(server, { headerOverride: { 'x-acs-date': undefined } }),
        400,
        'MissingParameter',
      );
    });
  });

  it('400 InvalidParameter for a wrong version, signature method or timestamp format', async () => {
    await withServer({}, async (server) => {
      expectError(await callV1(server, { version: '2099-01-01' }), 400, 'InvalidParameter');
      expectError(await callV3(server, { version: '2099-01-01' }), 400, 'InvalidParameter');
      expectError(
        await callV1(server, { override: { SignatureMethod: 'HMAC-SHA256' } }),
        400,
        'InvalidParameter',
      );
      expectError(
        await callV1(server, { override: { Timestamp: '2024-01-01 00:00:00' } }),
        400,
        'InvalidParameter',
      );
    });
  });

  it('400 IllegalTimestamp for a clock more than 15 minutes off, either way', async () => {
    await withServer({}, async (server) => {
      expectError(await callV1(server, { now: minutes(-16) }), 400, 'IllegalTimestamp');
      expectError(await callV3(server, { now: minutes(16) }), 400, 'IllegalTimestamp');
    });
  });

  it('400 IllegalTimestamp measured against the injected server clock', async () => {
    const serverNow = Date.parse('2030-01-01T00:00:00Z');
    await withServer({ now: () => serverNow }, async (server) => {
      expectError(await callV1(server), 400, 'IllegalTimestamp');
      expectKey(await callV1(server, { now: () => new Date(serverNow + 60_000) }), rsa);
    });
  });

  it('400 SignatureNonceUsed when a nonce comes back, in either version', async () => {
    await withServer({}, async (server) => {
      const nonce = () => 'the-same-nonce';
      expectKey(await callV1(server, { nonce }), rsa);
      expectError(await callV1(server, { nonce }), 400, 'SignatureNonceUsed');
      expectError(await callV3(server, { nonce }), 400, 'SignatureNonceUsed');
      const other = () => 'another-nonce';
      expectKey(await callV3(server, { nonce: other }), rsa);
      expectError(await callV3(server, { nonce: other }), 400, 'SignatureNonceUsed');
    });
  });

  it('404 InvalidAction.NotFound for an action it does not serve', async () => {
    await withServer({}, async (server) => {
      expectError(await callV1(server, { action: 'Decrypt' }), 404, 'InvalidAction.NotFound');
    });
  });
});

describe('the KMS test server injects faults', () => {
  it('429 Rejected.Throttling for the next N requests, then normal answers', async () => {
    await withServer({}, async (server) => {
      server.setFaults({ kind: 'throttling', count: 2 });
      expectError(await callV1(server), 429, 'Rejected.Throttling');
      expectError(await callV3(server), 429, 'Rejected.Throttling');
      expectKey(await callV1(server), rsa);
      expect(server.requests.map((request) => request.fault)).toEqual([
        'throttling',
        'throttling',
        undefined,
      ]);
    });
  });

  it('503 ServiceUnavailableTemporary, even for a request that would fail authentication', async () => {
    await withServer({}, async (server) => {
      server.setFaults({ kind: 'unavailable', count: 1 });
      expectError(await callV1(server, { accessKeySecret: 'wrong' }), 503, 'ServiceUnavailableTemporary');
      expectError(await callV1(server, { accessKeySecret: 'wrong' }), 400, 'SignatureDoesNotMatch');
    });
  });

  it('a malformed body with status 200', async () => {
    await withServer({}, async (server) => {
      server.setFaults({ kind: 'malformed', count: 1 });
      const result = await callV1(server);
      expect(result.status).toBe(200);
      expect(() => JSON.parse(result.text)).toThrow(SyntaxError);
      expect(result.text.startsWith('{"KeyId"')).toBe(true);
      expectKey(await callV1(server), rsa);
    });
  });

  it('an added delay, then the normal answer', async () => {
    await withServer({}, async (server) => {
      server.setFaults({ kind: 'delay', ms: 150, count: 1 });
      const started = performance.now();
      expectKey(await callV3(server), rsa);
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
      const again = performance.now();
      expectKey(await callV3(server), rsa);
      expect(performance.now() - again).toBeLessThan(140);
    });
  });

  it('a delay long enough for the caller to give up', async () => {
    await withServer({}, async (server) => {
      server.setFaults({ kind: 'delay', ms: 500, count: 1 });
      const params = await signKmsParametersV1({ action: 'GetPublicKey', ...server.credentials });
      await expect(
        fetch(`${server.url}/?${canonicalQueryString(params)}`, { signal: AbortSignal.timeout(50) }),
      ).rejects.toThrow(/aborted|timeout/i);
    });
  });

  it('a fraction of requests, drawn from the injected random source; null clears the plan', async () => {
    const draws = [0.1, 0.9, 0.4, 0.6];
    let index = 0;
    await withServer({ random: () => draws[index++ % draws.length]! }, async (server) => {
      server.setFaults({ kind: 'throttling', fraction: 0.5 });
      const statuses: number[] = [];
      for (let count = 0; count < 4; count++) statuses.push((await callV1(server)).status);
      expect(statuses).toEqual([429, 200, 429, 200]);
      server.setFaults(null);
      expect((await callV1(server)).status).toBe(200);
      expect(() => server.setFaults({ kind: 'unavailable', fraction: 1.5 })).toThrow(RangeError);
    });
  });
});
