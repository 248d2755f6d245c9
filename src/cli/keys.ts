/**
 * `kms-verify keys fetch`: fetches key versions from KMS through a KeyRing and writes (or merges
 * into) a versioned key bundle, the file offline commands and air-gapped audit jobs run from.
 * All or nothing: when any key cannot be fetched, every failure is reported and nothing is written.
 */

import { parseArgs } from 'node:util';
import type { KmsVerifyError } from '../errors.js';
import { bundleFromBytes } from './bundle-file.js';
import { type CliIo, EXIT, InputError, UsageError } from './io.js';
import { KEY_SOURCE_USAGE, keyRingFor } from './key-source.js';

export const KEYS_USAGE = `kms-verify keys fetch --key-id ID --key-version-id V [--key-id ID --key-version-id V ...] (--region R | --endpoint URL) [--signature-version v1|v3] [--out BUNDLE.json]`;

async function existingBundle(io: CliIo, path: string) {
  try {
    return bundleFromBytes(await io.readFile(path), path);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function keysCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand !== 'fetch')
    throw new UsageError(`unknown keys subcommand ${JSON.stringify(subcommand ?? '')}; use keys fetch`);
  const { values } = parseArgs({
    args: rest,
    options: {
      'key-id': { type: 'string', multiple: true },
      'key-version-id': { type: 'string', multiple: true },
      region: { type: 'string' },
      endpoint: { type: 'string' },
      'signature-version': { type: 'string' },
      out: { type: 'string' },
    },
    allowPositionals: false,
    strict: true,
  });
  const keyIds = values['key-id'] ?? [];
  const versions = values['key-version-id'] ?? [];
  if (keyIds.length === 0) throw new UsageError('give at least one --key-id and --key-version-id pair');
  if (keyIds.length !== versions.length) {
    throw new UsageError(
      `${keyIds.length} --key-id but ${versions.length} --key-version-id: give them in pairs`,
    );
  }
  if (values.region === undefined && values.endpoint === undefined)
    throw new UsageError(`keys fetch needs ${KEY_SOURCE_USAGE.replace('--keys BUNDLE.json | ', '')}`);
  const ring = await keyRingFor(values, io);
  const existing = values.out === undefined ? undefined : await existingBundle(io, values.out);
  if (existing !== undefined) await ring.restore(existing);
  const results = await ring.prime(
    keyIds.map((keyId, index) => ({ keyId, keyVersionId: versions[index] as string })),
  );
  const failures = results.filter((result) => !result.ok);
  if (failures.length > 0) {
    for (const failure of failures) {
      const error = failure.error as KmsVerifyError;
      io.stderr(`kms-verify: ${failure.keyId} ${failure.keyVersionId}: ${error.code}: ${error.message}\n`);
    }
    io.stderr(
      `kms-verify: ${failures.length} of ${results.length} key versions could not be fetched; nothing written\n`,
    );
    return EXIT.ERROR;
  }
  const bundle = `${JSON.stringify(ring.snapshot(), null, 2)}\n`;
  if (values.out === undefined) {
    io.stdout(bundle);
  } else {
    if (io.writeFile === undefined) throw new InputError('this environment cannot write files');
    await io.writeFile(values.out, bundle);
    io.stderr(
      `kms-verify: ${ring.stats().size} key versions in ${values.out} (${results.length} fetched or confirmed)\n`,
    );
  }
  return EXIT.OK;
}
