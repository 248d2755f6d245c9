/**
 * The request pipeline under hostile input, without HTTP in between: random query strings, form
 * bodies and Authorization headers (property test) always get a KMS error answer with a RequestId
 * and a 4xx status, never a 500, a throw or a success; and the order of the gateway's checks.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FaultInjector } from '../../src/emulator/faults.js';
import { type HandlerContext, handleKmsRequest } from '../../src/emulator/handler.js';
import { Authenticator, type RawRequest } from '../../src/emulator/request.js';
import { RequestLog } from '../../src/emulator/request-log.js';
import { EmulatorStore } from '../../src/emulator/store.js';

function context(): HandlerContext {
  const store = new EmulatorStore();
  store.createKey({ keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY', alias: 'alias/a' });
  return {
    store,
    authenticator: new Authenticator({
      credentials: [{ accessKeyId: 'AK', accessKeySecret: 'secret' }],
      now: Date.now,
    }),
    faults: new FaultInjector(() => 0),
    log: new RequestLog(10),
    sleep: async () => {},
  };
}

const text = fc.string({ unit: 'binary', maxLength: 80 });
const parameterName = fc.constantFrom(
  'Action',
  'Version',
  'AccessKeyId',
  'Signature',
  'SignatureMethod',
  'SignatureVersion',
  'SignatureNonce',
  'Timestamp',
  'Format',
  'KeyId',
  'KeyVersionId',
  'DryRun',
  'x',
);
const pairs = fc.array(
  fc.tuple(
    parameterName,
    fc.oneof(text, fc.constantFrom('GetPublicKey', '2016-01-20', 'AK', 'HMAC-SHA1', '1.0', 'XML', 'true')),
  ),
  { maxLength: 12 },
);

describe('handleKmsRequest', () => {
  it('answers any malformed or unsigned request with a KMS error, never a 500 (property)', async () => {
    const shared = context();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST'),
        pairs,
        pairs,
        fc.option(
          fc.oneof(
            text,
            text.map((tail) => `ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host,Signature=${tail}`),
          ),
        ),
        async (method, query, form, authorization) => {
          const request: RawRequest = {
            method,
            target: `/?${new URLSearchParams(query).toString()}`,
            headers: {
              host: '127.0.0.1',
              'content-type': 'application/x-www-form-urlencoded',
              ...(authorization === null ? {} : { authorization }),
            },
            body: new TextEncoder().encode(new URLSearchParams(form).toString()),
          };
          const answer = await handleKmsRequest(request, shared);
          expect(answer.status).toBeGreaterThanOrEqual(400);
          expect(answer.status).toBeLessThan(500);
          const body = answer.contentType.startsWith('text/xml')
            ? {
                RequestId: /<RequestId>([^<]+)<\/RequestId>/.exec(answer.text)?.[1],
                Code: /<Code>([^<]+)<\/Code>/.exec(answer.text)?.[1],
              }
            : (JSON.parse(answer.text) as { RequestId: string; Code: string });
          expect(body.RequestId).toBe(answer.requestId);
          expect(body.Code).toMatch(/^[A-Za-z.]+$/);
        },
      ),
      { numRuns: 1_000 },
    );
    expect(shared.log.total).toBeGreaterThanOrEqual(1_000);
    expect(shared.log.byCode().InternalFailure).toBeUndefined();
  });

  it('spends a malformed fault only on an answer it cuts, error answers included', async () => {
    const shared = context();
    const unsigned: RawRequest = {
      method: 'GET',
      target: '/?Action=ListKeys',
      headers: {},
      body: new Uint8Array(0),
    };
    shared.faults.set([{ kind: 'malformed', count: 1 }]);
    const cut = await handleKmsRequest(unsigned, shared);
    expect(cut.status).toBe(400);
    expect(() => JSON.parse(cut.text)).toThrow(SyntaxError);
    expect(shared.log.recent().at(-1)).toMatchObject({ code: 'MissingParameter', fault: 'malformed' });
    const whole = await handleKmsRequest(unsigned, shared);
    expect(JSON.parse(whole.text)).toMatchObject({ Code: 'MissingParameter' });
  });

  it('checks faults before the signature, and the signature before the action', async () => {
    const shared = context();
    const unsigned: RawRequest = {
      method: 'GET',
      target: '/?Action=NoSuchAction',
      headers: {},
      body: new Uint8Array(0),
    };
    shared.faults.set([{ kind: 'throttling', count: 1 }]);
    expect((await handleKmsRequest(unsigned, shared)).status).toBe(429);
    const next = await handleKmsRequest(unsigned, shared);
    expect([next.status, JSON.parse(next.text).Code]).toEqual([400, 'MissingParameter']);
  });
});
