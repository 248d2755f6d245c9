/**
 * The kms-verify command line, as a function of its arguments and I/O. Exit codes: 0 success,
 * 1 the command ran and some input failed its check, 2 the command could not run (usage,
 * unreadable input, malformed bundle); typed errors are printed on stderr as
 * `kms-verify: CODE: message`.
 */

import { readFileSync } from 'node:fs';
import { KmsVerifyError } from '../errors.js';
import { AUDIT_USAGE, auditCommand } from './audit.js';
import { EMULATOR_USAGE, emulatorCommand } from './emulator.js';
import { ENCRYPT_USAGE, encryptCommand } from './encrypt.js';
import { INSPECT_USAGE, inspectCommand } from './inspect.js';
import { type CliIo, EXIT, InputError, UsageError } from './io.js';
import { KEYS_USAGE, keysCommand } from './keys.js';
import { VERIFY_USAGE, verifyCommand } from './verify.js';

type Command = (args: readonly string[], io: CliIo) => Promise<number>;

const COMMANDS: ReadonlyMap<
  string,
  { readonly run: Command; readonly usage: string; readonly summary: string }
> = new Map([
  [
    'audit',
    {
      run: auditCommand,
      usage: AUDIT_USAGE,
      summary: 'verify every record of a JSON Lines file; exit 0 all valid, 1 some not, 2 cannot run',
    },
  ],
  [
    'inspect',
    {
      run: inspectCommand,
      usage: INSPECT_USAGE,
      summary: 'list the keys in a bundle or key file, with spec and fingerprint',
    },
  ],
  [
    'verify',
    {
      run: verifyCommand,
      usage: VERIFY_USAGE,
      summary: 'check one KMS signature offline: exit 0 valid, 1 invalid, 2 cannot judge',
    },
  ],
  [
    'encrypt',
    {
      run: encryptCommand,
      usage: ENCRYPT_USAGE,
      summary: 'encrypt a file to a KMS key; prints the base64 CiphertextBlob for AsymmetricDecrypt',
    },
  ],
  [
    'keys',
    {
      run: keysCommand,
      usage: KEYS_USAGE,
      summary: 'fetch key versions from KMS into a key bundle (credentials from ALIBABA_CLOUD_* variables)',
    },
  ],
  [
    'emulator',
    {
      run: emulatorCommand,
      usage: EMULATOR_USAGE,
      summary: 'serve a local KMS (signature v1/v3, real keys) until Ctrl-C; prints "listening on URL" first',
    },
  ],
]);

function usage(): string {
  const lines = [...COMMANDS.values()].map((command) => `  ${command.usage}\n      ${command.summary}`);
  return `usage:\n${lines.join('\n')}\n  kms-verify --version\n`;
}

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout)(usage());
    return name === undefined ? EXIT.ERROR : EXIT.OK;
  }
  if (name === '--version') {
    io.stdout(`${version()}\n`);
    return EXIT.OK;
  }
  const command = COMMANDS.get(name);
  if (command === undefined) {
    io.stderr(`kms-verify: unknown command "${name}"\n${usage()}`);
    return EXIT.ERROR;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof KmsVerifyError) {
      io.stderr(`kms-verify: ${error.code}: ${error.message}\n`);
    } else if (error instanceof UsageError || errorCode(error)?.startsWith('ERR_PARSE_ARGS') === true) {
      io.stderr(`kms-verify ${name}: ${(error as Error).message}\nusage: ${command.usage}\n`);
    } else if (error instanceof InputError) {
      io.stderr(`kms-verify: ${error.message}\n`);
    } else {
      throw error;
    }
    return EXIT.ERROR;
  }
}
