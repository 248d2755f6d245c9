/**
 * What a command needs from the outside world, injectable so tests can run commands in-process and
 * read exactly what they print.
 */

import { readFile, rename, writeFile } from 'node:fs/promises';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readFile: (path: string) => Promise<Uint8Array>;
  /** Replaces a file's content atomically (write aside, then rename). */
  readonly writeFile?: (path: string, content: string) => Promise<void>;
  /** True when stderr is a terminal: progress is shown only then. */
  readonly stderrIsTerminal?: boolean;
  /** Standard input, for commands that read `-`. */
  readonly stdin?: NodeJS.ReadableStream;
  /** Environment variables (credentials); process.env for the real command. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile: (path) => readFile(path),
  writeFile: async (path, content) => {
    const aside = `${path}.${process.pid}.tmp`;
    await writeFile(aside, content);
    await rename(aside, path);
  },
  stderrIsTerminal: process.stderr.isTTY === true,
  stdin: process.stdin,
  env: process.env,
};

/** Exit codes shared by every command. */
export const EXIT = Object.freeze({
  OK: 0,
  /** The command ran, and some input failed (an invalid key, an invalid signature). */
  FAILED: 1,
  /** The command could not run: bad usage, unreadable input, malformed bundle. */
  ERROR: 2,
});

/** A usage mistake: printed with the command's usage, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** An input file could not be read: exit 2. */
export class InputError extends Error {
  override name = 'InputError';
}

/** Reads a whole input file, turning file-system failures into an InputError naming the path. */
export async function readInput(io: CliIo, path: string): Promise<Uint8Array> {
  try {
    return await io.readFile(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new InputError(
      `cannot read ${path}: ${typeof code === 'string' ? code : (error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/** The value of a required string option, or a UsageError naming it. */
export function requiredOption(values: Readonly<Record<string, unknown>>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}
