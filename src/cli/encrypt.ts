/**
 * `kms-verify encrypt`: encrypts a file to a KMS public key from a bundle, printing the base64
 * CiphertextBlob that KMS AsymmetricDecrypt accepts. Exit 0 with the blob on stdout; exit 2 with a
 * typed error on stderr and nothing on stdout when it cannot encrypt.
 */

import { parseArgs } from 'node:util';
import type { Sm2CiphertextFormat } from '../encrypt/sm2-format.js';
import { SM2_CIPHERTEXT_FORMATS } from '../encrypt/sm2-format.js';
import { bytesToBase64 } from '../internal/base64.js';
import { encrypt } from '../node/index.js';
import { type CliIo, EXIT, readInput, requiredOption, UsageError } from './io.js';
import { KEY_SOURCE_OPTIONS, KEY_SOURCE_USAGE, keyFrom } from './key-source.js';

export const ENCRYPT_USAGE = `kms-verify encrypt ${KEY_SOURCE_USAGE} --key-id ID --key-version-id V --algorithm ALG --in FILE [--sm2-format c1c3c2|asn1|c1c2c3]`;

export async function encryptCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      ...KEY_SOURCE_OPTIONS,
      'key-id': { type: 'string' },
      'key-version-id': { type: 'string' },
      algorithm: { type: 'string' },
      in: { type: 'string' },
      'sm2-format': { type: 'string' },
    },
    allowPositionals: false,
    strict: true,
  });
  const keyId = requiredOption(values, 'key-id');
  const keyVersionId = requiredOption(values, 'key-version-id');
  const algorithm = requiredOption(values, 'algorithm');
  const inputPath = requiredOption(values, 'in');
  const format = values['sm2-format'];
  if (format !== undefined && !SM2_CIPHERTEXT_FORMATS.has(format)) {
    throw new UsageError(
      `--sm2-format must be one of ${[...SM2_CIPHERTEXT_FORMATS].join(', ')}, not ${format}`,
    );
  }
  const key = await keyFrom(values, io, keyId, keyVersionId);
  const plaintext = await readInput(io, inputPath);
  let ciphertext: Uint8Array;
  try {
    ciphertext = await encrypt({
      key,
      algorithm,
      plaintext,
      ...(format === undefined ? {} : { sm2Format: format as Sm2CiphertextFormat }),
    });
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
  io.stdout(`${bytesToBase64(ciphertext)}\n`);
  return EXIT.OK;
}
