/**
 * Where a command gets keys: a bundle file (--keys), or KMS itself (--region or --endpoint, with
 * credentials from the environment) through a KeyRing, so each key version is fetched once per run.
 */

import { aliyunKmsFetcher } from '../fetchers/aliyun.js';
import { bundleFetcher } from '../fetchers/bundle.js';
import type { KmsPublicKey } from '../keys/types.js';
import { credentialsFromEnvironment } from '../node/credentials.js';
import { KeyRing } from '../node/index.js';
import { readBundle } from './bundle-file.js';
import { type CliIo, UsageError } from './io.js';

export const KEY_SOURCE_OPTIONS = {
  keys: { type: 'string' },
  region: { type: 'string' },
  endpoint: { type: 'string' },
  'signature-version': { type: 'string' },
} as const;

export const KEY_SOURCE_USAGE =
  '(--keys BUNDLE.json | --region R | --endpoint URL) [--signature-version v1|v3]';

export interface KeySourceValues {
  readonly keys?: string | undefined;
  readonly region?: string | undefined;
  readonly endpoint?: string | undefined;
  readonly 'signature-version'?: string | undefined;
}

/** A KeyRing over the chosen source. */
export async function keyRingFor(values: KeySourceValues, io: CliIo): Promise<KeyRing> {
  const sources = [values.keys, values.region, values.endpoint].filter((value) => value !== undefined);
  if (sources.length !== 1) throw new UsageError('give exactly one of --keys, --region and --endpoint');
  if (values.keys !== undefined) {
    if (values['signature-version'] !== undefined)
      throw new UsageError('--signature-version applies to --region and --endpoint');
    return new KeyRing({ fetcher: bundleFetcher(await readBundle(io, values.keys), { name: values.keys }) });
  }
  const version = values['signature-version'] ?? 'v3';
  if (version !== 'v1' && version !== 'v3')
    throw new UsageError(`--signature-version must be v1 or v3, not ${version}`);
  let fetcher: ReturnType<typeof aliyunKmsFetcher>;
  try {
    fetcher = aliyunKmsFetcher({
      ...credentialsFromEnvironment(io.env ?? process.env),
      ...(values.region === undefined
        ? { endpoint: values.endpoint as string }
        : { regionId: values.region }),
      signatureVersion: version,
    });
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message.replace('aliyunKmsFetcher: ', ''));
    throw error;
  }
  return new KeyRing({ fetcher });
}

export async function keyFrom(
  values: KeySourceValues,
  io: CliIo,
  keyId: string,
  keyVersionId: string,
): Promise<KmsPublicKey> {
  return (await keyRingFor(values, io)).getKey(keyId, keyVersionId);
}
