/**
 * The emulator's keys: customer master keys with their versions (each version its own key pair),
 * aliases, and the Enabled/Disabled state. The rules are KMS's: a key spec takes only the usages
 * KMS allows for it (EC_P256 and EC_P256K sign only; RSA and EC_SM2 sign or encrypt), an alias is
 * `alias/` plus 1-249 of `[a-zA-Z0-9:/_-]` outside the reserved `alias/acs/`, bound to one key, and
 * a new version becomes the primary one. Identifiers look like KMS's (identifiers.ts), the Arn is
 * `acs:kms:REGION:ACCOUNT:key/KEYID`, dates are ISO 8601 UTC to the second.
 *
 * Every method throws the KmsApiError KMS would answer, so the HTTP layer and programmatic callers
 * see the same codes. The `onChange` option fires after every mutation (the server persists state
 * there).
 */

import { Identifiers } from './identifiers.js';
import {
  type EmulatorKeySpec,
  ENCRYPTION_ALGORITHMS_BY_SPEC,
  generateKeyMaterial,
  type KeyMaterial,
  SIGNING_ALGORITHMS_BY_SPEC,
} from './key-material.js';
import { KmsApiError } from './kms-errors.js';

export type KeyUsage = 'SIGN/VERIFY' | 'ENCRYPT/DECRYPT';
export type KeyState = 'Enabled' | 'Disabled';
export type ProtectionLevel = 'SOFTWARE' | 'HSM';

export interface EmulatorKeyVersion {
  readonly keyId: string;
  readonly keyVersionId: string;
  readonly creationDate: string;
  readonly material: KeyMaterial;
}

export interface EmulatorKey {
  readonly keyId: string;
  readonly arn: string;
  readonly keySpec: EmulatorKeySpec;
  readonly keyUsage: KeyUsage;
  readonly description: string;
  readonly protectionLevel: ProtectionLevel;
  readonly creationDate: string;
  readonly state: KeyState;
  /** Oldest first; the last one is the primary version. */
  readonly versions: readonly EmulatorKeyVersion[];
}

export interface EmulatorAlias {
  readonly aliasName: string;
  readonly keyId: string;
  readonly arn: string;
}

export interface CreateKeyOptions {
  readonly keySpec: string;
  /** Default ENCRYPT/DECRYPT, as KMS. */
  readonly keyUsage?: string;
  readonly description?: string;
  readonly protectionLevel?: string;
  /** Bind this alias to the new key. */
  readonly alias?: string;
}

export interface CreatedKey {
  readonly keyId: string;
  readonly keyVersionId: string;
}

export interface StoreOptions {
  readonly regionId?: string;
  readonly accountId?: string;
  readonly now?: () => number;
  /** Uniform in [0, 1); identifiers come from it when given (tests), otherwise from the CSPRNG. */
  readonly random?: () => number;
  /**
   * Called after every change; the emulator writes its state file from here. Fixed at construction:
   * a settable property on the store that startEmulator hands out could be replaced by a caller,
   * silently ending persistence.
   */
  readonly onChange?: () => void;
}

/** What a key is restored from (the state file). */
export interface RestoredKey extends Omit<EmulatorKey, 'arn' | 'versions'> {
  readonly versions: readonly Omit<EmulatorKeyVersion, 'keyId'>[];
}

export const KEY_USAGES: readonly KeyUsage[] = ['SIGN/VERIFY', 'ENCRYPT/DECRYPT'];
const ALIAS_NAME = /^alias\/[a-zA-Z0-9:/_-]{1,249}$/;

interface MutableKey {
  keyId: string;
  arn: string;
  keySpec: EmulatorKeySpec;
  keyUsage: KeyUsage;
  description: string;
  protectionLevel: ProtectionLevel;
  creationDate: string;
  state: KeyState;
  versions: EmulatorKeyVersion[];
}

export function isoSeconds(milliseconds: number): string {
  return new Date(milliseconds).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function usagesFor(keySpec: EmulatorKeySpec): KeyUsage[] {
  const usages: KeyUsage[] = [];
  if ((SIGNING_ALGORITHMS_BY_SPEC.get(keySpec) ?? []).length > 0) usages.push('SIGN/VERIFY');
  if ((ENCRYPTION_ALGORITHMS_BY_SPEC.get(keySpec) ?? []).length > 0) usages.push('ENCRYPT/DECRYPT');
  return usages;
}

export function checkAliasName(aliasName: string): void {
  if (!ALIAS_NAME.test(aliasName) || aliasName.startsWith('alias/acs/')) {
    throw new KmsApiError(
      'InvalidParameter',
      `The specified parameter "AliasName" is not valid: ${JSON.stringify(aliasName.slice(0, 300))} is not alias/ followed by 1 to 249 of [a-zA-Z0-9:/_-] (alias/acs/ is reserved).`,
    );
  }
}

export class EmulatorStore {
  readonly regionId: string;
  readonly accountId: string;
  readonly #onChange: (() => void) | undefined;
  readonly #now: () => number;
  readonly #identifiers: Identifiers;
  readonly #keys = new Map<string, MutableKey>();
  readonly #aliases = new Map<string, string>();

  constructor(options: StoreOptions = {}) {
    this.regionId = options.regionId ?? 'cn-hangzhou';
    this.accountId = options.accountId ?? '1234567890123456';
    this.#now = options.now ?? Date.now;
    this.#identifiers = new Identifiers(options.random);
    this.#onChange = options.onChange;
  }

  #changed(): void {
    this.#onChange?.();
  }

  keyArn(keyId: string): string {
    return `acs:kms:${this.regionId}:${this.accountId}:key/${keyId}`;
  }

  aliasArn(aliasName: string): string {
    return `acs:kms:${this.regionId}:${this.accountId}:${aliasName}`;
  }

  createKey(options: CreateKeyOptions): CreatedKey {
    const keySpec = options.keySpec;
    if (typeof keySpec !== 'string' || !SIGNING_ALGORITHMS_BY_SPEC.has(keySpec as EmulatorKeySpec)) {
      throw new KmsApiError(
        'InvalidParameter',
        `The specified parameter "KeySpec" is not valid: the emulator has the asymmetric specs ${[...SIGNING_ALGORITHMS_BY_SPEC.keys()].join(', ')}; got ${JSON.stringify(String(keySpec).slice(0, 100))}.`,
      );
    }
    const spec = keySpec as EmulatorKeySpec;
    const keyUsage = options.keyUsage ?? 'ENCRYPT/DECRYPT';
    if (!(usagesFor(spec) as string[]).includes(keyUsage)) {
      throw new KmsApiError(
        'InvalidParameter',
        `The specified parameter "KeyUsage" is not valid: a ${spec} key can be ${usagesFor(spec).join(' or ')}, not ${JSON.stringify(keyUsage.slice(0, 100))}.`,
      );
    }
    const protectionLevel = options.protectionLevel ?? 'SOFTWARE';
    if (protectionLevel !== 'SOFTWARE' && protectionLevel !== 'HSM') {
      throw new KmsApiError(
        'InvalidParameter',
        'The specified parameter "ProtectionLevel" must be SOFTWARE or HSM.',
      );
    }
    if (options.alias !== undefined) {
      checkAliasName(options.alias);
      if (this.#aliases.has(options.alias)) throw new KmsApiError('AliasAlreadyExists');
    }
    const keyId = this.#identifiers.keyId((candidate) => this.#keys.has(candidate));
    const creationDate = isoSeconds(this.#now());
    const key: MutableKey = {
      keyId,
      arn: this.keyArn(keyId),
      keySpec: spec,
      keyUsage: keyUsage as KeyUsage,
      description: options.description ?? '',
      protectionLevel,
      creationDate,
      state: 'Enabled',
      versions: [],
    };
    const version = this.#newVersion(key);
    this.#keys.set(keyId, key);
    if (options.alias !== undefined) this.#aliases.set(options.alias, keyId);
    this.#changed();
    return { keyId, keyVersionId: version.keyVersionId };
  }

  #newVersion(key: MutableKey): EmulatorKeyVersion {
    const version: EmulatorKeyVersion = Object.freeze({
      keyId: key.keyId,
      keyVersionId: this.#identifiers.keyVersionId(),
      creationDate: isoSeconds(this.#now()),
      material: generateKeyMaterial(key.keySpec),
    });
    key.versions.push(version);
    return version;
  }

  /** A new version of the key, which becomes its primary version. */
  createKeyVersion(keyIdOrAlias: string): CreatedKey {
    const key = this.#mutable(keyIdOrAlias);
    if (key.state !== 'Enabled') throw new KmsApiError('Rejected.Disabled');
    const version = this.#newVersion(key);
    this.#changed();
    return { keyId: key.keyId, keyVersionId: version.keyVersionId };
  }

  #mutable(reference: string): MutableKey {
    // An ARN names a key or an alias of this region and account; another account's is not found.
    const arnPrefix = `acs:kms:${this.regionId}:${this.accountId}:`;
    let keyId = reference;
    if (reference.startsWith(arnPrefix)) {
      const resource = reference.slice(arnPrefix.length);
      if (resource.startsWith('key/')) keyId = resource.slice('key/'.length);
      else if (resource.startsWith('alias/')) keyId = resource;
    }
    if (keyId.startsWith('alias/')) {
      const target = this.#aliases.get(keyId);
      if (target === undefined) throw new KmsApiError('Forbidden.AliasNotFound');
      keyId = target;
    }
    const key = this.#keys.get(keyId);
    if (key === undefined) throw new KmsApiError('Forbidden.KeyNotFound');
    return key;
  }

  /** The key for a KeyId, `alias/NAME`, or the ARN of either. */
  key(keyIdOrAlias: string): EmulatorKey {
    return this.#mutable(keyIdOrAlias);
  }

  version(key: EmulatorKey, keyVersionId: string): EmulatorKeyVersion {
    const version = key.versions.find((candidate) => candidate.keyVersionId === keyVersionId);
    if (version === undefined) throw new KmsApiError('Forbidden.KeyVersionNotFound');
    return version;
  }

  /** Oldest first. */
  keys(): readonly EmulatorKey[] {
    return [...this.#keys.values()];
  }

  /** Sorted by name. */
  aliases(keyId?: string): readonly EmulatorAlias[] {
    return [...this.#aliases]
      .filter(([, target]) => keyId === undefined || target === keyId)
      .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
      .map(([aliasName, target]) => ({ aliasName, keyId: target, arn: this.aliasArn(aliasName) }));
  }

  #aliasTarget(keyId: string): MutableKey {
    // KMS binds an alias to a key named by its id, never through another alias.
    if (keyId.startsWith('alias/') || /^acs:kms:[^:]*:[^:]*:alias\//.test(keyId)) {
      throw new KmsApiError('Unsupported.Alias', 'Alias is not valid for this api: KeyId must be a key id.');
    }
    return this.#mutable(keyId);
  }

  createAlias(aliasName: string, keyId: string): void {
    checkAliasName(aliasName);
    const key = this.#aliasTarget(keyId);
    if (this.#aliases.has(aliasName)) throw new KmsApiError('AliasAlreadyExists');
    this.#aliases.set(aliasName, key.keyId);
    this.#changed();
  }

  updateAlias(aliasName: string, keyId: string): void {
    checkAliasName(aliasName);
    const key = this.#aliasTarget(keyId);
    if (!this.#aliases.has(aliasName)) throw new KmsApiError('Forbidden.AliasNotFound');
    this.#aliases.set(aliasName, key.keyId);
    this.#changed();
  }

  deleteAlias(aliasName: string): void {
    if (!this.#aliases.delete(aliasName)) throw new KmsApiError('Forbidden.AliasNotFound');
    this.#changed();
  }

  enableKey(keyIdOrAlias: string): void {
    const key = this.#mutable(keyIdOrAlias);
    if (key.state !== 'Enabled') {
      key.state = 'Enabled';
      this.#changed();
    }
  }

  disableKey(keyIdOrAlias: string): void {
    const key = this.#mutable(keyIdOrAlias);
    if (key.state !== 'Disabled') {
      key.state = 'Disabled';
      this.#changed();
    }
  }

  /** Puts a key back as it was (the state file); its versions' material is already loaded. */
  restoreKey(restored: RestoredKey): void {
    if (this.#keys.has(restored.keyId)) throw new RangeError(`key ${restored.keyId} is restored twice`);
    this.#keys.set(restored.keyId, {
      ...restored,
      arn: this.keyArn(restored.keyId),
      versions: restored.versions.map((version) => Object.freeze({ ...version, keyId: restored.keyId })),
    });
  }

  restoreAlias(aliasName: string, keyId: string): void {
    checkAliasName(aliasName);
    if (!this.#keys.has(keyId)) throw new RangeError(`alias ${aliasName} names the unknown key ${keyId}`);
    this.#aliases.set(aliasName, keyId);
  }
}
