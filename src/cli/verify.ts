/**
 * `kms-verify verify`: one KMS signature, checked offline against a key bundle, the way
 * AsymmetricVerify would check it. Prints `valid` or `invalid`; exit 0 when valid, 1 when not,
 * 2 when it cannot be judged (typed error code and message on stderr).
 */

import { parseArgs } from 'node:util';
import { Base64SyntaxError, base64ToBytes } from '../internal/base64.js';
import { verify } from '../node/index.js';
import { type CliIo, EXIT, readInput, requiredOption, UsageError } from './io.js';
import { KEY_SOURCE_OPTIONS, KEY_SOURCE_USAGE, keyFrom } from './key-source.js';

export const VERIFY_USAGE = `kms-verify verify ${KEY_SOURCE_USAGE} --key-id ID --key-version-id V --algorithm ALG (--message-file FILE | --digest BASE64) --value BASE64 [--signature-format der|p1363] [--user-id ID] [--json]`;

function base64Option(name: string, value: string): Uint8Array {
  try {
    return base64ToBytes(value);
  } catch (error) {
    if (!(error instanceof Base64SyntaxError)) throw error;
    throw new UsageError(`--${name} is not base64: ${error.message}`);
  }
}

export async function verifyCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      ...KEY_SOURCE_OPTIONS,
      'key-id': { type: 'string' },
      'key-version-id': { type: 'string' },
      algorithm: { type: 'string' },
      'message-file': { type: 'string' },
      digest: { type: 'string' },
      value: { type: 'string' },
      'signature-format': { type: 'string' },
      'user-id': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: false,
    strict: true,
  });
  const keyId = requiredOption(values, 'key-id');
  const keyVersionId = requiredOption(values, 'key-version-id');
  const algorithm = requiredOption(values, 'algorithm');
  const signature = base64Option('value', requiredOption(values, 'value'));
  const messageFile = values['message-file'];
  if ((messageFile === undefined) === (values.digest === undefined)) {
    throw new UsageError('give exactly one of --message-file and --digest');
  }
  const format = values['signature-format'];
  if (format !== undefined && format !== 'der' && format !== 'p1363') {
    throw new UsageError(`--signature-format must be der or p1363, not ${format}`);
  }
  const key = await keyFrom(values, io, keyId, keyVersionId);
  const input =
    messageFile !== undefined
      ? { message: await readInput(io, messageFile) }
      : { digest: base64Option('digest', values.digest as string) };
  let valid: boolean;
  try {
    valid = await verify({
      key,
      algorithm,
      signature,
      ...input,
      ...(format === undefined ? {} : { signatureFormat: format }),
      ...(values['user-id'] === undefined ? {} : { userId: values['user-id'] }),
    });
  } catch (error) {
    // Argument problems surface from verify as TypeError/RangeError; for a command they are usage.
    if (error instanceof TypeError || error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
  if (values.json) {
    io.stdout(`${JSON.stringify({ valid, keyId, keyVersionId, algorithm })}\n`);
  } else {
    io.stdout(valid ? 'valid\n' : 'invalid\n');
  }
  return valid ? EXIT.OK : EXIT.FAILED;
}
