/**
 * The KMS actions the emulator serves, as a table: Action -> required parameters, whether DryRun
 * applies (only actions without side effects), and a handler returning the response body without
 * RequestId. Field names and nesting are those of the KMS API reference (2016-01-20), e.g.
 * `KeyVersions.KeyVersion[]` with `PageNumber`, `PageSize`, `TotalCount`. The order of checks is
 * KMS's: the key (Forbidden.KeyNotFound / Forbidden.AliasNotFound), the version
 * (Forbidden.KeyVersionNotFound), the key state (Rejected.Disabled, 409), the key usage (signing with
 * an ENCRYPT/DECRYPT key and the like: UnsupportedOperation), then the algorithm and the data
 * (InvalidParameter).
 */

import { Base64SyntaxError, base64ToBytes, bytesToBase64 } from '../internal/base64.js';
import {
  decryptWith,
  EmulatorCryptoError,
  ENCRYPTION_ALGORITHMS_BY_SPEC,
  encryptWith,
  SIGNING_ALGORITHMS_BY_SPEC,
  signDigest,
  verifyDigest,
} from './key-material.js';
import { invalidParameter, KmsApiError, missingParameter } from './kms-errors.js';
import type { ResponseBody } from './responses.js';
import type { EmulatorKey, EmulatorKeyVersion, EmulatorStore, KeyUsage } from './store.js';

export interface ActionContext {
  readonly params: ReadonlyMap<string, string>;
  readonly store: EmulatorStore;
}

export interface ActionDefinition {
  readonly required: readonly string[];
  /** DryRun is honoured only where running the handler changes nothing. */
  readonly dryRun: boolean;
  readonly handle: (context: ActionContext) => ResponseBody | Promise<ResponseBody>;
}

function optional(context: ActionContext, name: string): string | undefined {
  const value = context.params.get(name);
  return value === '' ? undefined : value;
}

function required(context: ActionContext, name: string): string {
  const value = optional(context, name);
  if (value === undefined) throw missingParameter(name);
  return value;
}

function base64Parameter(context: ActionContext, name: string): Uint8Array {
  try {
    return base64ToBytes(required(context, name));
  } catch (error) {
    if (error instanceof Base64SyntaxError) throw invalidParameter(name, `not base64: ${error.message}`);
    throw error;
  }
}

function page(context: ActionContext): { pageNumber: number; pageSize: number } {
  const number = (name: string, fallback: number, max: number): number => {
    const text = optional(context, name);
    if (text === undefined) return fallback;
    const value = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
    if (!(value >= 1 && value <= max)) throw invalidParameter(name, `must be an integer from 1 to ${max}`);
    return value;
  };
  return { pageNumber: number('PageNumber', 1, 1_000_000_000), pageSize: number('PageSize', 10, 100) };
}

function paged<T>(context: ActionContext, items: readonly T[]) {
  const { pageNumber, pageSize } = page(context);
  const slice = items.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
  return { slice, PageNumber: pageNumber, PageSize: pageSize, TotalCount: items.length };
}

function keyMetadata(store: EmulatorStore, key: EmulatorKey): ResponseBody {
  const primary = key.versions[key.versions.length - 1]!;
  return {
    CreationDate: key.creationDate,
    Description: key.description,
    KeyId: key.keyId,
    KeyState: key.state,
    KeyUsage: key.keyUsage,
    KeySpec: key.keySpec,
    Creator: store.accountId,
    Arn: key.arn,
    Origin: 'Aliyun_KMS',
    ProtectionLevel: key.protectionLevel,
    PrimaryKeyVersion: primary.keyVersionId,
    LastRotationDate: primary.creationDate,
    AutomaticRotation: 'Disabled',
    DeletionProtection: 'Disabled',
  };
}

function versionBody(version: EmulatorKeyVersion): ResponseBody {
  return { KeyId: version.keyId, KeyVersionId: version.keyVersionId, CreationDate: version.creationDate };
}

/** The key and version of a cryptographic call, checked for state, usage and algorithm. */
function operand(
  context: ActionContext,
  usage: KeyUsage,
): { key: EmulatorKey; version: EmulatorKeyVersion; algorithm: string } {
  const key = context.store.key(required(context, 'KeyId'));
  const version = context.store.version(key, required(context, 'KeyVersionId'));
  const algorithm = required(context, 'Algorithm');
  if (key.state !== 'Enabled') throw new KmsApiError('Rejected.Disabled');
  if (key.keyUsage !== usage) {
    throw new KmsApiError(
      'UnsupportedOperation',
      `This action needs a ${usage} key; the key ${key.keyId} is ${key.keyUsage}.`,
    );
  }
  const table = usage === 'SIGN/VERIFY' ? SIGNING_ALGORITHMS_BY_SPEC : ENCRYPTION_ALGORITHMS_BY_SPEC;
  const allowed = table.get(key.keySpec) ?? [];
  if (!allowed.includes(algorithm)) {
    throw invalidParameter(
      'Algorithm',
      `a ${key.keySpec} key takes ${allowed.join(', ')}, not ${JSON.stringify(algorithm.slice(0, 100))}`,
    );
  }
  return { key, version, algorithm };
}

/** Runs a private-key operation, turning the key-material refusals into KMS answers. */
async function crypto<T>(operation: () => T | Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (!(error instanceof EmulatorCryptoError)) throw error;
    const parameter = {
      algorithm: 'Algorithm',
      digest: 'Digest',
      plaintext: 'Plaintext',
      ciphertext: 'CiphertextBlob',
      key: 'KeyId',
    }[error.reason];
    throw invalidParameter(parameter, error.message);
  }
}

function ids(version: EmulatorKeyVersion): ResponseBody {
  return { KeyId: version.keyId, KeyVersionId: version.keyVersionId };
}

const table: Record<string, ActionDefinition> = {
  CreateKey: {
    required: [],
    dryRun: false,
    handle(context) {
      const origin = optional(context, 'Origin');
      if (origin !== undefined && origin !== 'Aliyun_KMS') {
        throw invalidParameter('Origin', 'the emulator creates keys with Origin Aliyun_KMS only');
      }
      const keySpec = optional(context, 'KeySpec');
      if (keySpec === undefined) {
        throw invalidParameter('KeySpec', 'the emulator has asymmetric keys only, so KeySpec is required');
      }
      const description = optional(context, 'Description');
      const keyUsage = optional(context, 'KeyUsage');
      const protectionLevel = optional(context, 'ProtectionLevel');
      const { keyId } = context.store.createKey({
        keySpec,
        ...(keyUsage === undefined ? {} : { keyUsage }),
        ...(description === undefined ? {} : { description }),
        ...(protectionLevel === undefined ? {} : { protectionLevel }),
      });
      return { KeyMetadata: keyMetadata(context.store, context.store.key(keyId)) };
    },
  },
  DescribeKey: {
    required: ['KeyId'],
    dryRun: true,
    handle(context) {
      return { KeyMetadata: keyMetadata(context.store, context.store.key(required(context, 'KeyId'))) };
    },
  },
  ListKeys: {
    required: [],
    dryRun: true,
    handle(context) {
      const { slice, ...counts } = paged(context, context.store.keys());
      return { ...counts, Keys: { Key: slice.map((key) => ({ KeyId: key.keyId, KeyArn: key.arn })) } };
    },
  },
  EnableKey: {
    required: ['KeyId'],
    dryRun: false,
    handle(context) {
      context.store.enableKey(required(context, 'KeyId'));
      return {};
    },
  },
  DisableKey: {
    required: ['KeyId'],
    dryRun: false,
    handle(context) {
      context.store.disableKey(required(context, 'KeyId'));
      return {};
    },
  },
  CreateKeyVersion: {
    required: ['KeyId'],
    dryRun: false,
    handle(context) {
      const created = context.store.createKeyVersion(required(context, 'KeyId'));
      const key = context.store.key(created.keyId);
      return { KeyVersion: versionBody(context.store.version(key, created.keyVersionId)) };
    },
  },
  ListKeyVersions: {
    required: ['KeyId'],
    dryRun: true,
    handle(context) {
      const key = context.store.key(required(context, 'KeyId'));
      const { slice, ...counts } = paged(context, key.versions);
      return { ...counts, KeyVersions: { KeyVersion: slice.map(versionBody) } };
    },
  },
  DescribeKeyVersion: {
    required: ['KeyId', 'KeyVersionId'],
    dryRun: true,
    handle(context) {
      const key = context.store.key(required(context, 'KeyId'));
      return { KeyVersion: versionBody(context.store.version(key, required(context, 'KeyVersionId'))) };
    },
  },
  CreateAlias: {
    required: ['AliasName', 'KeyId'],
    dryRun: false,
    handle(context) {
      context.store.createAlias(required(context, 'AliasName'), required(context, 'KeyId'));
      return {};
    },
  },
  UpdateAlias: {
    required: ['AliasName', 'KeyId'],
    dryRun: false,
    handle(context) {
      context.store.updateAlias(required(context, 'AliasName'), required(context, 'KeyId'));
      return {};
    },
  },
  DeleteAlias: {
    required: ['AliasName'],
    dryRun: false,
    handle(context) {
      context.store.deleteAlias(required(context, 'AliasName'));
      return {};
    },
  },
  ListAliases: {
    required: [],
    dryRun: true,
    handle(context) {
      const { slice, ...counts } = paged(context, context.store.aliases());
      return {
        ...counts,
        Aliases: {
          Alias: slice.map((alias) => ({
            KeyId: alias.keyId,
            AliasName: alias.aliasName,
            AliasArn: alias.arn,
          })),
        },
      };
    },
  },
  ListAliasesByKeyId: {
    required: ['KeyId'],
    dryRun: true,
    handle(context) {
      const key = context.store.key(required(context, 'KeyId'));
      const { slice, ...counts } = paged(context, context.store.aliases(key.keyId));
      return {
        ...counts,
        Aliases: {
          Alias: slice.map((alias) => ({
            KeyId: alias.keyId,
            AliasName: alias.aliasName,
            AliasArn: alias.arn,
          })),
        },
      };
    },
  },
  GetPublicKey: {
    required: ['KeyId', 'KeyVersionId'],
    dryRun: true,
    handle(context) {
      const key = context.store.key(required(context, 'KeyId'));
      const version = context.store.version(key, required(context, 'KeyVersionId'));
      if (key.state !== 'Enabled') throw new KmsApiError('Rejected.Disabled');
      return { ...ids(version), PublicKey: version.material.publicKeyPem };
    },
  },
  AsymmetricSign: {
    required: ['KeyId', 'KeyVersionId', 'Algorithm', 'Digest'],
    dryRun: true,
    async handle(context) {
      const { version, algorithm } = operand(context, 'SIGN/VERIFY');
      const digest = base64Parameter(context, 'Digest');
      const signature = await crypto(() => signDigest(version.material, algorithm, digest));
      return { ...ids(version), Value: bytesToBase64(signature) };
    },
  },
  AsymmetricVerify: {
    required: ['KeyId', 'KeyVersionId', 'Algorithm', 'Digest', 'Value'],
    dryRun: true,
    async handle(context) {
      const { version, algorithm } = operand(context, 'SIGN/VERIFY');
      const digest = base64Parameter(context, 'Digest');
      const signature = base64Parameter(context, 'Value');
      const valid = await crypto(() => verifyDigest(version.material, algorithm, digest, signature));
      return { ...ids(version), Value: valid };
    },
  },
  AsymmetricEncrypt: {
    required: ['KeyId', 'KeyVersionId', 'Algorithm', 'Plaintext'],
    dryRun: true,
    async handle(context) {
      const { version, algorithm } = operand(context, 'ENCRYPT/DECRYPT');
      const plaintext = base64Parameter(context, 'Plaintext');
      const ciphertext = await crypto(() => encryptWith(version.material, algorithm, plaintext));
      return { ...ids(version), CiphertextBlob: bytesToBase64(ciphertext) };
    },
  },
  AsymmetricDecrypt: {
    required: ['KeyId', 'KeyVersionId', 'Algorithm', 'CiphertextBlob'],
    dryRun: true,
    async handle(context) {
      const { version, algorithm } = operand(context, 'ENCRYPT/DECRYPT');
      const ciphertext = base64Parameter(context, 'CiphertextBlob');
      const plaintext = await crypto(() => decryptWith(version.material, algorithm, ciphertext));
      return { ...ids(version), Plaintext: bytesToBase64(plaintext) };
    },
  },
};

export const ACTIONS: ReadonlyMap<string, ActionDefinition> = new Map(Object.entries(table));
