/**
 * Runs the kms-verify command in-process with captured output: files named in `files` are served
 * from memory (and writes land there), any other path is read from the project root, and `env`
 * stands in for the process environment.
 */

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/run.js';

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly files: Record<string, string | Uint8Array>;
}

export async function runCommand(
  args: readonly string[],
  files: Record<string, string | Uint8Array> = {},
  env: Readonly<Record<string, string>> = {},
  stdin?: NodeJS.ReadableStream,
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    readFile: async (path) => {
      const content = files[path];
      if (content === undefined) return readFile(new URL(path, `file://${projectRoot}/`));
      return typeof content === 'string' ? new TextEncoder().encode(content) : content;
    },
    writeFile: async (path, content) => {
      files[path] = content;
    },
    env,
    ...(stdin === undefined ? {} : { stdin }),
  };
  return { code: await runCli([...args], io), stdout, stderr, files };
}
