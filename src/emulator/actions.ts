/**
 * The KMS actions the emulator serves, as a table: Action -> required parameters, whether the
 * action has a DryRun parameter (none here: KMS documents it for GetPublicKey and the Asymmetric*
 * actions only), and a handler returning the response body without
 * RequestId. Field names and nesting are those of the KMS API reference (2016-01-20) and the SDK
 * models, e.g. `KeyVersions.KeyVersion[]` with `PageNumber`, `PageSize`, `TotalCount`. This file
 * holds key and alias management; crypto-actions.ts the actions that use a key version.
 */

import { CRYPTO_ACTIONS } from './crypto-actions.js';
import { invalidParameter } from './kms-errors.js';
import { type ActionContext, type ActionDefinition, optional, paged, required } from './parameters.js';
import type { ResponseBody } from './responses.js';
import type { EmulatorAlias, EmulatorKey, EmulatorKeyVersion, EmulatorStore } from './store.js';

export type { ActionContext, ActionDefinition } from './parameters.js';

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

/** What ListKeys can filter on, and each key's value for it (every emulator key is a user's). */
const KEY_FILTERS: ReadonlyMap<string, (key: EmulatorKey) => string> = new Map<
  string,
  (key: EmulatorKey) => string
>([
  ['KeyState', (key) => key.state],
  ['KeySpec', (key) => key.keySpec],
  ['KeyUsage', (key) => key.keyUsage],
  ['ProtectionLevel', (key) => key.protectionLevel],
  ['CreatorType', () => 'User'],
]);

/**
 * ListKeys' Filters: a JSON array of at most 10 `{"Key": NAME, "Values": [at most 10 strings]}`,
 * AND between entries, OR within Values (an empty Values does not restrict). A filter the emulator
 * cannot apply is refused: silently listing every key would answer a different question.
 */
function keyFilter(text: string | undefined): (key: EmulatorKey) => boolean {
  if (text === undefined) return () => true;
  let filters: unknown;
  try {
    filters = JSON.parse(text);
  } catch {
    throw invalidParameter('Filters', 'not JSON');
  }
  if (!Array.isArray(filters) || filters.length > 10)
    throw invalidParameter('Filters', 'must be an array of at most 10 {"Key", "Values"} objects');
  const tests = filters.map((filter: unknown) => {
    const { Key: name, Values: values } = (filter ?? {}) as { Key?: unknown; Values?: unknown };
    const property = typeof name === 'string' ? KEY_FILTERS.get(name) : undefined;
    if (property === undefined)
      throw invalidParameter('Filters', `the emulator filters on ${[...KEY_FILTERS.keys()].join(', ')} only`);
    if (!Array.isArray(values) || values.length > 10 || !values.every((value) => typeof value === 'string'))
      throw invalidParameter('Filters', `the Values of ${name} must be an array of at most 10 strings`);
    return (key: EmulatorKey) => values.length === 0 || values.includes(property(key));
  });
  return (key) => tests.every((test) => test(key));
}

/** ListAliases and ListAliasesByKeyId answer in the same shape: `Aliases.Alias[]`, paged. */
function aliasPage(context: ActionContext, aliases: readonly EmulatorAlias[]): ResponseBody {
  const { slice, ...counts } = paged(context, aliases);
  return {
    ...counts,
    Aliases: {
      Alias: slice.map((alias) => ({ KeyId: alias.keyId, AliasName: alias.aliasName, AliasArn: alias.arn })),
    },
  };
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
    dryRun: false,
    handle(context) {
      return { KeyMetadata: keyMetadata(context.store, context.store.key(required(context, 'KeyId'))) };
    },
  },
  ListKeys: {
    required: [],
    dryRun: false,
    handle(context) {
      const matches = keyFilter(optional(context, 'Filters'));
      const { slice, ...counts } = paged(context, context.store.keys().filter(matches));
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
    dryRun: false,
    handle(context) {
      const key = context.store.key(required(context, 'KeyId'));
      const { slice, ...counts } = paged(context, key.versions);
      return { ...counts, KeyVersions: { KeyVersion: slice.map(versionBody) } };
    },
  },
  DescribeKeyVersion: {
    required: ['KeyId', 'KeyVersionId'],
    dryRun: false,
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
    dryRun: false,
    handle(context) {
      return aliasPage(context, context.store.aliases());
    },
  },
  ListAliasesByKeyId: {
    required: ['KeyId'],
    dryRun: false,
    handle(context) {
      const key = context.store.key(required(context, 'KeyId'));
      return aliasPage(context, context.store.aliases(key.keyId));
    },
  },
};

export const ACTIONS: ReadonlyMap<string, ActionDefinition> = new Map(
  Object.entries({ ...table, ...CRYPTO_ACTIONS }),
);
