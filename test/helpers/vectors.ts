/**
 * Test-vector access for the key suites: where the vectors live, which encodings of each KMS key
 * spec `vectors/keys/` holds (see vectors/keys/README.md), and small byte helpers. Node-only, like
 * every test helper.
 */

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { KeyContainer, KeySpec, PublicKeyInput } from '../../src/index.js';

/** The project root (the folder holding package.json), with a trailing slash. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** vectors/keys/ of this project. */
export const KEY_VECTORS_DIR = fileURLToPath(new URL('../../vectors/keys/', import.meta.url));

/**
 * The Wycheproof files shared by the workplace, read in place (never copied into the project). The
 * folder is absent outside the workplace; suites must then say so loudly (see `sharedVectorsOrWarn`).
 */
export const WYCHEPROOF_DIR = fileURLToPath(new URL('../../../shared/vectors/wycheproof/', import.meta.url));

/** One entry of vectors/signatures/signatures.json: a signature the OpenSSL CLI made, and its verdict. */
export interface SignatureVector {
  readonly keySpec: string;
  readonly algorithm: string;
  readonly mode: 'message' | 'digest';
  /** base64; in digest mode the message the digest came from, for reference. */
  readonly message: string;
  /** base64, digest mode only. */
  readonly digest?: string;
  readonly signature: string;
  readonly signatureFormat?: 'der' | 'p1363';
  readonly userId?: string;
  /** The verdict OpenSSL gave when the file was made. */
  readonly expected: boolean;
  readonly note: string;
}

const SIGNATURE_VECTORS_FILE = fileURLToPath(
  new URL('../../vectors/signatures/signatures.json', import.meta.url),
);

/** vectors/signatures/signatures.json, each entry checked for shape so a damaged file fails loudly. */
export function readSignatureVectors(): {
  readonly openssl: string;
  readonly entries: readonly SignatureVector[];
} {
  const file = JSON.parse(readFileSync(SIGNATURE_VECTORS_FILE, 'utf8')) as {
    openssl?: unknown;
    entries?: unknown;
  };
  if (!Array.isArray(file.entries)) throw new Error(`${SIGNATURE_VECTORS_FILE}: no "entries" array`);
  for (const [index, entry] of (file.entries as Record<string, unknown>[]).entries()) {
    const fine =
      typeof entry.keySpec === 'string' &&
      typeof entry.algorithm === 'string' &&
      (entry.mode === 'message' || entry.mode === 'digest') &&
      typeof entry.message === 'string' &&
      (entry.mode === 'message') === (entry.digest === undefined) &&
      typeof entry.signature === 'string' &&
      typeof entry.expected === 'boolean' &&
      typeof entry.note === 'string';
    if (!fine)
      throw new Error(`${SIGNATURE_VECTORS_FILE}: entry ${index} is malformed: ${JSON.stringify(entry)}`);
  }
  return { openssl: String(file.openssl), entries: file.entries as SignatureVector[] };
}

/** A file under vectors/keys/ as bytes. */
export function readKeyVector(relativePath: string): Uint8Array {
  return new Uint8Array(readFileSync(`${KEY_VECTORS_DIR}${relativePath}`));
}

/** A file under vectors/keys/ as text. */
export function readKeyVectorText(relativePath: string): string {
  return readFileSync(`${KEY_VECTORS_DIR}${relativePath}`, 'utf8');
}

/**
 * True when `dir` exists; otherwise prints a warning nobody can miss and returns false, so the
 * caller can `describe.skipIf(!present)` instead of passing silently.
 */
export function sharedVectorsOrWarn(dir: string, suite: string): boolean {
  if (existsSync(dir)) return true;
  console.warn(
    `\n${'!'.repeat(100)}\n!! ${suite}: SKIPPED, shared vector folder not found: ${dir}\n!! (expected at ../shared/vectors/ relative to the project root; see ../shared/vectors/README.md)\n${'!'.repeat(100)}\n`,
  );
  return false;
}

/** The DER body of a single-block PEM text, decoded independently of the code under test. */
export function pemToDer(pem: string): Uint8Array {
  const body = pem.replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, '').replace(/\s+/g, '');
  return new Uint8Array(Buffer.from(body, 'base64'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(hex: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex))
    throw new Error(`not an even-length hex string: ${hex.slice(0, 40)}`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${toHex(bytes)}`);
}

/** Strips leading zero bytes (an ASN.1 sign byte or hex padding) from a big-endian magnitude. */
export function stripLeadingZeros(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

/** One way a spec folder holds its key, and what `parsePublicKey` must report as the container. */
export interface KeyEncoding {
  /** File name, plus a note when the input is derived from the file. */
  readonly name: string;
  readonly container: KeyContainer;
  /** True when the input is the compressed-point SPKI (node:crypto then exports it compressed). */
  readonly compressed: boolean;
  readonly read: () => PublicKeyInput;
}

export interface SpecFolder {
  readonly spec: KeySpec;
  readonly family: 'RSA' | 'EC';
  readonly encodings: readonly KeyEncoding[];
}

function encoding(
  spec: KeySpec,
  file: string,
  container: KeyContainer,
  form: 'text' | 'bytes' | 'pem-as-der',
): KeyEncoding {
  const path = `${spec}/${file}`;
  const read =
    form === 'text'
      ? () => readKeyVectorText(path)
      : form === 'bytes'
        ? () => readKeyVector(path)
        : () => pemToDer(readKeyVectorText(path));
  return {
    name: form === 'pem-as-der' ? `${file} (body as DER bytes)` : form === 'bytes' ? `${file} (bytes)` : file,
    container,
    compressed: file === 'compressed.pem',
    read,
  };
}

function commonEncodings(spec: KeySpec): KeyEncoding[] {
  return [
    encoding(spec, 'public.pem', 'spki', 'text'),
    encoding(spec, 'public.der', 'spki', 'bytes'),
    encoding(spec, 'public.b64', 'spki', 'text'),
    encoding(spec, 'cert.pem', 'certificate', 'text'),
    encoding(spec, 'cert.pem', 'certificate', 'pem-as-der'),
    encoding(spec, 'csr.pem', 'certification-request', 'text'),
    encoding(spec, 'csr.pem', 'certification-request', 'pem-as-der'),
  ];
}

function rsaFolder(spec: KeySpec): SpecFolder {
  return {
    spec,
    family: 'RSA',
    encodings: [
      ...commonEncodings(spec),
      encoding(spec, 'pkcs1.pem', 'pkcs1', 'text'),
      encoding(spec, 'pkcs1.der', 'pkcs1', 'bytes'),
    ],
  };
}

function ecFolder(spec: KeySpec, extra: readonly KeyEncoding[] = []): SpecFolder {
  return {
    spec,
    family: 'EC',
    encodings: [...commonEncodings(spec), encoding(spec, 'compressed.pem', 'spki', 'text'), ...extra],
  };
}

/** Every accepted encoding in every spec folder of vectors/keys/. `explicit.pem` is rejected, so absent. */
export const SPEC_FOLDERS: readonly SpecFolder[] = [
  rsaFolder('RSA_2048'),
  rsaFolder('RSA_3072'),
  ecFolder('EC_P256'),
  ecFolder('EC_P256K'),
  ecFolder('EC_SM2', [
    encoding('EC_SM2', 'sm2-algorithm-oid.pem', 'spki', 'text'),
    encoding('EC_SM2', 'sm2-algorithm-oid.der', 'spki', 'bytes'),
    encoding('EC_SM2', 'sm2-algorithm-oid-params.pem', 'spki', 'text'),
    encoding('EC_SM2', 'sm2-algorithm-oid-params.der', 'spki', 'bytes'),
  ]),
];
