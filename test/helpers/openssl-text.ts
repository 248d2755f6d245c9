/**
 * Reading what the OpenSSL 3 command line prints with `-text -noout`, and running it.
 *
 * `openssl pkey -pubin -text -noout` and `openssl ecparam -text -noout` print `Label: value` lines;
 * a label with an empty value may be followed by 4-space-indented hex lines (`00:e1:f3:...`, 15
 * bytes a line) that hold its value. The parser here knows nothing about key types: it returns the
 * labels in order, and the typed readers below pick the fields the key suites compare.
 */

import { spawnSync } from 'node:child_process';
import { bytesToBigInt, stripLeadingZeros } from './vectors.js';

export interface OpensslTextField {
  /** The text after the first `:` on the label line, trimmed (`65537 (0x10001)`, `(2048 bit)`, ``). */
  readonly value: string;
  /** The bytes of the hex lines that followed the label line, if any. */
  readonly hex: Uint8Array | undefined;
}

const HEX_LINE = /^\s{4,}[0-9a-f]{2}(?::[0-9a-f]{2})*:?$/;

/** Parses `-text` output into label -> field; a repeated label is an error (the output is not what we think). */
export function parseOpensslText(text: string): ReadonlyMap<string, OpensslTextField> {
  const fields = new Map<string, { value: string; hex: number[] | undefined }>();
  let last: { value: string; hex: number[] | undefined } | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    if (HEX_LINE.test(line)) {
      if (last === undefined) throw new Error(`openssl text: hex line before any label: ${line}`);
      last.hex ??= [];
      for (const byte of line.trim().split(':')) if (byte !== '') last.hex.push(Number.parseInt(byte, 16));
      continue;
    }
    const trimmed = line.trim();
    const colon = trimmed.indexOf(':');
    const label = colon === -1 ? trimmed : trimmed.slice(0, colon);
    if (fields.has(label)) throw new Error(`openssl text: label "${label}" appears twice`);
    last = { value: colon === -1 ? '' : trimmed.slice(colon + 1).trim(), hex: undefined };
    fields.set(label, last);
  }
  return new Map(
    [...fields].map(([label, field]) => [
      label,
      { value: field.value, hex: field.hex === undefined ? undefined : Uint8Array.from(field.hex) },
    ]),
  );
}

function field(fields: ReadonlyMap<string, OpensslTextField>, label: string): OpensslTextField {
  const found = fields.get(label);
  if (found === undefined)
    throw new Error(`openssl text: no "${label}" line (have ${[...fields.keys()].join(', ')})`);
  return found;
}

function hexField(fields: ReadonlyMap<string, OpensslTextField>, label: string): Uint8Array {
  const { hex } = field(fields, label);
  if (hex === undefined) throw new Error(`openssl text: "${label}" has no hex lines`);
  return hex;
}

/**
 * An integer printed inline, `0`, `7 (0x7)` or `65537 (0x10001)`; when both forms are present they
 * must agree.
 */
export function parseOpensslInlineInteger(value: string): bigint {
  const match = /^(\d+)(?: \(0x([0-9a-f]+)\))?$/.exec(value);
  if (match === null) throw new Error(`openssl text: not an inline integer: "${value}"`);
  const decimal = BigInt(match[1] as string);
  if (match[2] !== undefined && BigInt(`0x${match[2]}`) !== decimal) {
    throw new Error(`openssl text: decimal and hex disagree in "${value}"`);
  }
  return decimal;
}

/** An integer printed either inline or as hex lines (ecparam prints small ones inline: `A:    0`). */
function integerField(fields: ReadonlyMap<string, OpensslTextField>, label: string): bigint {
  const found = field(fields, label);
  return found.hex === undefined ? parseOpensslInlineInteger(found.value) : bytesToBigInt(found.hex);
}

/**
 * RSA-PSS restrictions as OpenSSL prints them: `none` for "No PSS parameter restrictions", the
 * restriction lines (names as printed, e.g. `SHA2-256`, `MGF1 with SHA2-256`), or null for plain RSA.
 */
export type OpensslPssText = 'none' | { hash: string; mask: string; minimumSaltLength: number } | null;

/** The fields of `openssl pkey -pubin -text -noout` the key suites compare. */
export type OpensslPublicKeyText =
  | {
      readonly kind: 'RSA';
      readonly bits: number;
      /** Big-endian magnitude: OpenSSL's leading 00 sign byte removed. */
      readonly modulus: Uint8Array;
      readonly exponent: bigint;
      readonly pss: OpensslPssText;
    }
  | {
      readonly kind: 'EC';
      readonly bits: number;
      /** As printed: 65 bytes uncompressed, or 33 compressed. */
      readonly pub: Uint8Array;
      /** The `ASN1 OID:` name: prime256v1, secp256k1, SM2, secp384r1. */
      readonly curveName: string;
    }
  | {
      /** `ED25519 Public-Key:` / `X25519 Public-Key:` keys. */
      readonly kind: 'other';
      readonly algorithm: string;
      readonly pub: Uint8Array;
    };

export function parseOpensslPublicKeyText(text: string): OpensslPublicKeyText {
  const fields = parseOpensslText(text);
  const other = [...fields.keys()].find((label) => / Public-Key$/.test(label));
  if (other !== undefined) {
    return { kind: 'other', algorithm: other.replace(/ Public-Key$/, ''), pub: hexField(fields, 'pub') };
  }
  const bitsMatch = /^\((\d+) bit\)$/.exec(field(fields, 'Public-Key').value);
  if (bitsMatch === null) throw new Error(`openssl text: unexpected Public-Key line in\n${text}`);
  const bits = Number(bitsMatch[1]);
  if (fields.has('Modulus')) {
    let pss: OpensslPssText = null;
    if (fields.has('No PSS parameter restrictions')) pss = 'none';
    else if (fields.has('PSS parameter restrictions')) {
      pss = {
        hash: field(fields, 'Hash Algorithm').value,
        mask: field(fields, 'Mask Algorithm').value,
        minimumSaltLength: Number(parseOpensslInlineInteger(field(fields, 'Minimum Salt Length').value)),
      };
    }
    return {
      kind: 'RSA',
      bits,
      modulus: stripLeadingZeros(hexField(fields, 'Modulus')),
      exponent: parseOpensslInlineInteger(field(fields, 'Exponent').value),
      pss,
    };
  }
  return { kind: 'EC', bits, pub: hexField(fields, 'pub'), curveName: field(fields, 'ASN1 OID').value };
}

/** The domain parameters printed by `openssl ecparam -name <curve> -param_enc explicit -text -noout`. */
export interface OpensslCurveText {
  readonly p: bigint;
  readonly a: bigint;
  readonly b: bigint;
  readonly gx: bigint;
  readonly gy: bigint;
  readonly n: bigint;
  readonly cofactor: bigint;
}

export function parseOpensslCurveText(text: string): OpensslCurveText {
  const fields = parseOpensslText(text);
  const generator = hexField(fields, 'Generator (uncompressed)');
  if (generator[0] !== 0x04 || generator.length % 2 !== 1) {
    throw new Error('openssl text: the generator is not an uncompressed point');
  }
  const size = (generator.length - 1) / 2;
  return {
    p: integerField(fields, 'Prime'),
    a: integerField(fields, 'A'),
    b: integerField(fields, 'B'),
    gx: bytesToBigInt(generator.subarray(1, 1 + size)),
    gy: bytesToBigInt(generator.subarray(1 + size)),
    n: integerField(fields, 'Order'),
    cofactor: integerField(fields, 'Cofactor'),
  };
}

/** Whether an `openssl` binary is on PATH, with its version line or the reason it is not usable. */
export function findOpenssl(): { readonly available: boolean; readonly detail: string } {
  const result = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  if (result.error !== undefined) return { available: false, detail: result.error.message };
  if (result.status !== 0) return { available: false, detail: `openssl version exited ${result.status}` };
  return { available: true, detail: result.stdout.trim() };
}

/** Prints a warning nobody can miss, for a live OpenSSL suite that is about to be skipped. */
export function warnOpensslMissing(suite: string, detail: string): void {
  console.warn(
    `\n${'!'.repeat(100)}\n!! ${suite}: LIVE OpenSSL checks SKIPPED, no usable \`openssl\` on PATH (${detail})\n${'!'.repeat(100)}\n`,
  );
}

/** Runs openssl with `args`; returns stdout as bytes, or throws with stderr when it fails. */
export function runOpenssl(args: readonly string[]): Uint8Array {
  const result = spawnSync('openssl', args, { encoding: 'buffer' });
  if (result.error !== undefined) throw result.error;
  if (result.status !== 0) {
    throw new Error(`openssl ${args.join(' ')} exited ${result.status}: ${result.stderr.toString('utf8')}`);
  }
  return new Uint8Array(result.stdout);
}

/** Runs openssl with `args` and returns stdout as text. */
export function runOpensslText(args: readonly string[]): string {
  return Buffer.from(runOpenssl(args)).toString('utf8');
}
