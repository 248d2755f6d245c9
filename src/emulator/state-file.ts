/**
 * The emulator's --state file: every key (spec, usage, state, versions with their PKCS#8 private
 * keys) and alias, as versioned JSON, so keys survive a restart. Writes are atomic (a temporary file
 * in the same directory, then rename(2), which POSIX makes atomic within a file system) and
 * serialized: a burst of changes becomes at most one write in flight and one queued, and the file on
 * disk is always a complete state. The file holds private keys: it is created with mode 0600.
 */

import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type EmulatorKeySpec, loadKeyMaterial, SIGNING_ALGORITHMS_BY_SPEC } from './key-material.js';
import {
  checkAliasName,
  type EmulatorStore,
  KEY_USAGES,
  type KeyState,
  type KeyUsage,
  type ProtectionLevel,
  usagesFor,
} from './store.js';

export const STATE_FORMAT = 'kms-verify-emulator-state';
export const STATE_VERSION = 1;

interface StateVersion {
  readonly KeyVersionId: string;
  readonly CreationDate: string;
  readonly PrivateKey: string;
}

interface StateKey {
  readonly KeyId: string;
  readonly KeySpec: string;
  readonly KeyUsage: string;
  readonly KeyState: string;
  readonly Description: string;
  readonly ProtectionLevel: string;
  readonly CreationDate: string;
  readonly Versions: readonly StateVersion[];
}

export interface StateFile {
  readonly format: typeof STATE_FORMAT;
  readonly version: typeof STATE_VERSION;
  readonly keys: readonly StateKey[];
  readonly aliases: readonly { readonly AliasName: string; readonly KeyId: string }[];
}

/** A state file that cannot be read back: its path and what is wrong. */
export class StateFileError extends Error {
  override name = 'StateFileError';
}

export function stateOf(store: EmulatorStore): StateFile {
  return {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    keys: store.keys().map((key) => ({
      KeyId: key.keyId,
      KeySpec: key.keySpec,
      KeyUsage: key.keyUsage,
      KeyState: key.state,
      Description: key.description,
      ProtectionLevel: key.protectionLevel,
      CreationDate: key.creationDate,
      Versions: key.versions.map((version) => ({
        KeyVersionId: version.keyVersionId,
        CreationDate: version.creationDate,
        PrivateKey: version.material.privateKeyPem,
      })),
    })),
    aliases: store.aliases().map((alias) => ({ AliasName: alias.aliasName, KeyId: alias.keyId })),
  };
}

function fail(path: string, what: string): never {
  throw new StateFileError(`${path}: ${what}`);
}

function text(value: unknown, path: string, what: string): string {
  if (typeof value !== 'string') fail(path, `${what} must be a string`);
  return value;
}

/** Loads a parsed state file into an empty store; every field is checked, every key re-derived. */
export function restoreState(store: EmulatorStore, state: unknown, path: string): void {
  const file = state as Partial<StateFile> | null;
  if (typeof file !== 'object' || file === null || file.format !== STATE_FORMAT)
    fail(path, `not a ${STATE_FORMAT} file`);
  if (file.version !== STATE_VERSION)
    fail(path, `state version ${String(file.version)} is not ${STATE_VERSION}`);
  if (!Array.isArray(file.keys) || !Array.isArray(file.aliases))
    fail(path, 'keys and aliases must be arrays');
  const keyIds = new Set<string>();
  file.keys.forEach((key: StateKey, index) => {
    const where = `keys[${index}]`;
    const keySpec = text(key?.KeySpec, path, `${where}.KeySpec`);
    if (!SIGNING_ALGORITHMS_BY_SPEC.has(keySpec as EmulatorKeySpec))
      fail(path, `${where}.KeySpec ${keySpec} is unknown`);
    const keyUsage = text(key.KeyUsage, path, `${where}.KeyUsage`);
    if (!(KEY_USAGES as readonly string[]).includes(keyUsage))
      fail(path, `${where}.KeyUsage ${keyUsage} is unknown`);
    const state = text(key.KeyState, path, `${where}.KeyState`);
    if (state !== 'Enabled' && state !== 'Disabled') fail(path, `${where}.KeyState ${state} is unknown`);
    if (!usagesFor(keySpec as EmulatorKeySpec).includes(keyUsage as KeyUsage))
      fail(path, `${where}.KeyUsage ${keyUsage} is not a usage of a ${keySpec} key`);
    const protectionLevel = text(key.ProtectionLevel, path, `${where}.ProtectionLevel`);
    if (protectionLevel !== 'SOFTWARE' && protectionLevel !== 'HSM')
      fail(path, `${where}.ProtectionLevel ${protectionLevel} is unknown`);
    const keyId = text(key.KeyId, path, `${where}.KeyId`);
    // Checked here, not left to the store, so the refusal names the file and the field; an id that
    // looks like an alias or an ARN could never be reached, since those are resolved first.
    if (keyId === '' || /^(alias\/|acs:)/.test(keyId) || keyIds.has(keyId))
      fail(path, `${where}.KeyId ${JSON.stringify(keyId)} is empty, not a key id, or given twice`);
    keyIds.add(keyId);
    if (!Array.isArray(key.Versions) || key.Versions.length === 0) fail(path, `${where}.Versions is empty`);
    const versionIds = new Set<string>();
    store.restoreKey({
      keyId,
      keySpec: keySpec as EmulatorKeySpec,
      keyUsage: keyUsage as KeyUsage,
      state: state as KeyState,
      description: text(key.Description, path, `${where}.Description`),
      protectionLevel: protectionLevel as ProtectionLevel,
      creationDate: text(key.CreationDate, path, `${where}.CreationDate`),
      versions: key.Versions.map((version, versionIndex) => {
        const at = `${where}.Versions[${versionIndex}]`;
        let material: ReturnType<typeof loadKeyMaterial>;
        try {
          material = loadKeyMaterial(
            keySpec as EmulatorKeySpec,
            text(version?.PrivateKey, path, `${at}.PrivateKey`),
          );
        } catch (error) {
          if (error instanceof StateFileError) throw error;
          fail(path, `${at}.PrivateKey is not a ${keySpec} private key: ${(error as Error).message}`);
        }
        const keyVersionId = text(version.KeyVersionId, path, `${at}.KeyVersionId`);
        if (keyVersionId === '' || versionIds.has(keyVersionId))
          fail(path, `${at}.KeyVersionId ${JSON.stringify(keyVersionId)} is empty or given twice`);
        versionIds.add(keyVersionId);
        return {
          keyVersionId,
          creationDate: text(version.CreationDate, path, `${at}.CreationDate`),
          material,
        };
      }),
    });
  });
  const aliasNames = new Set<string>();
  file.aliases.forEach((alias: { AliasName?: unknown; KeyId?: unknown }, index) => {
    const aliasName = text(alias?.AliasName, path, `aliases[${index}].AliasName`);
    if (aliasNames.has(aliasName)) fail(path, `aliases[${index}].AliasName ${aliasName} is given twice`);
    aliasNames.add(aliasName);
    try {
      checkAliasName(aliasName);
      store.restoreAlias(aliasName, text(alias.KeyId, path, `aliases[${index}].KeyId`));
    } catch (error) {
      if (error instanceof StateFileError) throw error;
      fail(path, `aliases[${index}]: ${(error as Error).message}`);
    }
  });
}

/** Reads a state file into the store; a missing file is an empty state. */
export async function loadStateFile(store: EmulatorStore, path: string): Promise<boolean> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return false;
    throw new StateFileError(`${path}: cannot read: ${(error as Error).message}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch (error) {
    throw new StateFileError(`${path}: not JSON: ${(error as Error).message}`, { cause: error });
  }
  restoreState(store, parsed, path);
  return true;
}

export async function writeFileAtomically(path: string, content: string): Promise<void> {
  const aside = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(aside, content, { mode: 0o600 });
    await rename(aside, path);
  } catch (error) {
    await rm(aside, { force: true });
    throw error;
  }
}

/**
 * Writes the store's state whenever asked, one write at a time; requests made while a write is in
 * flight are folded into one more write. `flush()` resolves once the state of the call's moment is on disk.
 */
export class StateWriter {
  #running: Promise<void> = Promise.resolve();
  #queued: Promise<void> | undefined;
  /** The last write error, if the last write failed (the next write may succeed). */
  lastError: unknown;

  constructor(
    readonly store: EmulatorStore,
    readonly path: string,
  ) {}

  schedule(): Promise<void> {
    if (this.#queued !== undefined) return this.#queued;
    const next = this.#running.then(async () => {
      this.#queued = undefined;
      try {
        await writeFileAtomically(this.path, `${JSON.stringify(stateOf(this.store), null, 2)}\n`);
        this.lastError = undefined;
      } catch (error) {
        this.lastError = error;
      }
    });
    this.#queued = next;
    this.#running = next;
    return next;
  }

  /** Waits for the writes asked for so far; rejects with the error of the last one if it failed. */
  async flush(): Promise<void> {
    await (this.#queued ?? this.#running);
    if (this.lastError !== undefined) {
      throw new StateFileError(`${this.path}: cannot write: ${(this.lastError as Error).message}`, {
        cause: this.lastError,
      });
    }
  }
}
