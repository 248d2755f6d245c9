/**
 * The official Alibaba Cloud clients against the emulator, for every key spec: the generated KMS
 * client (signature v1) and openapi-client's callApi (signature v3 with an STS token) each create
 * keys, bind aliases, list versions, fetch the public key by id and by alias, sign and verify, and
 * decrypt what our encrypt() wrote for every encryption algorithm; KMS errors reach them with the
 * documented code, HTTP status and RequestId.
 */

import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import {
  ENCRYPTION_ALGORITHMS_BY_SPEC,
  SIGNING_ALGORITHMS_BY_SPEC,
} from '../../src/emulator/key-material.js';
import { DEFAULT_SM2_USER_ID, encrypt, parsePublicKey, verify } from '../../src/index.js';
import { sm2Digest, sm2Z } from '../../src/sm/sm2.js';
import { generatedKmsClient, type OfficialClient, openApiClient, succeed } from './official-sdk.js';

const PAIR = { accessKeyId: 'LTAI-sdk-test', accessKeySecret: 'sdk-test-secret' };
const STS = {
  accessKeyId: 'STS.sdk-test',
  accessKeySecret: 'sts-test-secret',
  securityToken: 'sts-token-for-tests',
};
const SPECS = ['RSA_2048', 'RSA_3072', 'EC_P256', 'EC_P256K', 'EC_SM2'] as const;

let emulator: RunningEmulator;
let clients: OfficialClient[];

beforeAll(async () => {
  emulator = await startEmulator({ credentials: [PAIR, STS] });
  const endpoint = new URL(emulator.url);
  clients = [
    generatedKmsClient(endpoint, PAIR),
    openApiClient(endpoint, STS, 'query'),
    openApiClient(endpoint, STS, 'body'),
    openApiClient(endpoint, PAIR, 'query', 'GET'),
  ];
});

afterAll(async () => {
  await emulator.close();
});

/** The digest AsymmetricSign takes: SHA-256 of the message, or for SM2DSA e = SM3(Z || M). */
function digestFor(algorithm: string, publicKeyPem: string, message: Uint8Array): Uint8Array {
  if (algorithm !== 'SM2DSA') return createHash('sha256').update(message).digest();
  const key = parsePublicKey(publicKeyPem);
  if (key.family !== 'EC') throw new Error('SM2 key expected');
  return sm2Digest(sm2Z(key.point, DEFAULT_SM2_USER_ID), message);
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

describe.each(SPECS)('%s through the official clients', (keySpec) => {
  const signing = SIGNING_ALGORITHMS_BY_SPEC.get(keySpec) ?? [];
  const encryption = ENCRYPTION_ALGORITHMS_BY_SPEC.get(keySpec) ?? [];

  it.each([0, 1, 2])(
    'client %i: CreateKey, CreateAlias, ListKeyVersions, GetPublicKey, Sign, Verify',
    async (index) => {
      const client = clients[index]!;
      const created = await succeed(client, 'CreateKey', {
        KeySpec: keySpec,
        KeyUsage: 'SIGN/VERIFY',
        Description: 'sdk test',
      });
      const metadata = created.KeyMetadata as Record<string, string>;
      expect(metadata).toMatchObject({
        KeySpec: keySpec,
        KeyUsage: 'SIGN/VERIFY',
        KeyState: 'Enabled',
        Origin: 'Aliyun_KMS',
      });
      expect(metadata.KeyId).toMatch(/^key-[a-z0-9]{21}$/);
      expect(metadata.Arn).toBe(`acs:kms:cn-hangzhou:1234567890123456:key/${metadata.KeyId}`);
      expect(metadata.CreationDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(typeof created.RequestId).toBe('string');
      const keyId = metadata.KeyId!;
      const alias = `alias/sdk-${index}-${keySpec.toLowerCase()}`;
      await succeed(client, 'CreateAlias', { KeyId: keyId, AliasName: alias });

      const listed = await succeed(client, 'ListKeyVersions', { KeyId: keyId });
      expect(listed).toMatchObject({ PageNumber: 1, PageSize: 10, TotalCount: 1 });
      const versions = (listed.KeyVersions as { KeyVersion: Record<string, string>[] }).KeyVersion;
      expect(versions).toHaveLength(1);
      const keyVersionId = versions[0]!.KeyVersionId!;
      expect(keyVersionId).toBe(metadata.PrimaryKeyVersion);
      expect(keyVersionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

      const byId = await succeed(client, 'GetPublicKey', { KeyId: keyId, KeyVersionId: keyVersionId });
      const byAlias = await succeed(client, 'GetPublicKey', { KeyId: alias, KeyVersionId: keyVersionId });
      expect(byAlias.KeyId).toBe(keyId); // the alias is resolved in the answer
      expect(byAlias.PublicKey).toBe(byId.PublicKey);
      const publicKeyPem = byId.PublicKey as string;
      expect(parsePublicKey(publicKeyPem).keySpec).toBe(keySpec);

      for (const algorithm of signing) {
        const message = randomBytes(100);
        const digest = digestFor(algorithm, publicKeyPem, message);
        const signed = await succeed(client, 'AsymmetricSign', {
          KeyId: alias,
          KeyVersionId: keyVersionId,
          Algorithm: algorithm,
          Digest: b64(digest),
        });
        expect(signed).toMatchObject({ KeyId: keyId, KeyVersionId: keyVersionId });
        const signature = Buffer.from(signed.Value as string, 'base64');
        expect(await verify({ key: publicKeyPem, algorithm, message, signature })).toBe(true);
        const verified = await succeed(client, 'AsymmetricVerify', {
          KeyId: keyId,
          KeyVersionId: keyVersionId,
          Algorithm: algorithm,
          Digest: b64(digest),
          Value: signed.Value as string,
        });
        expect(verified.Value).toBe(true);
        const tampered = Uint8Array.from(digest);
        tampered[0]! ^= 1;
        const refused = await succeed(client, 'AsymmetricVerify', {
          KeyId: keyId,
          KeyVersionId: keyVersionId,
          Algorithm: algorithm,
          Digest: b64(tampered),
          Value: signed.Value as string,
        });
        expect(refused.Value).toBe(false);
      }
    },
  );

  // EC_P256 and EC_P256K keys only sign, so they have no decryption case.
  if (encryption.length > 0)
    it.each([0, 1, 2])('client %i: AsymmetricDecrypt of our encrypt() output', async (index) => {
      const client = clients[index]!;
      const created = await succeed(client, 'CreateKey', { KeySpec: keySpec, KeyUsage: 'ENCRYPT/DECRYPT' });
      const keyId = (created.KeyMetadata as Record<string, string>).KeyId!;
      const keyVersionId = (created.KeyMetadata as Record<string, string>).PrimaryKeyVersion!;
      const { PublicKey } = await succeed(client, 'GetPublicKey', {
        KeyId: keyId,
        KeyVersionId: keyVersionId,
      });
      for (const algorithm of encryption) {
        const plaintext = randomBytes(100);
        const ciphertext = await encrypt({ key: PublicKey as string, algorithm, plaintext });
        const decrypted = await succeed(client, 'AsymmetricDecrypt', {
          KeyId: keyId,
          KeyVersionId: keyVersionId,
          Algorithm: algorithm,
          CiphertextBlob: b64(ciphertext),
        });
        expect(decrypted).toMatchObject({ KeyId: keyId, KeyVersionId: keyVersionId });
        expect(Buffer.from(decrypted.Plaintext as string, 'base64').equals(plaintext)).toBe(true);
      }
    });
});

describe('KMS errors through the official clients', () => {
  let signKey: { keyId: string; keyVersionId: string };
  let encryptKey: { keyId: string; keyVersionId: string };
  let disabledKey: { keyId: string; keyVersionId: string };

  beforeAll(() => {
    signKey = emulator.store.createKey({
      keySpec: 'EC_P256',
      keyUsage: 'SIGN/VERIFY',
      alias: 'alias/errors-sign',
    });
    encryptKey = emulator.store.createKey({ keySpec: 'RSA_2048', keyUsage: 'ENCRYPT/DECRYPT' });
    disabledKey = emulator.store.createKey({ keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY' });
    emulator.store.disableKey(disabledKey.keyId);
  });

  const digest = b64(new Uint8Array(32).fill(7));
  const cases: readonly (readonly [string, () => [string, Record<string, string>], string, number])[] = [
    [
      'unknown key',
      () => ['GetPublicKey', { KeyId: 'key-unknown', KeyVersionId: signKey.keyVersionId }],
      'Forbidden.KeyNotFound',
      404,
    ],
    [
      'unknown alias',
      () => ['GetPublicKey', { KeyId: 'alias/none', KeyVersionId: signKey.keyVersionId }],
      'Forbidden.AliasNotFound',
      404,
    ],
    [
      'unknown version',
      () => ['GetPublicKey', { KeyId: signKey.keyId, KeyVersionId: encryptKey.keyVersionId }],
      'Forbidden.KeyVersionNotFound',
      404,
    ],
    [
      'disabled key',
      () => ['GetPublicKey', { KeyId: disabledKey.keyId, KeyVersionId: disabledKey.keyVersionId }],
      'Rejected.Disabled',
      409,
    ],
    ['missing KeyVersionId', () => ['GetPublicKey', { KeyId: signKey.keyId }], 'MissingParameter', 400],
    [
      'signing with an ENCRYPT/DECRYPT key',
      () => [
        'AsymmetricSign',
        {
          KeyId: encryptKey.keyId,
          KeyVersionId: encryptKey.keyVersionId,
          Algorithm: 'RSA_PSS_SHA_256',
          Digest: digest,
        },
      ],
      'UnsupportedOperation',
      400,
    ],
    [
      'an algorithm of another key spec',
      () => [
        'AsymmetricSign',
        { KeyId: signKey.keyId, KeyVersionId: signKey.keyVersionId, Algorithm: 'SM2DSA', Digest: digest },
      ],
      'InvalidParameter',
      400,
    ],
    [
      'a digest of the wrong length',
      () => [
        'AsymmetricSign',
        {
          KeyId: signKey.keyId,
          KeyVersionId: signKey.keyVersionId,
          Algorithm: 'ECDSA_SHA_256',
          Digest: b64(new Uint8Array(20)),
        },
      ],
      'InvalidParameter',
      400,
    ],
    [
      'a ciphertext that does not decrypt',
      () => [
        'AsymmetricDecrypt',
        {
          KeyId: encryptKey.keyId,
          KeyVersionId: encryptKey.keyVersionId,
          Algorithm: 'RSAES_OAEP_SHA_256',
          CiphertextBlob: b64(new Uint8Array(256).fill(1)),
        },
      ],
      'InvalidParameter',
      400,
    ],
    [
      'an alias bound twice',
      () => ['CreateAlias', { KeyId: signKey.keyId, AliasName: 'alias/errors-sign' }],
      'AliasAlreadyExists',
      400,
    ],
  ];

  it.each([0, 1])('client %i answers each error with its code, status and RequestId', async (index) => {
    const client = clients[index]!;
    for (const [what, request, code, status] of cases) {
      const [action, params] = request();
      const outcome = await client.call(action, params);
      expect(outcome.ok, what).toBe(false);
      if (outcome.ok) continue;
      expect({ what, code: outcome.code, status: outcome.status }).toEqual({ what, code, status });
      expect(outcome.requestId, what).toMatch(/^[0-9A-F-]{36}$/);
      expect(outcome.data.Recommend, what).toContain(code);
    }
  });

  it('refuses a wrong secret, an unknown AccessKey and a wrong STS token', async () => {
    const endpoint = new URL(emulator.url);
    const params = { KeyId: signKey.keyId, KeyVersionId: signKey.keyVersionId };
    const expectations: readonly (readonly [OfficialClient, string, number])[] = [
      [generatedKmsClient(endpoint, { ...PAIR, accessKeySecret: 'wrong' }), 'SignatureDoesNotMatch', 400],
      [openApiClient(endpoint, { ...STS, accessKeySecret: 'wrong' }), 'SignatureDoesNotMatch', 400],
      [
        generatedKmsClient(endpoint, { accessKeyId: 'LTAI-nobody', accessKeySecret: 'x' }),
        'InvalidAccessKeyId.NotFound',
        404,
      ],
      [
        openApiClient(endpoint, { accessKeyId: 'LTAI-nobody', accessKeySecret: 'x' }),
        'InvalidAccessKeyId.NotFound',
        404,
      ],
      [
        openApiClient(endpoint, { ...STS, securityToken: 'another-token' }),
        'InvalidSecurityToken.MismatchWithAccessKey',
        400,
      ],
      [
        openApiClient(endpoint, { accessKeyId: STS.accessKeyId, accessKeySecret: STS.accessKeySecret }),
        'InvalidSecurityToken.MismatchWithAccessKey',
        400,
      ],
    ];
    for (const [client, code, status] of expectations) {
      const outcome = await client.call('GetPublicKey', params);
      expect(outcome.ok ? 'ok' : { code: outcome.code, status: outcome.status }).toEqual({ code, status });
    }
  });
});

describe('the rest of the key lifecycle through the official clients', () => {
  it.each([0, 1, 3])(
    'client %i: describe, list with pages, disable/enable, versions, aliases, encrypt',
    async (index) => {
      const client = clients[index]!;
      const created = await succeed(client, 'CreateKey', {
        KeySpec: 'RSA_2048',
        KeyUsage: 'ENCRYPT/DECRYPT',
      });
      const keyId = (created.KeyMetadata as Record<string, string>).KeyId!;
      const firstVersion = (created.KeyMetadata as Record<string, string>).PrimaryKeyVersion!;

      const described = await succeed(client, 'DescribeKey', { KeyId: keyId });
      expect(described.KeyMetadata).toEqual(created.KeyMetadata);

      const total = emulator.store.keys().length;
      const page = await succeed(client, 'ListKeys', { PageNumber: '2', PageSize: '1' });
      expect(page).toMatchObject({ PageNumber: 2, PageSize: 1, TotalCount: total });
      const listed = (page.Keys as { Key: Record<string, string>[] }).Key;
      expect(listed).toEqual([
        { KeyId: emulator.store.keys()[1]!.keyId, KeyArn: emulator.store.keys()[1]!.arn },
      ]);

      await succeed(client, 'DisableKey', { KeyId: keyId });
      expect(
        ((await succeed(client, 'DescribeKey', { KeyId: keyId })).KeyMetadata as Record<string, string>)
          .KeyState,
      ).toBe('Disabled');
      const refused = await client.call('GetPublicKey', { KeyId: keyId, KeyVersionId: firstVersion });
      expect(refused.ok ? 'ok' : refused.code).toBe('Rejected.Disabled');
      await succeed(client, 'EnableKey', { KeyId: keyId });

      const added = await succeed(client, 'CreateKeyVersion', { KeyId: keyId });
      const secondVersion = (added.KeyVersion as Record<string, string>).KeyVersionId!;
      const versions = await succeed(client, 'ListKeyVersions', { KeyId: keyId });
      expect(
        (versions.KeyVersions as { KeyVersion: Record<string, string>[] }).KeyVersion.map(
          (version) => version.KeyVersionId,
        ),
      ).toEqual([firstVersion, secondVersion]);
      const describedVersion = await succeed(client, 'DescribeKeyVersion', {
        KeyId: keyId,
        KeyVersionId: secondVersion,
      });
      expect(describedVersion.KeyVersion).toEqual(added.KeyVersion);
      expect(
        ((await succeed(client, 'DescribeKey', { KeyId: keyId })).KeyMetadata as Record<string, string>)
          .PrimaryKeyVersion,
      ).toBe(secondVersion);

      const alias = `alias/lifecycle-${index}`;
      const other = emulator.store.createKey({ keySpec: 'RSA_2048', keyUsage: 'ENCRYPT/DECRYPT' });
      await succeed(client, 'CreateAlias', { KeyId: keyId, AliasName: alias });
      await succeed(client, 'UpdateAlias', { KeyId: other.keyId, AliasName: alias });
      const byKey = await succeed(client, 'ListAliasesByKeyId', { KeyId: other.keyId });
      expect((byKey.Aliases as { Alias: Record<string, string>[] }).Alias).toEqual([
        { KeyId: other.keyId, AliasName: alias, AliasArn: `acs:kms:cn-hangzhou:1234567890123456:${alias}` },
      ]);
      const all = await succeed(client, 'ListAliases', { PageSize: '100' });
      expect(
        (all.Aliases as { Alias: Record<string, string>[] }).Alias.map((entry) => entry.AliasName),
      ).toContain(alias);
      await succeed(client, 'DeleteAlias', { AliasName: alias });
      const gone = await client.call('GetPublicKey', { KeyId: alias, KeyVersionId: other.keyVersionId });
      expect(gone.ok ? 'ok' : gone.code).toBe('Forbidden.AliasNotFound');

      const plaintext = b64(randomBytes(32));
      const encrypted = await succeed(client, 'AsymmetricEncrypt', {
        KeyId: keyId,
        KeyVersionId: secondVersion,
        Algorithm: 'RSAES_OAEP_SHA_256',
        Plaintext: plaintext,
      });
      expect(encrypted).toMatchObject({ KeyId: keyId, KeyVersionId: secondVersion });
      const decrypted = await succeed(client, 'AsymmetricDecrypt', {
        KeyId: keyId,
        KeyVersionId: secondVersion,
        Algorithm: 'RSAES_OAEP_SHA_256',
        CiphertextBlob: encrypted.CiphertextBlob as string,
      });
      expect(decrypted.Plaintext).toBe(plaintext);
    },
  );

  it('accepts an STS token from the generated client (signature v1, SecurityToken parameter)', async () => {
    const client = generatedKmsClient(new URL(emulator.url), STS);
    const key = emulator.store.createKey({ keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY' });
    const fetched = await succeed(client, 'GetPublicKey', {
      KeyId: key.keyId,
      KeyVersionId: key.keyVersionId,
    });
    expect(fetched.KeyId).toBe(key.keyId);
    const stale = await generatedKmsClient(new URL(emulator.url), { ...STS, securityToken: 'stale' }).call(
      'GetPublicKey',
      {
        KeyId: key.keyId,
        KeyVersionId: key.keyVersionId,
      },
    );
    expect(stale.ok ? 'ok' : stale.code).toBe('InvalidSecurityToken.MismatchWithAccessKey');
  });
});

describe('XML through openapi-client', () => {
  // The SDK parses an error body as XML only for the exact content type text/xml;charset=utf-8 and
  // then reads its <Error> element; anything else it parses as JSON, which would throw on XML.
  // (protocol.test.ts checks the bytes of the XML answers.)
  it('reads an XML error as the SDK reads the real one (content type, <Error> root)', async () => {
    const client = openApiClient(new URL(emulator.url), PAIR, 'query', 'GET');
    const outcome = await client.call('GetPublicKey', {
      KeyId: 'key-missing',
      KeyVersionId: 'v',
      Format: 'XML',
    });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect([outcome.code, outcome.status]).toEqual(['Forbidden.KeyNotFound', 404]);
    expect(outcome.requestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(outcome.data.HostId).toBe(new URL(emulator.url).host);
  });
});
