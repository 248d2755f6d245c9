/**
 * `kms-verify inspect FILE [--json]`: what keys a file holds. FILE is a key bundle (a JSON array of
 * GetPublicKey responses, or one response) or one piece of key material (PEM, base64 DER, DER).
 * Prints, per key: KeyId, KeyVersionId, key spec, modulus size or curve, and the SHA-256
 * fingerprint of the canonical SubjectPublicKeyInfo. A key that does not parse becomes a row with
 * its error code; the exit code is then 1.
 */

import { parseArgs } from 'node:util';
import { KmsVerifyError } from '../errors.js';
import { publicKeyFingerprint } from '../keys/fingerprint.js';
import { parsePublicKey } from '../keys/parse.js';
import type { KmsPublicKey } from '../keys/types.js';
import { bundleFromBytes } from './bundle-file.js';
import { type CliIo, EXIT, readInput, UsageError } from './io.js';

export const INSPECT_USAGE = 'kms-verify inspect FILE [--json]';

interface InspectedKey {
  readonly keyId: string;
  readonly keyVersionId: string;
  readonly keySpec?: string;
  readonly size?: string;
  readonly container?: string;
  readonly fingerprint?: string;
  readonly error?: { readonly code: string; readonly message: string };
}

function sizeOf(key: KmsPublicKey): string {
  return key.family === 'RSA' ? `${key.modulusBits} bits` : key.curve;
}

function looksLikeJson(bytes: Uint8Array): boolean {
  for (const byte of bytes) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte === 0x5b || byte === 0x7b; // '[' or '{'
  }
  return false;
}

async function inspectOne(
  keyId: string,
  keyVersionId: string,
  material: string | Uint8Array,
): Promise<InspectedKey> {
  try {
    const key = parsePublicKey(material);
    return {
      keyId,
      keyVersionId,
      keySpec: key.keySpec,
      size: sizeOf(key),
      container: key.container,
      fingerprint: await publicKeyFingerprint(key),
    };
  } catch (error) {
    if (!(error instanceof KmsVerifyError)) throw error;
    return { keyId, keyVersionId, error: { code: error.code, message: error.message } };
  }
}

function table(rows: readonly InspectedKey[]): string {
  const header = ['KeyId', 'KeyVersionId', 'KeySpec', 'Size', 'SHA-256 fingerprint (SPKI)'];
  const cells = rows.map((row) =>
    row.error === undefined
      ? [row.keyId, row.keyVersionId, row.keySpec ?? '', row.size ?? '', row.fingerprint ?? '']
      : [row.keyId, row.keyVersionId, 'ERROR', row.error.code, row.error.message],
  );
  const widths = header.map((title, column) =>
    Math.max(
      title.length,
      ...cells.filter((line) => line[2] !== 'ERROR' || column < 3).map((line) => line[column]?.length ?? 0),
    ),
  );
  const format = (line: readonly string[]) =>
    line
      .map((cell, column) => (column === line.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ');
  return `${[header, ...cells].map(format).join('\n')}\n`;
}

export async function inspectCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { json: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError('inspect takes exactly one FILE');
  const path = positionals[0] as string;
  const bytes = await readInput(io, path);
  let rows: InspectedKey[];
  if (looksLikeJson(bytes)) {
    const entries = bundleFromBytes(bytes, path);
    rows = [];
    for (const entry of entries)
      rows.push(await inspectOne(entry.KeyId, entry.KeyVersionId, entry.PublicKey));
  } else {
    rows = [await inspectOne('-', '-', bytes)];
  }
  const failed = rows.filter((row) => row.error !== undefined).length;
  if (values.json) {
    io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
  } else {
    io.stdout(table(rows));
    io.stdout(`${rows.length} key${rows.length === 1 ? '' : 's'}, ${failed} with errors\n`);
  }
  return failed === 0 ? EXIT.OK : EXIT.FAILED;
}
