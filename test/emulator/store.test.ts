/**
 * The key store's KMS rules (specs, usages, alias names, versions, states) and the --state file:
 * keys, versions, aliases and states survive a restart, the file is written atomically with mode
 * 0600, and a damaged or mismatched file is refused with an error naming what is wrong.
 */

import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KmsApiError, StateFileError, startEmulator } from '../../src/emulator/index.js';
import { generateKeyMaterial } from '../../src/emulator/key-material.js';
import { signDigest } from '../../src/emulator/signing.js';
import { EmulatorStore } from '../../src/emulator/store.js';
import { verify } from '../../src/index.js';

const directory = mkdtempSync(join(tmpdir(), 'kms-emulator-store-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function kmsCode(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof KmsApiError) return error.code;
    throw error;
  }
  return undefined;
}

describe('EmulatorStore rules', () => {
  const store = new EmulatorStore();
  const signing = store.createKey({ keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY', alias: 'alias/first' });
  const other = store.createKey({ keySpec: 'EC_SM2', keyUsage: 'ENCRYPT/DECRYPT' });

  it.each([
    ['an unknown spec', { keySpec: 'RSA_1024' }],
    ['a symmetric spec', { keySpec: 'Aliyun_AES_256' }],
    ['encryption with a P-256 key', { keySpec: 'EC_P256', keyUsage: 'ENCRYPT/DECRYPT' }],
    ['encryption with a secp256k1 key', { keySpec: 'EC_P256K' }],
    ['an unknown usage', { keySpec: 'RSA_2048', keyUsage: 'SIGN' }],
    ['an unknown protection level', { keySpec: 'RSA_2048', protectionLevel: 'CLOUD' }],
    ['an alias without the prefix', { keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY', alias: 'first' }],
    ['an empty alias name', { keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY', alias: 'alias/' }],
    ['a reserved alias', { keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY', alias: 'alias/acs/kms' }],
    ['an alias with a space', { keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY', alias: 'alias/a b' }],
    [
      'an alias of 250 characters',
      { keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY', alias: `alias/${'a'.repeat(250)}` },
    ],
  ])('refuses %s with InvalidParameter', (_what, options) => {
    const before = store.keys().length;
    expect(kmsCode(() => store.createKey(options))).toBe('InvalidParameter');
    expect(store.keys().length).toBe(before);
  });

  it('takes every usage KMS allows per spec, ENCRYPT/DECRYPT by default', () => {
    expect(store.key(other.keyId).keyUsage).toBe('ENCRYPT/DECRYPT');
    const rsa = store.createKey({ keySpec: 'RSA_2048' });
    expect(store.key(rsa.keyId)).toMatchObject({ keyUsage: 'ENCRYPT/DECRYPT', protectionLevel: 'SOFTWARE' });
    const k1 = store.createKey({ keySpec: 'EC_P256K', keyUsage: 'SIGN/VERIFY', protectionLevel: 'HSM' });
    expect(store.key(k1.keyId)).toMatchObject({ keyUsage: 'SIGN/VERIFY', protectionLevel: 'HSM' });
  });

  it('binds, rebinds and deletes aliases, with the KMS codes for each mistake', () => {
    expect(store.key('alias/first').keyId).toBe(signing.keyId);
    expect(kmsCode(() => store.createAlias('alias/first', other.keyId))).toBe('AliasAlreadyExists');
    expect(kmsCode(() => store.createAlias('alias/second', 'key-missing'))).toBe('Forbidden.KeyNotFound');
    expect(kmsCode(() => store.createAlias('alias/second', 'alias/first'))).toBe('Unsupported.Alias');
    expect(
      kmsCode(() => store.createAlias('alias/second', 'acs:kms:cn-hangzhou:1234567890123456:alias/first')),
    ).toBe('Unsupported.Alias');
    expect(kmsCode(() => store.updateAlias('alias/none', other.keyId))).toBe('Forbidden.AliasNotFound');
    store.updateAlias('alias/first', other.keyId);
    expect(store.key('alias/first').keyId).toBe(other.keyId);
    expect(store.aliases(other.keyId).map((alias) => alias.aliasName)).toEqual(['alias/first']);
    store.deleteAlias('alias/first');
    expect(kmsCode(() => store.key('alias/first'))).toBe('Forbidden.AliasNotFound');
    expect(kmsCode(() => store.deleteAlias('alias/first'))).toBe('Forbidden.AliasNotFound');
  });

  it('resolves key and alias ARNs of its own region and account only', () => {
    store.createAlias('alias/by-arn', signing.keyId);
    expect(store.key(`acs:kms:cn-hangzhou:1234567890123456:key/${signing.keyId}`).keyId).toBe(signing.keyId);
    expect(store.key('acs:kms:cn-hangzhou:1234567890123456:alias/by-arn').keyId).toBe(signing.keyId);
    expect(kmsCode(() => store.key(`acs:kms:cn-shanghai:1234567890123456:key/${signing.keyId}`))).toBe(
      'Forbidden.KeyNotFound',
    );
    expect(kmsCode(() => store.key(`acs:kms:cn-hangzhou:999:key/${signing.keyId}`))).toBe(
      'Forbidden.KeyNotFound',
    );
    expect(kmsCode(() => store.key('acs:kms:cn-hangzhou:1234567890123456:alias/none'))).toBe(
      'Forbidden.AliasNotFound',
    );
    expect(kmsCode(() => store.key(`acs:kms:cn-hangzhou:1234567890123456:${signing.keyId}`))).toBe(
      'Forbidden.KeyNotFound',
    );
    store.deleteAlias('alias/by-arn');
  });

  it('makes a new version the primary one, and only for an enabled key', () => {
    const added = store.createKeyVersion(signing.keyId);
    const key = store.key(signing.keyId);
    expect(key.versions.map((version) => version.keyVersionId)).toEqual([
      signing.keyVersionId,
      added.keyVersionId,
    ]);
    expect(kmsCode(() => store.version(key, 'not-a-version'))).toBe('Forbidden.KeyVersionNotFound');
    store.disableKey(signing.keyId);
    expect(store.key(signing.keyId).state).toBe('Disabled');
    expect(kmsCode(() => store.createKeyVersion(signing.keyId))).toBe('Rejected.Disabled');
    store.enableKey(signing.keyId);
    expect(store.key(signing.keyId).state).toBe('Enabled');
  });

  it('derives identifiers from an injected random source, in the KMS shapes', () => {
    let state = 1;
    const random = () => {
      state = (state * 48_271) % 2_147_483_647;
      return state / 2_147_483_647;
    };
    const first = new EmulatorStore({ random, now: () => 0 }).createKey({
      keySpec: 'EC_P256',
      keyUsage: 'SIGN/VERIFY',
    });
    state = 1;
    const second = new EmulatorStore({ random, now: () => 0 }).createKey({
      keySpec: 'EC_P256',
      keyUsage: 'SIGN/VERIFY',
    });
    expect(second).toEqual(first);
    expect(first.keyId).toMatch(/^key-[a-z0-9]{21}$/);
    expect(first.keyVersionId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('reports changes through its onChange option', () => {
    const changes: string[] = [];
    const watched = new EmulatorStore({ onChange: () => changes.push('change') });
    const created = watched.createKey({ keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY' });
    watched.disableKey(created.keyId);
    watched.disableKey(created.keyId); // already disabled: no change
    watched.createAlias('alias/x', created.keyId);
    expect(changes).toHaveLength(3);
  });
});

describe('the state file', () => {
  it('keeps keys, versions, aliases and states across a restart', async () => {
    const statePath = join(directory, 'state.json');
    const first = await startEmulator({ statePath });
    const sign = first.store.createKey({ keySpec: 'EC_SM2', keyUsage: 'SIGN/VERIFY', alias: 'alias/kept' });
    const second = first.store.createKeyVersion(sign.keyId);
    const rsa = first.store.createKey({
      keySpec: 'RSA_2048',
      keyUsage: 'ENCRYPT/DECRYPT',
      description: 'kept',
    });
    first.store.disableKey(rsa.keyId);
    const before = first.store.keys().map((key) => ({
      ...key,
      versions: key.versions.map((version) => [version.keyVersionId, version.material.publicKeyPem]),
    }));
    await first.close();
    expect(statSync(statePath).mode & 0o777).toBe(0o600);
    expect(readdirSync(directory).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    const restarted = await startEmulator({ statePath });
    try {
      const after = restarted.store.keys().map((key) => ({
        ...key,
        versions: key.versions.map((version) => [version.keyVersionId, version.material.publicKeyPem]),
      }));
      expect(after).toEqual(before);
      expect(restarted.store.key('alias/kept').keyId).toBe(sign.keyId);
      // The restored private key still signs for the public key handed out before the restart.
      const key = restarted.store.key(sign.keyId);
      const version = restarted.store.version(key, second.keyVersionId);
      const digest = createHash('sha256').update('any 32 bytes').digest();
      const signature = signDigest(version.material, 'SM2DSA', digest);
      expect(await verify({ key: before[0]!.versions[1]![1]!, algorithm: 'SM2DSA', digest, signature })).toBe(
        true,
      );
    } finally {
      await restarted.close();
    }
  });

  it('starts empty when the file does not exist yet, writes it at once and after each change', async () => {
    const statePath = join(directory, 'fresh.json');
    const emulator = await startEmulator({ statePath });
    try {
      expect(emulator.store.keys()).toEqual([]);
      expect(JSON.parse(readFileSync(statePath, 'utf8')).keys).toEqual([]);
      emulator.store.createKey({ keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY' });
      await emulator.flush();
      expect(JSON.parse(readFileSync(statePath, 'utf8')).keys).toHaveLength(1);
    } finally {
      await emulator.close();
    }
  });

  it('refuses to start with a state path it cannot write', async () => {
    const statePath = join(directory, 'no-such-directory', 'state.json');
    const started = startEmulator({ statePath });
    await expect(started).rejects.toThrow(StateFileError);
    await expect(started).rejects.toThrow(/no-such-directory\/state\.json: cannot write: ENOENT/);
  });

  it('reports a state it can no longer write from flush() and close()', async () => {
    const stateDirectory = join(directory, 'goes-away');
    mkdirSync(stateDirectory);
    const statePath = join(stateDirectory, 'state.json');
    const emulator = await startEmulator({ statePath });
    rmSync(stateDirectory, { recursive: true });
    emulator.store.createKey({ keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY' });
    await expect(emulator.flush()).rejects.toThrow(StateFileError);
    await expect(emulator.close()).rejects.toThrow(/goes-away\/state\.json: cannot write: ENOENT/);
  });

  const good = () => {
    const material = generateKeyMaterial('EC_P256');
    return {
      format: 'kms-verify-emulator-state',
      version: 1,
      keys: [
        {
          KeyId: 'key-aaaaaaaaaaaaaaaaaaaaaaaa',
          KeySpec: 'EC_P256',
          KeyUsage: 'SIGN/VERIFY',
          KeyState: 'Enabled',
          Description: '',
          ProtectionLevel: 'SOFTWARE',
          CreationDate: '2026-01-01T00:00:00Z',
          Versions: [
            { KeyVersionId: 'v1', CreationDate: '2026-01-01T00:00:00Z', PrivateKey: material.privateKeyPem },
          ],
        },
      ],
      aliases: [{ AliasName: 'alias/a', KeyId: 'key-aaaaaaaaaaaaaaaaaaaaaaaa' }],
    };
  };

  it.each([
    ['not JSON', () => '{', /not JSON/],
    [
      'another format',
      () => JSON.stringify({ ...good(), format: 'other' }),
      /not a kms-verify-emulator-state file/,
    ],
    ['another version', () => JSON.stringify({ ...good(), version: 2 }), /state version 2/],
    [
      'an unknown key spec',
      () => JSON.stringify({ ...good(), keys: [{ ...good().keys[0], KeySpec: 'RSA_1024' }] }),
      /KeySpec RSA_1024/,
    ],
    [
      'a private key of another spec',
      () => JSON.stringify({ ...good(), keys: [{ ...good().keys[0], KeySpec: 'EC_P256K' }] }),
      /keys\[0\]\.Versions\[0\]\.PrivateKey is not a EC_P256K private key/,
    ],
    [
      'an alias to no key',
      () => JSON.stringify({ ...good(), aliases: [{ AliasName: 'alias/a', KeyId: 'key-x' }] }),
      /aliases\[0\]/,
    ],
    [
      'a key without versions',
      () => JSON.stringify({ ...good(), keys: [{ ...good().keys[0], Versions: [] }] }),
      /Versions is empty/,
    ],
    [
      'a usage the key spec does not have',
      () => JSON.stringify({ ...good(), keys: [{ ...good().keys[0], KeyUsage: 'ENCRYPT/DECRYPT' }] }),
      /keys\[0\]\.KeyUsage ENCRYPT\/DECRYPT is not a usage of a EC_P256 key/,
    ],
    [
      'an unknown protection level',
      () => JSON.stringify({ ...good(), keys: [{ ...good().keys[0], ProtectionLevel: 'PAPER' }] }),
      /keys\[0\]\.ProtectionLevel PAPER is unknown/,
    ],
    [
      'a key given twice',
      () => {
        const file = good();
        return JSON.stringify({ ...file, keys: [file.keys[0], file.keys[0]] });
      },
      /keys\[1\]\.KeyId "key-aaaaaaaaaaaaaaaaaaaaaaaa" is empty, not a key id, or given twice/,
    ],
    [
      'a KeyId that is an alias',
      () => JSON.stringify({ ...good(), keys: [{ ...good().keys[0], KeyId: 'alias/a' }], aliases: [] }),
      /keys\[0\]\.KeyId "alias\/a" is empty, not a key id/,
    ],
    [
      'a version given twice',
      () => {
        const key = good().keys[0]!;
        return JSON.stringify({
          ...good(),
          keys: [{ ...key, Versions: [key.Versions[0], key.Versions[0]] }],
        });
      },
      /keys\[0\]\.Versions\[1\]\.KeyVersionId "v1" is empty or given twice/,
    ],
    [
      'an alias given twice',
      () => {
        const file = good();
        return JSON.stringify({ ...file, aliases: [file.aliases[0], file.aliases[0]] });
      },
      /aliases\[1\]\.AliasName alias\/a is given twice/,
    ],
  ])('refuses a state file with %s', async (_what, content, message) => {
    const statePath = join(directory, 'bad.json');
    writeFileSync(statePath, content());
    const started = startEmulator({ statePath });
    await expect(started).rejects.toThrow(StateFileError);
    await expect(started).rejects.toThrow(message);
  });

  it('loads a hand-written good file', async () => {
    const statePath = join(directory, 'good.json');
    writeFileSync(statePath, JSON.stringify(good()));
    const emulator = await startEmulator({ statePath });
    try {
      expect(emulator.store.key('alias/a').keyId).toBe('key-aaaaaaaaaaaaaaaaaaaaaaaa');
    } finally {
      await emulator.close();
    }
  });
});
