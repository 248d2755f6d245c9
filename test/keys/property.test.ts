/**
 * Property tests for parsePublicKey: thousands of random mutations of valid keys (DER bytes, DER
 * structure and PEM text), random inputs of every shape, the base64 decoder against Node's Buffer,
 * and hostile inputs.
 *
 * The property for every input is: parsePublicKey either throws a KmsVerifyError with code
 * ERR_KEY_FORMAT, ERR_KEY_INVALID or ERR_KEY_UNSUPPORTED (and of the class that owns that code), or
 * returns a key that is fully consistent: frozen and recognised by isKmsPublicKey, its keySpec's
 * family and size match its fields, re-parsing its own canonical `spki` gives the same key, and
 * Node's crypto (OpenSSL, an implementation independent of ours) imports that `spki`, which for EC
 * proves the point is on the curve. A returned key equal to the original is "same key"; another
 * consistent key (a flipped RSA modulus bit that leaves it odd and full size, a compressed point whose
 * x still lies on the curve) is "different valid key". Anything else fails the property and
 * fast-check prints the seed and the shrunk counterexample.
 *
 * Key material is read from vectors/keys (made by OpenSSL, see vectors/keys/README.md) through
 * test/helpers/vectors.ts. Mutations, DER walking and DER re-serialisation here are written
 * independently of src/keys/der.ts.
 */

import { createPublicKey } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type EcPublicKey,
  isKmsPublicKey,
  KEY_SPECS,
  KeyFormatError,
  KeyInvalidError,
  KeyUnsupportedError,
  type KmsPublicKey,
  KmsVerifyError,
  MAX_KEY_INPUT_LENGTH,
  parsePublicKey,
} from '../../src/index.js';
import { Base64SyntaxError, base64ToBytes, bytesToBase64 } from '../../src/internal/base64.js';
import { pemToDer, readKeyVector, readKeyVectorText, toHex } from '../helpers/vectors.js';

/* ------------------------------------------------------------------------------------------------
 * Run sizes. Mutations of valid keys: 10,000 + 5,000 + 5,000 = 20,000 per run.
 */

const RAW_DER_MUTATION_RUNS = 10_000;
const STRUCTURAL_DER_MUTATION_RUNS = 5_000;
const PEM_TEXT_MUTATION_RUNS = 5_000;
const RANDOM_INPUT_RUNS = 1_000;

/* ------------------------------------------------------------------------------------------------
 * Vectors.
 */

const SPECS = ['RSA_2048', 'RSA_3072', 'EC_P256', 'EC_P256K', 'EC_SM2'] as const;

/** Independent PEM reading for the vectors: the label, and the body decoded by Buffer. */
function pemLabelAndDer(pem: string): { label: string; der: Uint8Array } {
  const label = /-----BEGIN ([^-]+)-----/.exec(pem)?.[1];
  if (label === undefined) throw new Error('vector is not PEM');
  return { label, der: pemToDer(pem) };
}

interface Sample {
  /** e.g. `EC_SM2/cert.pem`. */
  readonly name: string;
  readonly label: string;
  readonly pem: string;
  readonly der: Uint8Array;
  /** The canonical SPKI of the key: OpenSSL's public.der (rsaEncryption+NULL, or named curve+04||X||Y). */
  readonly spki: Uint8Array;
}

const SAMPLES: readonly Sample[] = SPECS.flatMap((spec) => {
  const spki = readKeyVector(`${spec}/public.der`);
  const files = spec.startsWith('RSA')
    ? ['public.pem', 'pkcs1.pem', 'cert.pem', 'csr.pem']
    : ['public.pem', 'compressed.pem', 'cert.pem', 'csr.pem'];
  if (spec === 'EC_SM2') files.push('sm2-algorithm-oid.pem', 'sm2-algorithm-oid-params.pem');
  return files.map((file): Sample => {
    const pem = readKeyVectorText(`${spec}/${file}`);
    return { name: `${spec}/${file}`, pem, spki, ...pemLabelAndDer(pem) };
  });
});

/* ------------------------------------------------------------------------------------------------
 * Small byte helpers.
 */

function concat(...parts: readonly Uint8Array[]): Uint8Array {
  return concatAll(parts);
}

/** Like concat, for more parts than a call may take arguments. */
function concatAll(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

function splice(bytes: Uint8Array, at: number, remove: number, insert: Uint8Array = new Uint8Array(0)) {
  return concat(bytes.subarray(0, at), insert, bytes.subarray(at + remove));
}

/** Minimal DER length octets. */
function derLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return Uint8Array.of(0x80 | octets.length, ...octets);
}

/** Length octets in the long form with needless leading zero bytes: never valid DER. */
function nonMinimalLength(length: number, extra: number): Uint8Array {
  const minimal = derLength(length);
  // A short-form length written in the long form is already non-minimal, so it needs one zero less.
  const octets = minimal.length === 1 ? [length] : [...minimal.subarray(1)];
  const zeros = new Array<number>(minimal.length === 1 ? extra - 1 : extra).fill(0);
  return Uint8Array.of(0x80 | (zeros.length + octets.length), ...zeros, ...octets);
}

function tlv(tag: number, ...content: readonly Uint8Array[]): Uint8Array {
  const body = concat(...content);
  return concat(Uint8Array.of(tag), derLength(body.length), body);
}

function armour(label: string, der: Uint8Array, width = 64): string {
  const body = Buffer.from(der).toString('base64');
  const lines: string[] = [];
  for (let index = 0; index < body.length; index += width) lines.push(body.slice(index, index + width));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/* ------------------------------------------------------------------------------------------------
 * An independent, lenient DER walker (to find TLV headers in possibly broken input) and a tree form
 * that re-serialises byte-exactly when untouched, for structure-aware mutations.
 */

interface Header {
  readonly tag: number;
  readonly start: number;
  readonly lengthStart: number;
  readonly contentStart: number;
  readonly end: number;
}

function readHeader(bytes: Uint8Array, start: number, limit: number): Header | undefined {
  if (start + 2 > limit) return undefined;
  const tag = bytes[start] as number;
  if ((tag & 0x1f) === 0x1f) return undefined;
  const first = bytes[start + 1] as number;
  let length = first;
  let contentStart = start + 2;
  if (first >= 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4 || start + 2 + count > limit) return undefined;
    length = 0;
    for (let index = 0; index < count; index++) length = length * 256 + (bytes[start + 2 + index] as number);
    contentStart += count;
  }
  if (contentStart + length > limit) return undefined;
  return { tag, start, lengthStart: start + 1, contentStart, end: contentStart + length };
}

/** Where nested DER may hide inside a primitive: a BIT STRING (after its unused-bits byte) or OCTET STRING. */
function encapsulatedOffset(bytes: Uint8Array, header: Header): number | undefined {
  const length = header.end - header.contentStart;
  if (header.tag === 0x03 && length > 2 && bytes[header.contentStart] === 0) return 1;
  if (header.tag === 0x04 && length > 1 && bytes[header.contentStart] === 0x30) return 0;
  return undefined;
}

/** Every header the walker can find, in pre-order, even in input that is broken further on. */
function findHeaders(bytes: Uint8Array): Header[] {
  const found: Header[] = [];
  const visit = (start: number, end: number, depth: number): void => {
    let position = start;
    while (position < end && depth < 40) {
      const header = readHeader(bytes, position, end);
      if (header === undefined) return;
      found.push(header);
      if ((header.tag & 0x20) !== 0) visit(header.contentStart, header.end, depth + 1);
      else {
        const offset = encapsulatedOffset(bytes, header);
        if (offset !== undefined) visit(header.contentStart + offset, header.end, depth + 1);
      }
      position = header.end;
    }
  };
  visit(0, bytes.length, 0);
  return found;
}

type LengthMode = { readonly kind: 'nonMinimal'; readonly extra: number } | { readonly kind: 'indefinite' };

interface DerNode {
  tag: number;
  /** The length octets as they were, reused while the content keeps its original length. */
  originalLength: Uint8Array | undefined;
  originalContentLength: number;
  lengthMode: LengthMode | undefined;
  /** Bytes before nested children (a BIT STRING's unused-bits byte). */
  prefix: Uint8Array;
  content: Uint8Array | DerNode[];
}

function parseNodes(bytes: Uint8Array, start: number, end: number, depth: number): DerNode[] | undefined {
  const nodes: DerNode[] = [];
  let position = start;
  while (position < end) {
    const header = readHeader(bytes, position, end);
    if (header === undefined || depth > 40) return undefined;
    const raw = bytes.slice(header.contentStart, header.end);
    const node: DerNode = {
      tag: header.tag,
      originalLength: bytes.slice(header.lengthStart, header.contentStart),
      originalContentLength: raw.length,
      lengthMode: undefined,
      prefix: new Uint8Array(0),
      content: raw,
    };
    const offset = (header.tag & 0x20) !== 0 ? 0 : encapsulatedOffset(bytes, header);
    if (offset !== undefined) {
      const children = parseNodes(bytes, header.contentStart + offset, header.end, depth + 1);
      // Only adopt children that serialise back to exactly these bytes.
      if (children !== undefined && ((header.tag & 0x20) !== 0 || children.length > 0)) {
        const candidate = { ...node, prefix: raw.slice(0, offset), content: children };
        if (equalBytes(serialise(candidate), bytes.subarray(header.start, header.end))) {
          node.prefix = candidate.prefix;
          node.content = candidate.content;
        }
      }
    }
    nodes.push(node);
    position = header.end;
  }
  return nodes;
}

function serialise(node: DerNode): Uint8Array {
  const inner = Array.isArray(node.content) ? concat(...node.content.map(serialise)) : node.content;
  const body = concat(node.prefix, inner);
  const mode = node.lengthMode;
  if (mode?.kind === 'indefinite') return concat(Uint8Array.of(node.tag, 0x80), body, Uint8Array.of(0, 0));
  const length =
    mode?.kind === 'nonMinimal'
      ? nonMinimalLength(body.length, mode.extra)
      : node.originalLength !== undefined && body.length === node.originalContentLength
        ? node.originalLength
        : derLength(body.length);
  return concat(Uint8Array.of(node.tag), length, body);
}

interface Located {
  readonly node: DerNode;
  readonly siblings: DerNode[] | undefined;
}

function locateAll(root: DerNode): Located[] {
  const out: Located[] = [];
  const visit = (node: DerNode, siblings: DerNode[] | undefined): void => {
    out.push({ node, siblings });
    if (Array.isArray(node.content)) for (const child of node.content) visit(child, node.content);
  };
  visit(root, undefined);
  return out;
}

function cloneNode(node: DerNode): DerNode {
  return {
    ...node,
    content: Array.isArray(node.content) ? node.content.map(cloneNode) : node.content,
  };
}

const TREES = new Map<Sample, DerNode>(
  SAMPLES.map((sample) => {
    const nodes = parseNodes(sample.der, 0, sample.der.length, 0);
    if (nodes?.length !== 1) throw new Error(`${sample.name}: the test's DER walker cannot read it`);
    return [sample, nodes[0] as DerNode];
  }),
);

/* ------------------------------------------------------------------------------------------------
 * Outcomes: the property every input must satisfy, and the tallies that are printed.
 */

const ALLOWED_CODES = new Map<string, new (...args: never[]) => KmsVerifyError>([
  [KeyFormatError.code, KeyFormatError],
  [KeyInvalidError.code, KeyInvalidError],
  [KeyUnsupportedError.code, KeyUnsupportedError],
]);

type Outcome =
  | { readonly kind: 'same key' | 'different valid key'; readonly key: KmsPublicKey }
  | { readonly kind: 'error'; readonly code: string }
  | { readonly kind: 'bug'; readonly detail: string };

function bitLength(magnitude: Uint8Array): number {
  return magnitude.length === 0 ? 0 : (magnitude.length - 1) * 8 + (32 - Math.clz32(magnitude[0] as number));
}

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${toHex(bytes)}`);
}

const NODE_CURVE_NAMES: Readonly<Record<string, string>> = { 'P-256': 'prime256v1', secp256k1: 'secp256k1' };

/** Why a returned key is not self-consistent, or undefined when it is. */
function inconsistency(key: KmsPublicKey): string | undefined {
  if (!isKmsPublicKey(key) || !Object.isFrozen(key))
    return 'the key is not a frozen, registered KmsPublicKey';
  const spec = KEY_SPECS.get(key.keySpec);
  if (spec === undefined || spec.family !== key.family)
    return `keySpec ${key.keySpec} does not fit ${key.family}`;
  if (!['spki', 'pkcs1', 'certificate', 'certification-request'].includes(key.container))
    return `unknown container ${key.container}`;
  let again: KmsPublicKey;
  try {
    again = parsePublicKey(key.spki.slice());
  } catch (error) {
    return `its own spki does not parse: ${String(error)}`;
  }
  if (!equalBytes(again.spki, key.spki) || again.keySpec !== key.keySpec || again.container !== 'spki')
    return 're-parsing its own spki gives another key';
  let imported: ReturnType<typeof createPublicKey>;
  try {
    imported = createPublicKey({ key: Buffer.from(key.spki), format: 'der', type: 'spki' });
  } catch (error) {
    return `OpenSSL refuses its spki: ${String(error)}`;
  }
  if (!equalBytes(imported.export({ format: 'der', type: 'spki' }), key.spki))
    return 'OpenSSL re-encodes its spki differently';
  if (key.family === 'RSA' && spec.family === 'RSA') {
    const details = imported.asymmetricKeyDetails;
    if (
      bitLength(key.modulus) !== key.modulusBits ||
      key.modulusBits !== spec.modulusBits ||
      details?.modulusLength !== key.modulusBits ||
      details.publicExponent !== toBigInt(key.publicExponent) ||
      key.modulus[0] === 0 ||
      ((key.modulus[key.modulus.length - 1] as number) & 1) === 0 ||
      (key.pssParameters !== null && !key.pssOnly)
    )
      return 'RSA fields do not match the key spec or OpenSSL';
    if (again.family !== 'RSA' || !equalBytes(again.modulus, key.modulus))
      return 'RSA modulus changes on re-parse';
  } else if (key.family === 'EC' && spec.family === 'EC') {
    const { p, a, b, name } = spec.curve;
    const x = toBigInt(key.point.subarray(1, 33));
    const y = toBigInt(key.point.subarray(33));
    if (key.point.length !== 65 || key.point[0] !== 0x04 || key.curve !== name)
      return 'EC point or curve does not match the key spec';
    if (x >= p || y >= p || (y * y - (x * x * x + a * x + b)) % p !== 0n)
      return 'EC point is not on the curve';
    const nodeCurve = NODE_CURVE_NAMES[name];
    if (nodeCurve !== undefined && imported.asymmetricKeyDetails?.namedCurve !== nodeCurve)
      return `OpenSSL sees curve ${imported.asymmetricKeyDetails?.namedCurve}, not ${nodeCurve}`;
    if (!equalBytes(key.spki.subarray(key.spki.length - 65), key.point))
      return 'spki does not end in the point';
  } else return 'family mismatch';
  return undefined;
}

function outcomeOf(input: string | Uint8Array | ArrayBuffer, expectedSpki: Uint8Array | undefined): Outcome {
  let key: KmsPublicKey;
  try {
    key = parsePublicKey(input);
  } catch (error) {
    if (error instanceof KmsVerifyError) {
      const owner = ALLOWED_CODES.get(error.code);
      if (owner !== undefined && error instanceof owner && error.message !== '')
        return { kind: 'error', code: error.code };
    }
    const detail =
      error instanceof Error
        ? `${error.constructor.name} ${String((error as { code?: unknown }).code)}: ${error.message}`
        : String(error);
    return { kind: 'bug', detail: `threw ${detail}\n${error instanceof Error ? error.stack : ''}` };
  }
  const problem = inconsistency(key);
  if (problem !== undefined) return { kind: 'bug', detail: `returned an inconsistent key: ${problem}` };
  return {
    kind:
      expectedSpki !== undefined && equalBytes(key.spki, expectedSpki) ? 'same key' : 'different valid key',
    key,
  };
}

function describeInput(input: string | Uint8Array | ArrayBuffer): string {
  if (typeof input === 'string') return `string ${JSON.stringify(input)}`;
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  return `${input instanceof Uint8Array ? 'Uint8Array' : 'ArrayBuffer'} hex ${toHex(bytes)}`;
}

class Tally {
  private readonly counts = new Map<string, number>();
  total = 0;

  constructor(readonly title: string) {}

  /** Records the outcome and throws (failing the property, so fast-check shrinks) on a bug. */
  check(input: string | Uint8Array | ArrayBuffer, expectedSpki: Uint8Array | undefined): Outcome {
    const outcome = outcomeOf(input, expectedSpki);
    if (outcome.kind === 'bug') throw new Error(`${outcome.detail}\ninput: ${describeInput(input)}`);
    const label = outcome.kind === 'error' ? outcome.code : outcome.kind;
    this.counts.set(label, (this.counts.get(label) ?? 0) + 1);
    this.total++;
    return outcome;
  }

  /** Counts something noteworthy that is not an outcome of its own. */
  note(label: string): void {
    this.notes.set(label, (this.notes.get(label) ?? 0) + 1);
  }

  private readonly notes = new Map<string, number>();

  get(label: string): number {
    return this.counts.get(label) ?? 0;
  }

  summary(): string {
    const order = ['same key', 'different valid key', ...ALLOWED_CODES.keys()];
    const notes = [...this.notes].map(([label, count]) => `; ${label} ${count}`).join('');
    return `${this.title}: ${this.total} inputs: ${order.map((label) => `${label} ${this.get(label)}`).join(', ')}${notes}`;
  }
}

const BARE_KEY_LABELS = new Set(['PUBLIC KEY', 'RSA PUBLIC KEY']);

/** Every encoding of an EC key the library documents: named curve or SM2 algorithm forms, either point form. */
function documentedEcEncodings(key: EcPublicKey): Uint8Array[] {
  const compressed = concat(Uint8Array.of(2 | ((key.point[64] as number) & 1)), key.point.subarray(1, 33));
  const curveOid = { 'P-256': OIDS.p256, secp256k1: OIDS.k256, SM2: OIDS.sm2 }[key.curve];
  const algorithms = [tlv(0x30, OIDS.ec, curveOid)];
  if (key.curve === 'SM2')
    algorithms.push(tlv(0x30, OIDS.sm2), tlv(0x30, OIDS.sm2, NULL), tlv(0x30, OIDS.sm2, OIDS.sm2));
  return algorithms.flatMap((algorithm) =>
    [key.point, compressed].map((point) => tlv(0x30, algorithm, tlv(0x03, Uint8Array.of(0), point))),
  );
}

/**
 * Checks one mutated DER input, and strictness on top: DER has one encoding per value, so when a bare
 * SPKI or PKCS#1 changed, the same key may only come back through a documented alternative encoding
 * (id-RSASSA-PSS, the SM2 algorithm-OID forms, the other EC point form). Anything else would mean the
 * parser accepted input that is not DER (a non-minimal length, a padded INTEGER, ...).
 */
function checkMutatedDer(
  tally: Tally,
  sample: Sample,
  mutated: Uint8Array,
  presentation: Presentation,
): void {
  const outcome = tally.check(present(mutated, presentation, sample.label), sample.spki);
  if (outcome.kind !== 'same key' || !BARE_KEY_LABELS.has(sample.label) || equalBytes(mutated, sample.der))
    return;
  tally.note('same key from a documented alternative encoding');
  const { key } = outcome;
  const documented =
    key.family === 'RSA'
      ? key.pssOnly && key.container === 'spki'
      : documentedEcEncodings(key).some((encoding) => equalBytes(encoding, mutated));
  if (!documented) {
    throw new Error(
      `${sample.name} changed but gave the same key, so non-DER input was accepted\ninput: ${describeInput(present(mutated, presentation, sample.label))}\nmutated DER hex ${toHex(mutated)}`,
    );
  }
}

const summaries: string[] = [];

afterAll(() => {
  if (summaries.length > 0) console.log(`\nkms-verify property outcomes\n  ${summaries.join('\n  ')}`);
});

function report(tally: Tally, runs: number): void {
  summaries.push(tally.summary());
  // Shrinking after a failure would re-run the property; a green run records each input exactly once.
  expect(tally.total).toBe(runs);
}

/* ------------------------------------------------------------------------------------------------
 * Mutations of DER bytes.
 */

const INTERESTING_TAGS = [
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x17, 0x1f, 0x30, 0x31, 0x80, 0x81, 0x82, 0xa0, 0xa1,
  0xa3, 0xbf, 0xff,
];

type LengthReplacement =
  | { readonly kind: 'indefinite' }
  | { readonly kind: 'huge' }
  | { readonly kind: 'delta'; readonly delta: number }
  | { readonly kind: 'nonMinimal'; readonly extra: number }
  | { readonly kind: 'raw'; readonly bytes: Uint8Array };

const lengthReplacementArb: fc.Arbitrary<LengthReplacement> = fc.oneof(
  fc.constant({ kind: 'indefinite' as const }),
  fc.constant({ kind: 'huge' as const }),
  fc.record({
    kind: fc.constant('delta' as const),
    delta: fc.integer({ min: -3, max: 3 }).filter((d) => d !== 0),
  }),
  fc.record({ kind: fc.constant('nonMinimal' as const), extra: fc.integer({ min: 1, max: 2 }) }),
  fc.record({
    kind: fc.constant('raw' as const),
    bytes: fc.oneof(
      fc.constantFrom(
        Uint8Array.of(0x00),
        Uint8Array.of(0x7f),
        Uint8Array.of(0x81),
        Uint8Array.of(0x82, 0xff),
        Uint8Array.of(0x85, 1, 0, 0, 0, 0),
        Uint8Array.of(0xff),
        Uint8Array.of(0x84, 0x80, 0, 0, 0),
      ),
      fc.uint8Array({ minLength: 1, maxLength: 5 }),
    ),
  }),
);

function replacementLength(replacement: LengthReplacement, length: number): Uint8Array {
  switch (replacement.kind) {
    case 'indefinite':
      return Uint8Array.of(0x80);
    case 'huge':
      return Uint8Array.of(0x84, 0xff, 0xff, 0xff, 0xff);
    case 'delta':
      return derLength(Math.max(0, length + replacement.delta));
    case 'nonMinimal':
      return nonMinimalLength(length, replacement.extra);
    case 'raw':
      return replacement.bytes;
  }
}

type ByteMutation =
  | { readonly kind: 'replaceByte'; readonly at: number; readonly value: number }
  | { readonly kind: 'flipBit'; readonly at: number; readonly bit: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'delete'; readonly at: number; readonly count: number }
  | { readonly kind: 'truncate'; readonly keep: number }
  | { readonly kind: 'duplicate'; readonly from: number; readonly count: number; readonly to: number }
  | { readonly kind: 'length'; readonly header: number; readonly replacement: LengthReplacement }
  | { readonly kind: 'tag'; readonly header: number; readonly tag: number }
  | { readonly kind: 'append'; readonly bytes: Uint8Array }
  | { readonly kind: 'prepend'; readonly bytes: Uint8Array };

const position = fc.nat({ max: 4095 });

const byteMutationArb: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({
    kind: fc.constant('replaceByte' as const),
    at: position,
    value: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({ kind: fc.constant('flipBit' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: position,
    bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: position, count: fc.integer({ min: 1, max: 32 }) }),
  fc.record({ kind: fc.constant('truncate' as const), keep: position }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    from: position,
    count: fc.integer({ min: 1, max: 64 }),
    to: position,
  }),
  // Length-byte and tag changes are the most interesting, so they are drawn more often.
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('length' as const),
      header: fc.nat(),
      replacement: lengthReplacementArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('tag' as const),
      header: fc.nat(),
      tag: fc.oneof(fc.constantFrom(...INTERESTING_TAGS), fc.integer({ min: 0, max: 255 })),
    }),
  },
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({ kind: fc.constant('prepend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);

function applyByteMutation(bytes: Uint8Array, mutation: ByteMutation): Uint8Array {
  const size = bytes.length;
  switch (mutation.kind) {
    case 'replaceByte':
    case 'flipBit': {
      if (size === 0) return bytes;
      const at = mutation.at % size;
      const out = bytes.slice();
      const old = out[at] as number;
      // A replacement always changes the byte.
      out[at] =
        mutation.kind === 'flipBit'
          ? old ^ (1 << mutation.bit)
          : mutation.value === old
            ? old ^ 0xff
            : mutation.value;
      return out;
    }
    case 'insert':
      return splice(bytes, mutation.at % (size + 1), 0, mutation.bytes);
    case 'delete':
      return size === 0 ? bytes : splice(bytes, mutation.at % size, mutation.count);
    case 'truncate':
      return bytes.slice(0, mutation.keep % Math.max(size, 1));
    case 'duplicate': {
      if (size === 0) return bytes;
      const from = mutation.from % size;
      const range = bytes.slice(from, from + mutation.count);
      return splice(bytes, mutation.to % (size + 1), 0, range);
    }
    case 'length':
    case 'tag': {
      const headers = findHeaders(bytes);
      const header = headers[mutation.header % Math.max(headers.length, 1)];
      if (header === undefined)
        return applyByteMutation(bytes, { kind: 'replaceByte', at: mutation.header, value: 0x30 });
      if (mutation.kind === 'tag') {
        const out = bytes.slice();
        out[header.start] = mutation.tag === bytes[header.start] ? mutation.tag ^ 0x20 : mutation.tag;
        return out;
      }
      const length = header.end - header.contentStart;
      const replacement = replacementLength(mutation.replacement, length);
      return splice(bytes, header.lengthStart, header.contentStart - header.lengthStart, replacement);
    }
    case 'append':
      return concat(bytes, mutation.bytes);
    case 'prepend':
      return concat(mutation.bytes, bytes);
  }
}

/** The ways the same bytes can reach parsePublicKey. */
type Presentation = 'Uint8Array' | 'ArrayBuffer' | 'view into a larger buffer' | 'base64' | 'PEM';

const presentationArb = fc.constantFrom<Presentation>(
  'Uint8Array',
  'Uint8Array',
  'ArrayBuffer',
  'view into a larger buffer',
  'base64',
  'PEM',
);

function present(
  bytes: Uint8Array,
  presentation: Presentation,
  label: string,
): string | Uint8Array | ArrayBuffer {
  switch (presentation) {
    case 'Uint8Array':
      return bytes;
    case 'ArrayBuffer':
      return bytes.slice().buffer;
    case 'view into a larger buffer': {
      // Garbage on both sides: a parser that ignores byteOffset or byteLength would read it.
      const backing = new Uint8Array(bytes.length + 16).fill(0xa5);
      backing.set(bytes, 7);
      return backing.subarray(7, 7 + bytes.length);
    }
    case 'base64':
      return Buffer.from(bytes).toString('base64');
    case 'PEM':
      return armour(label, bytes);
  }
}

/* ------------------------------------------------------------------------------------------------
 * Structure-aware mutations: edit the DER tree, re-serialise with consistent lengths elsewhere.
 */

type StructuralMutation =
  | { readonly kind: 'tag'; readonly node: number; readonly tag: number }
  | { readonly kind: 'nonMinimalLength'; readonly node: number; readonly extra: number }
  | { readonly kind: 'indefiniteLength'; readonly node: number }
  | { readonly kind: 'drop'; readonly node: number }
  | { readonly kind: 'duplicate'; readonly node: number }
  | { readonly kind: 'swap'; readonly node: number }
  | { readonly kind: 'replaceContent'; readonly node: number; readonly bytes: Uint8Array }
  | {
      readonly kind: 'insertChild';
      readonly node: number;
      readonly at: number;
      readonly tag: number;
      readonly bytes: Uint8Array;
    }
  | { readonly kind: 'wrap'; readonly node: number; readonly tag: number }
  | { readonly kind: 'unwrap'; readonly node: number }
  | { readonly kind: 'integerPad'; readonly node: number; readonly pad: number };

const nodeIndex = fc.nat();

const structuralMutationArb: fc.Arbitrary<StructuralMutation> = fc.oneof(
  fc.record({
    kind: fc.constant('tag' as const),
    node: nodeIndex,
    tag: fc.oneof(fc.constantFrom(...INTERESTING_TAGS), fc.integer({ min: 0, max: 255 })),
  }),
  fc.record({
    kind: fc.constant('nonMinimalLength' as const),
    node: nodeIndex,
    extra: fc.integer({ min: 1, max: 2 }),
  }),
  fc.record({ kind: fc.constant('indefiniteLength' as const), node: nodeIndex }),
  fc.record({ kind: fc.constant('drop' as const), node: nodeIndex }),
  fc.record({ kind: fc.constant('duplicate' as const), node: nodeIndex }),
  fc.record({ kind: fc.constant('swap' as const), node: nodeIndex }),
  fc.record({
    kind: fc.constant('replaceContent' as const),
    node: nodeIndex,
    bytes: fc.uint8Array({ maxLength: 70 }),
  }),
  fc.record({
    kind: fc.constant('insertChild' as const),
    node: nodeIndex,
    at: fc.nat(),
    tag: fc.constantFrom(...INTERESTING_TAGS),
    bytes: fc.uint8Array({ maxLength: 8 }),
  }),
  fc.record({
    kind: fc.constant('wrap' as const),
    node: nodeIndex,
    tag: fc.constantFrom(0x30, 0x31, 0xa0, 0x04, 0x03),
  }),
  fc.record({ kind: fc.constant('unwrap' as const), node: nodeIndex }),
  fc.record({ kind: fc.constant('integerPad' as const), node: nodeIndex, pad: fc.constantFrom(0x00, 0xff) }),
);

function applyStructuralMutation(root: DerNode, mutation: StructuralMutation): DerNode {
  const all = locateAll(root);
  const { node, siblings } = all[mutation.node % all.length] as Located;
  const index = siblings?.indexOf(node) ?? -1;
  switch (mutation.kind) {
    case 'tag':
      node.tag = mutation.tag === node.tag ? node.tag ^ 0x20 : mutation.tag;
      return root;
    case 'nonMinimalLength':
      node.lengthMode = { kind: 'nonMinimal', extra: mutation.extra };
      return root;
    case 'indefiniteLength':
      node.lengthMode = { kind: 'indefinite' };
      return root;
    case 'replaceContent':
      node.prefix = new Uint8Array(0);
      node.content = mutation.bytes;
      return root;
    case 'insertChild': {
      const child: DerNode = {
        tag: mutation.tag,
        originalLength: undefined,
        originalContentLength: -1,
        lengthMode: undefined,
        prefix: new Uint8Array(0),
        content: mutation.bytes,
      };
      if (Array.isArray(node.content)) node.content.splice(mutation.at % (node.content.length + 1), 0, child);
      else node.content = [child];
      return root;
    }
    case 'integerPad':
      node.content = concat(Uint8Array.of(mutation.pad), serialiseContent(node));
      node.prefix = new Uint8Array(0);
      return root;
    case 'wrap': {
      const wrapper: DerNode = {
        tag: mutation.tag,
        originalLength: undefined,
        originalContentLength: -1,
        lengthMode: undefined,
        prefix: mutation.tag === 0x03 ? Uint8Array.of(0) : new Uint8Array(0),
        content: [node],
      };
      if (siblings === undefined) return wrapper;
      siblings[index] = wrapper;
      return root;
    }
    case 'unwrap':
      if (siblings === undefined || !Array.isArray(node.content)) {
        node.lengthMode = { kind: 'nonMinimal', extra: 1 };
        return root;
      }
      siblings.splice(index, 1, ...node.content);
      return root;
    case 'drop':
    case 'duplicate':
    case 'swap':
      if (siblings === undefined) {
        // The root has no siblings: change its tag instead, so every mutation changes something.
        node.tag ^= 0x01;
        return root;
      }
      if (mutation.kind === 'drop') siblings.splice(index, 1);
      else if (mutation.kind === 'duplicate') siblings.splice(index, 0, cloneNode(node));
      else if (index + 1 < siblings.length) {
        siblings[index] = siblings[index + 1] as DerNode;
        siblings[index + 1] = node;
      } else siblings.splice(index, 1);
      return root;
  }
}

function serialiseContent(node: DerNode): Uint8Array {
  const inner = Array.isArray(node.content) ? concat(...node.content.map(serialise)) : node.content;
  return concat(node.prefix, inner);
}

/* ------------------------------------------------------------------------------------------------
 * Mutations of PEM text.
 */

const KNOWN_LABELS = [
  'PUBLIC KEY',
  'RSA PUBLIC KEY',
  'CERTIFICATE',
  'X509 CERTIFICATE',
  'CERTIFICATE REQUEST',
  'NEW CERTIFICATE REQUEST',
  'PRIVATE KEY',
  'EC PRIVATE KEY',
  'ENCRYPTED PRIVATE KEY',
  'PKCS7',
  '',
  'public key',
  'PUBLIC  KEY',
];

const textPieceArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '-',
    '-----',
    '-----BEGIN ',
    '-----END ',
    '-----BEGIN PUBLIC KEY-----\n',
    '-----END PUBLIC KEY-----\n',
    '-----BEGIN CERTIFICATE-----',
    '=',
    '==',
    '\n',
    '\r\n',
    '\r',
    ' ',
    '\t',
    '\f',
    '\v',
    ':',
    'Proc-Type: 4,ENCRYPTED\n',
    '\\n',
    '\\r\\n',
    '\\/',
    '\\',
    '"',
    'é',
    '\u0000',
    '\u00a0',
    '\u2028',
    '\ufeff',
    '\ud800',
    '😀',
    'A',
    '/',
    '+',
    '_',
  ),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.base64String({ maxLength: 12 }),
);

type TextMutation =
  | { readonly kind: 'replaceChar'; readonly at: number; readonly text: string }
  | { readonly kind: 'insert'; readonly at: number; readonly text: string }
  | { readonly kind: 'delete'; readonly at: number; readonly count: number }
  | { readonly kind: 'truncate'; readonly keep: number }
  | { readonly kind: 'duplicate'; readonly from: number; readonly count: number; readonly to: number }
  | { readonly kind: 'append'; readonly text: string }
  | { readonly kind: 'prepend'; readonly text: string }
  | { readonly kind: 'flipCase'; readonly at: number }
  | { readonly kind: 'crlf' }
  | { readonly kind: 'jsonEscaped'; readonly quoted: boolean }
  | { readonly kind: 'rewrap'; readonly width: number }
  | { readonly kind: 'label'; readonly which: 'BEGIN' | 'END' | 'both'; readonly label: string }
  | { readonly kind: 'der'; readonly mutation: ByteMutation };

const textPosition = fc.nat({ max: 8191 });

const textMutationArb: fc.Arbitrary<TextMutation> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('replaceChar' as const), at: textPosition, text: textPieceArb }),
  },
  fc.record({ kind: fc.constant('insert' as const), at: textPosition, text: textPieceArb }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: textPosition,
    count: fc.integer({ min: 1, max: 40 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), keep: textPosition }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    from: textPosition,
    count: fc.integer({ min: 1, max: 80 }),
    to: textPosition,
  }),
  fc.record({ kind: fc.constant('append' as const), text: textPieceArb }),
  fc.record({ kind: fc.constant('prepend' as const), text: textPieceArb }),
  fc.record({ kind: fc.constant('flipCase' as const), at: textPosition }),
  fc.constant({ kind: 'crlf' as const }),
  fc.record({ kind: fc.constant('jsonEscaped' as const), quoted: fc.boolean() }),
  fc.record({ kind: fc.constant('rewrap' as const), width: fc.integer({ min: 1, max: 200 }) }),
  fc.record({
    kind: fc.constant('label' as const),
    which: fc.constantFrom('BEGIN' as const, 'END' as const, 'both' as const),
    label: fc.oneof(fc.constantFrom(...KNOWN_LABELS), fc.string({ maxLength: 70 })),
  }),
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('der' as const), mutation: byteMutationArb }) },
);

function applyTextMutation(text: string, mutation: TextMutation): string {
  const size = text.length;
  const cut = (at: number, remove: number, insert = '') =>
    text.slice(0, at) + insert + text.slice(at + remove);
  switch (mutation.kind) {
    case 'replaceChar':
      return size === 0 ? mutation.text : cut(mutation.at % size, 1, mutation.text);
    case 'insert':
      return cut(mutation.at % (size + 1), 0, mutation.text);
    case 'delete':
      return size === 0 ? text : cut(mutation.at % size, mutation.count);
    case 'truncate':
      return text.slice(0, mutation.keep % Math.max(size, 1));
    case 'duplicate': {
      if (size === 0) return text;
      const from = mutation.from % size;
      return cut(mutation.to % (size + 1), 0, text.slice(from, from + mutation.count));
    }
    case 'append':
      return text + mutation.text;
    case 'prepend':
      return mutation.text + text;
    case 'flipCase': {
      if (size === 0) return text;
      const at = mutation.at % size;
      const char = text[at] as string;
      const flipped = char === char.toUpperCase() ? char.toLowerCase() : char.toUpperCase();
      return cut(at, 1, flipped === char ? '' : flipped);
    }
    case 'crlf':
      return text.replace(/\n/g, '\r\n');
    case 'jsonEscaped': {
      const escaped = text.replace(/\n/g, '\\n').replace(/\//g, '\\/');
      return mutation.quoted ? `"${escaped}"` : escaped;
    }
    case 'rewrap': {
      const match = /^(-----BEGIN [^\n]*-----)\n([\s\S]*?)\n(-----END [^\n]*-----)/.exec(text);
      if (match === null) return `${text}\n`;
      const body = (match[2] as string).replace(/\s/g, '');
      const lines: string[] = [];
      for (let index = 0; index < body.length; index += mutation.width)
        lines.push(body.slice(index, index + mutation.width));
      return `${match[1]}\n${lines.join('\n')}\n${match[3]}${text.slice(match[0].length)}`;
    }
    case 'label': {
      let out = text;
      if (mutation.which !== 'END')
        out = out.replace(/-----BEGIN [^\n]*?-----/, () => `-----BEGIN ${mutation.label}-----`);
      if (mutation.which !== 'BEGIN')
        out = out.replace(/-----END [^\n]*?-----/, () => `-----END ${mutation.label}-----`);
      return out === text ? `${text}-----END ${mutation.label}-----` : out;
    }
    case 'der': {
      const match = /^-----BEGIN ([^\n]*)-----\n([A-Za-z0-9+/=\n]*?)\n-----END \1-----\n?$/.exec(text);
      if (match === null) return `${text} `;
      const der = new Uint8Array(Buffer.from(match[2] as string, 'base64'));
      return armour(match[1] as string, applyByteMutation(der, mutation.mutation));
    }
  }
}

/* ------------------------------------------------------------------------------------------------
 * Generators of structured random keys (many of them valid), for the random-input properties.
 */

function oidBytes(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(BigInt);
  const [top, second, ...rest] = arcs as [bigint, bigint, ...bigint[]];
  const out: number[] = [];
  for (const arc of [top * 40n + second, ...rest]) {
    const groups = [Number(arc & 0x7fn)];
    for (let value = arc >> 7n; value > 0n; value >>= 7n) groups.unshift(Number(value & 0x7fn) | 0x80);
    out.push(...groups);
  }
  return tlv(0x06, Uint8Array.from(out));
}

const OIDS = {
  rsa: oidBytes('1.2.840.113549.1.1.1'),
  pss: oidBytes('1.2.840.113549.1.1.10'),
  ec: oidBytes('1.2.840.10045.2.1'),
  sm2: oidBytes('1.2.156.10197.1.301'),
  p256: oidBytes('1.2.840.10045.3.1.7'),
  k256: oidBytes('1.3.132.0.10'),
  p384: oidBytes('1.3.132.0.34'),
  ed25519: oidBytes('1.3.101.112'),
  sha256: oidBytes('2.16.840.1.101.3.4.2.1'),
  mgf1: oidBytes('1.2.840.113549.1.1.8'),
};
const NULL = Uint8Array.of(0x05, 0x00);

function positiveInteger(magnitude: Uint8Array): Uint8Array {
  let first = 0;
  while (first < magnitude.length - 1 && magnitude[first] === 0) first++;
  const trimmed = magnitude.subarray(first);
  return tlv(0x02, ((trimmed[0] ?? 0) & 0x80) !== 0 ? concat(Uint8Array.of(0), trimmed) : trimmed);
}

/** An RSA modulus of exactly `bits` bits (top bit set), usually odd. */
const modulusArb = fc
  .tuple(fc.constantFrom(2048, 3072, 2047, 1024, 4096), fc.boolean(), fc.boolean())
  .chain(([bits, odd, fullSize]) =>
    fc.uint8Array({ minLength: Math.ceil(bits / 8), maxLength: Math.ceil(bits / 8) }).map((bytes) => {
      const out = bytes.slice();
      if (fullSize) out[0] = ((out[0] as number) | 0x80) >> (8 * out.length - bits);
      if (odd) out[out.length - 1] = (out[out.length - 1] as number) | 1;
      return out;
    }),
  );

const exponentArb = fc.oneof(
  fc.constantFrom(
    Uint8Array.of(1, 0, 1),
    Uint8Array.of(3),
    Uint8Array.of(1),
    Uint8Array.of(2),
    Uint8Array.of(0),
  ),
  fc.uint8Array({ minLength: 1, maxLength: 6 }),
);

const rsaKeyBitsArb = fc
  .tuple(modulusArb, exponentArb)
  .map(([modulus, exponent]) => tlv(0x30, positiveInteger(modulus), positiveInteger(exponent)));

const ecPointArb = fc.oneof(
  fc.uint8Array({ minLength: 64, maxLength: 64 }).map((xy) => concat(Uint8Array.of(4), xy)),
  fc
    .tuple(fc.constantFrom(2, 3), fc.uint8Array({ minLength: 32, maxLength: 32 }))
    .map(([prefix, x]) => concat(Uint8Array.of(prefix), x)),
  // Real points of the vectors, so valid EC keys are generated too.
  fc.constantFrom(
    ...SPECS.filter((s) => s.startsWith('EC')).map((s) => readKeyVector(`${s}/public.der`).slice(-65)),
  ),
  fc.uint8Array({ maxLength: 70 }),
);

const pssParamsArb = fc.oneof(
  fc.constant(new Uint8Array(0)),
  fc.constant(
    tlv(
      0x30,
      tlv(0xa0, tlv(0x30, OIDS.sha256, NULL)),
      tlv(0xa1, tlv(0x30, OIDS.mgf1, tlv(0x30, OIDS.sha256, NULL))),
      tlv(0xa2, tlv(0x02, Uint8Array.of(0x20))),
    ),
  ),
  fc.uint8Array({ maxLength: 12 }).map((bytes) => tlv(0x30, tlv(0xa2, tlv(0x02, bytes)))),
);

const algorithmArb: fc.Arbitrary<{ algorithm: Uint8Array; family: 'RSA' | 'EC' }> = fc.oneof(
  fc.constantFrom(NULL, new Uint8Array(0), OIDS.p256).map((params) => ({
    algorithm: tlv(0x30, OIDS.rsa, params),
    family: 'RSA' as const,
  })),
  pssParamsArb.map((params) => ({ algorithm: tlv(0x30, OIDS.pss, params), family: 'RSA' as const })),
  fc.constantFrom(OIDS.p256, OIDS.k256, OIDS.sm2, OIDS.p384, NULL, new Uint8Array(0)).map((curve) => ({
    algorithm: tlv(0x30, OIDS.ec, curve),
    family: 'EC' as const,
  })),
  fc.constantFrom(new Uint8Array(0), NULL, OIDS.sm2, OIDS.p256).map((params) => ({
    algorithm: tlv(0x30, OIDS.sm2, params),
    family: 'EC' as const,
  })),
  fc.constant({ algorithm: tlv(0x30, OIDS.ed25519), family: 'EC' as const }),
);

/** SubjectPublicKeyInfo-shaped DER with random algorithms, parameters and key bits. */
const spkiLikeArb = fc
  .tuple(algorithmArb, rsaKeyBitsArb, ecPointArb, fc.constantFrom(0, 0, 0, 1))
  .map(([{ algorithm, family }, rsaBits, point, unused]) =>
    tlv(0x30, algorithm, tlv(0x03, Uint8Array.of(unused), family === 'RSA' ? rsaBits : point)),
  );

/** The same keys as PKCS#1, or wrapped in a certificate- or CSR-shaped envelope. */
const structuredDerArb = fc.oneof(
  spkiLikeArb,
  rsaKeyBitsArb,
  spkiLikeArb.map((spki) =>
    tlv(
      0x30,
      tlv(
        0x30,
        tlv(0xa0, tlv(0x02, Uint8Array.of(2))),
        tlv(0x02, Uint8Array.of(1)),
        tlv(0x30, OIDS.sha256),
        tlv(0x30),
        tlv(0x30),
        tlv(0x30),
        spki,
      ),
      tlv(0x30, OIDS.sha256),
      tlv(0x03, Uint8Array.of(0, 1, 2)),
    ),
  ),
  spkiLikeArb.map((spki) =>
    tlv(
      0x30,
      tlv(0x30, tlv(0x02, Uint8Array.of(0)), tlv(0x30), spki, tlv(0xa0)),
      tlv(0x30, OIDS.sha256),
      tlv(0x03, Uint8Array.of(0)),
    ),
  ),
);

/* ------------------------------------------------------------------------------------------------
 * The tests.
 */

describe('the vectors and the test machinery', () => {
  it('every sample parses to its canonical SPKI, and the DER tree re-serialises byte-exactly', () => {
    expect(SAMPLES.length).toBe(22);
    for (const sample of SAMPLES) {
      expect(equalBytes(parsePublicKey(sample.pem).spki, sample.spki), sample.name).toBe(true);
      expect(equalBytes(parsePublicKey(sample.der).spki, sample.spki), sample.name).toBe(true);
      expect(inconsistency(parsePublicKey(sample.der)), sample.name).toBeUndefined();
      expect(equalBytes(serialise(TREES.get(sample) as DerNode), sample.der), sample.name).toBe(true);
      expect(findHeaders(sample.der).length).toBeGreaterThanOrEqual(3);
      const key = parsePublicKey(sample.der);
      if (key.family === 'EC' && BARE_KEY_LABELS.has(sample.label)) {
        expect(documentedEcEncodings(key).some((encoding) => equalBytes(encoding, sample.der))).toBe(true);
      }
    }
  });

  it('the oracle is not vacuous: other exceptions and look-alike keys are bugs', () => {
    expect(outcomeOf(null as never, undefined).kind).toBe('bug');
    const key = parsePublicKey(SAMPLES[0]?.der as Uint8Array);
    expect(inconsistency({ ...key })).toBeDefined();
    expect(inconsistency(Object.freeze({ ...key }))).toBeDefined();
  });
});

describe('parsePublicKey under random mutation of valid keys (20,000 mutations per run)', () => {
  const sampleArb = fc.constantFrom(...SAMPLES);

  it(`${RAW_DER_MUTATION_RUNS} mutations of DER bytes (flips, insertions, deletions, truncations, duplications, length bytes, tags, garbage): same key, valid key or typed error`, () => {
    const tally = new Tally(`${RAW_DER_MUTATION_RUNS} DER byte mutations`);
    fc.assert(
      fc.property(
        sampleArb,
        fc.array(byteMutationArb, { minLength: 1, maxLength: 3 }),
        presentationArb,
        (sample, mutations, presentation) => {
          checkMutatedDer(tally, sample, mutations.reduce(applyByteMutation, sample.der), presentation);
        },
      ),
      { numRuns: RAW_DER_MUTATION_RUNS },
    );
    report(tally, RAW_DER_MUTATION_RUNS);
    // Length bytes and key bytes are where "different valid key" and each error come from; all occur.
    expect(tally.get('same key')).toBeGreaterThan(0);
    expect(tally.get(KeyFormatError.code)).toBeGreaterThan(RAW_DER_MUTATION_RUNS / 4);
  });

  it(`${STRUCTURAL_DER_MUTATION_RUNS} structure-aware DER mutations with consistent outer lengths: same key, valid key or typed error`, () => {
    const tally = new Tally(`${STRUCTURAL_DER_MUTATION_RUNS} structural DER mutations`);
    fc.assert(
      fc.property(
        sampleArb,
        fc.array(structuralMutationArb, { minLength: 1, maxLength: 2 }),
        presentationArb,
        (sample, mutations, presentation) => {
          const tree = mutations.reduce(applyStructuralMutation, cloneNode(TREES.get(sample) as DerNode));
          checkMutatedDer(tally, sample, serialise(tree), presentation);
        },
      ),
      { numRuns: STRUCTURAL_DER_MUTATION_RUNS },
    );
    report(tally, STRUCTURAL_DER_MUTATION_RUNS);
    expect(tally.get('same key')).toBeGreaterThan(0);
    expect(tally.get(KeyFormatError.code)).toBeGreaterThan(0);
  });

  it(`${PEM_TEXT_MUTATION_RUNS} mutations of PEM text (characters, armour, labels, line ends, escapes, DER inside): same key, valid key or typed error`, () => {
    const tally = new Tally(`${PEM_TEXT_MUTATION_RUNS} PEM text mutations`);
    fc.assert(
      fc.property(
        sampleArb,
        fc.array(textMutationArb, { minLength: 1, maxLength: 3 }),
        fc.constantFrom('string', 'string', 'bytes'),
        (sample, mutations, form) => {
          const text = mutations.reduce(applyTextMutation, sample.pem);
          tally.check(form === 'string' ? text : new TextEncoder().encode(text), sample.spki);
        },
      ),
      { numRuns: PEM_TEXT_MUTATION_RUNS },
    );
    report(tally, PEM_TEXT_MUTATION_RUNS);
    expect(tally.get('same key')).toBeGreaterThan(0);
  });

  it('text outside the PEM armour, line ends, JSON escapes and re-wrapping never change the key (1,000 runs)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SAMPLES),
        fc.string({ maxLength: 40 }).filter((s) => !s.includes('-----') && !s.includes('\\')),
        fc.string({ maxLength: 40 }).filter((s) => !s.includes('-----') && !s.includes('\\')),
        fc.integer({ min: 1, max: 120 }),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        (sample, before, after, width, newline, json) => {
          const { label, der } = pemLabelAndDer(sample.pem);
          let text = `${before}\n${armour(label, der, width)}${after}`.replace(/\n/g, newline);
          if (json) text = JSON.stringify(text).slice(1, -1);
          expect(equalBytes(parsePublicKey(text).spki, sample.spki)).toBe(true);
        },
      ),
      { numRuns: 1_000 },
    );
  });
});

describe('parsePublicKey on random input (10,000 inputs per run): typed error or valid key, never anything else', () => {
  const labelArb = fc.oneof(fc.constantFrom(...KNOWN_LABELS), fc.string({ maxLength: 70 }));
  const cases: readonly [string, fc.Arbitrary<string | Uint8Array | ArrayBuffer>][] = [
    ['fc.string', fc.string({ maxLength: 600 })],
    ['full-Unicode strings (unit binary)', fc.string({ unit: 'binary', maxLength: 600 })],
    ['grapheme strings', fc.string({ unit: 'grapheme', maxLength: 300 })],
    ['byte arrays up to 4 KiB', fc.uint8Array({ maxLength: 4096 })],
    [
      'byte arrays starting with a SEQUENCE tag',
      fc.uint8Array({ maxLength: 4096 }).map((bytes) => concat(Uint8Array.of(0x30), bytes)),
    ],
    ['base64 strings', fc.base64String({ maxLength: 4096 })],
    [
      'base64 of random bytes',
      fc.uint8Array({ maxLength: 3000 }).map((bytes) => Buffer.from(bytes).toString('base64')),
    ],
    [
      'PEM-like texts with random labels and bodies',
      fc
        .tuple(
          labelArb,
          fc.oneof(labelArb, fc.constant(undefined)),
          fc.oneof(
            fc.base64String({ maxLength: 2000 }),
            fc.uint8Array({ maxLength: 1500 }).map((bytes) => Buffer.from(bytes).toString('base64')),
            structuredDerArb.map((der) => Buffer.from(der).toString('base64')),
            fc.string({ maxLength: 200 }),
          ),
          fc.string({ maxLength: 20 }),
        )
        .map(([label, endLabel, body, around]) => {
          const wrapped = body.replace(/(.{64})/g, '$1\n');
          return `${around}-----BEGIN ${label}-----\n${wrapped}\n-----END ${endLabel ?? label}-----\n${around}`;
        }),
    ],
    [
      'structured SPKI, PKCS#1, certificate and CSR shapes with random algorithms and key bits (DER)',
      structuredDerArb,
    ],
    [
      'structured shapes as PEM and base64',
      fc
        .tuple(structuredDerArb, fc.constantFrom(...KNOWN_LABELS.slice(0, 6)), fc.boolean())
        .map(([der, label, pem]) => (pem ? armour(label, der) : Buffer.from(der).toString('base64'))),
    ],
  ];

  for (const [name, arbitrary] of cases) {
    it(`${RANDOM_INPUT_RUNS} ${name}`, () => {
      const tally = new Tally(`${RANDOM_INPUT_RUNS} random ${name}`);
      fc.assert(
        fc.property(arbitrary, (input) => {
          tally.check(input, undefined);
        }),
        { numRuns: RANDOM_INPUT_RUNS },
      );
      report(tally, RANDOM_INPUT_RUNS);
    });
  }
});

describe('base64ToBytes and bytesToBase64 against Node Buffer', () => {
  const BASE64_WHITESPACE = /[ \t\r\n\f\v]/g;

  it('2,000 byte arrays round-trip and encode exactly as Buffer does, with or without whitespace', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(' ', '\t', '\r', '\n', '\f', '\v', '\r\n'))),
        (bytes, spaces) => {
          const encoded = bytesToBase64(bytes);
          expect(encoded).toBe(Buffer.from(bytes).toString('base64'));
          expect(base64ToBytes(encoded)).toEqual(bytes);
          let spaced = encoded;
          for (const [at, space] of spaces) {
            const index = at % (spaced.length + 1);
            spaced = spaced.slice(0, index) + space + spaced.slice(index);
          }
          expect(base64ToBytes(spaced)).toEqual(new Uint8Array(Buffer.from(spaced, 'base64')));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  // Our decoder is strict and Buffer's lenient, so where ours accepts, both must agree; and ours must
  // accept exactly the canonical encodings (what Buffer re-encodes to the same text), apart from
  // whitespace.
  const stringCases: readonly [string, fc.Arbitrary<string>][] = [
    ['fc.string', fc.string({ maxLength: 80 })],
    ['full-Unicode strings', fc.string({ unit: 'binary', maxLength: 80 })],
    ['fc.base64String (not always canonical)', fc.base64String({ maxLength: 80 })],
    [
      'strings over the base64 alphabet, padding, whitespace and a few strangers',
      fc.string({
        unit: fc.constantFrom(
          ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split(''),
          '=',
          '=',
          ' ',
          '\n',
          '\r',
          '\t',
          '\f',
          '\v',
          '-',
          '_',
          '.',
          '\u00a0',
          '\u0000',
          'é',
        ),
        maxLength: 40,
      }),
    ],
    [
      'canonical base64 with one character replaced',
      fc
        .tuple(
          fc.uint8Array({ minLength: 1, maxLength: 40 }),
          fc.nat(),
          fc.constantFrom(...'AQgw=+/_- \n'.split('')),
        )
        .map(([bytes, at, char]) => {
          const text = Buffer.from(bytes).toString('base64');
          const index = at % text.length;
          return text.slice(0, index) + char + text.slice(index + 1);
        }),
    ],
  ];

  for (const [name, arbitrary] of stringCases) {
    it(`2,000 ${name}: Base64SyntaxError, or Buffer's decoding; accepted exactly when canonical`, () => {
      let accepted = 0;
      fc.assert(
        fc.property(arbitrary, (text) => {
          let ours: Uint8Array | undefined;
          try {
            ours = base64ToBytes(text);
          } catch (error) {
            expect(error).toBeInstanceOf(Base64SyntaxError);
            expect((error as Error).message).not.toBe('');
          }
          const stripped = text.replace(BASE64_WHITESPACE, '');
          const canonical = Buffer.from(stripped, 'base64').toString('base64') === stripped;
          expect(ours !== undefined).toBe(canonical);
          if (ours !== undefined) {
            accepted++;
            expect(ours).toEqual(new Uint8Array(Buffer.from(text, 'base64')));
          }
        }),
        { numRuns: 2_000 },
      );
      summaries.push(`base64 ${name}: 2000 strings, ${accepted} accepted`);
    });
  }
});

describe('hostile inputs fail with a typed error (times are printed, not asserted)', () => {
  const MiB = 1024 * 1024;
  const NEAR_LIMIT = MAX_KEY_INPUT_LENGTH - 64;
  const timings: string[] = [];

  afterAll(() => {
    console.log(
      `\nkms-verify hostile inputs (MAX_KEY_INPUT_LENGTH ${MAX_KEY_INPUT_LENGTH})\n  ${timings.join('\n  ')}`,
    );
  });

  function randomBytes(size: number, seed: number): Uint8Array {
    // xorshift32: deterministic, fast, no dependency on Math.random.
    const out = new Uint8Array(size);
    let state = seed >>> 0 || 1;
    for (let index = 0; index < size; index++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      out[index] = state & 0xff;
    }
    return out;
  }

  function repeatText(unit: string, size: number): string {
    return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
  }

  /** `levels` nested SEQUENCE headers, each with the exact length of what it encloses. */
  function nestedSequences(levels: number, longForm: boolean): Uint8Array {
    const headers: Uint8Array[] = [];
    let inner = 0;
    for (let level = 0; level < levels; level++) {
      const header =
        longForm && inner <= 0xffff
          ? Uint8Array.of(0x30, 0x82, inner >> 8, inner & 0xff)
          : concat(Uint8Array.of(0x30), derLength(inner));
      headers.push(header);
      inner += header.length;
    }
    return concatAll(headers.reverse());
  }

  /** SubjectPublicKeyInfo whose algorithm OID is one sub-identifier `size` bytes long. */
  function hugeOidSpki(size: number): Uint8Array {
    const arc = new Uint8Array(size).fill(0xff);
    arc[size - 1] = 0x7f;
    return tlv(0x30, tlv(0x30, tlv(0x06, arc)), tlv(0x03, Uint8Array.of(0, 0)));
  }

  const shapes: readonly [string, () => string | Uint8Array | ArrayBuffer][] = [
    ['1 MiB random bytes', () => randomBytes(MiB, 1)],
    ['1 MiB random bytes starting 0x30', () => concat(Uint8Array.of(0x30), randomBytes(MiB - 1, 2))],
    ["1 MiB of 'A' (string)", () => 'A'.repeat(MiB)],
    ["1 MiB of 'A' (bytes)", () => new Uint8Array(MiB).fill(0x41)],
    ["1 MiB of '-----BEGIN X-----\\n'", () => repeatText('-----BEGIN X-----\n', MiB)],
    [
      'DER length 2^32-1 then 16 bytes',
      () => concat(Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff), randomBytes(16, 3)),
    ],
    [
      'DER length 2^32-1 then 1 MiB',
      () => concat(Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff), randomBytes(MiB, 4)),
    ],
    [
      'DER length 2^32-1 as base64',
      () => Buffer.from(Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x30, 0x00)).toString('base64'),
    ],
    ['10,000 nested SEQUENCE headers 30 82', () => nestedSequences(10_000, true)],
    [
      '10,000 nested SEQUENCE headers 30 82 as PEM',
      () => armour('PUBLIC KEY', nestedSequences(10_000, true)),
    ],
    [
      '10,000 nested SEQUENCE headers 30 82, unterminated',
      () => nestedSequences(10_000, true).subarray(0, 40_000 - 2),
    ],
    ['1 MiB of nested SEQUENCE headers', () => nestedSequences(MiB / 5, false)],
    // Just under MAX_KEY_INPUT_LENGTH: the parser really processes these.
    [`${NEAR_LIMIT} random bytes`, () => randomBytes(NEAR_LIMIT, 5)],
    [
      `${NEAR_LIMIT} random bytes starting 0x30`,
      () => concat(Uint8Array.of(0x30), randomBytes(NEAR_LIMIT - 1, 6)),
    ],
    [
      `${NEAR_LIMIT} random ASCII bytes`,
      () => randomBytes(NEAR_LIMIT, 7).map((byte) => 0x20 + (byte % 0x5f)),
    ],
    [`${NEAR_LIMIT} of 'A' (string, decodes to zeros)`, () => 'A'.repeat(NEAR_LIMIT)],
    [`${NEAR_LIMIT} of 'A' (bytes)`, () => new Uint8Array(NEAR_LIMIT).fill(0x41)],
    [`${NEAR_LIMIT} of '-----BEGIN X-----\\n'`, () => repeatText('-----BEGIN X-----\n', NEAR_LIMIT)],
    [`${NEAR_LIMIT} of '-----END X-----\\n'`, () => repeatText('-----END X-----\n', NEAR_LIMIT)],
    [
      `${NEAR_LIMIT} of '-----BEGIN X-----\\n-----END X-----\\n' (many blocks)`,
      () => repeatText('-----BEGIN X-----\n-----END X-----\n', NEAR_LIMIT),
    ],
    [`${NEAR_LIMIT} of '-----BEGIN ' (no closing dashes)`, () => repeatText('-----BEGIN ', NEAR_LIMIT)],
    [`${NEAR_LIMIT} of '-' (string)`, () => '-'.repeat(NEAR_LIMIT)],
    [`${NEAR_LIMIT} of '\\\\n' escapes`, () => repeatText('\\n', NEAR_LIMIT)],
    [`${NEAR_LIMIT} of whitespace`, () => repeatText(' \r\n\t', NEAR_LIMIT)],
    [`${NEAR_LIMIT} of '"' quotes`, () => '"'.repeat(NEAR_LIMIT)],
    [
      `PEM PUBLIC KEY with a ${NEAR_LIMIT - 60}-character body of 'A'`,
      () => `-----BEGIN PUBLIC KEY-----\n${'A'.repeat(NEAR_LIMIT - 60)}\n-----END PUBLIC KEY-----\n`,
    ],
    [
      `DER length 2^32-1 then ${NEAR_LIMIT} bytes`,
      () => concat(Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff), randomBytes(NEAR_LIMIT - 6, 8)),
    ],
    [
      `${Math.floor(NEAR_LIMIT / 5)} nested SEQUENCE headers`,
      () => nestedSequences(Math.floor(NEAR_LIMIT / 5), false),
    ],
    [
      `${Math.floor(NEAR_LIMIT / 5)} nested SEQUENCE headers as base64`,
      () => Buffer.from(nestedSequences(Math.floor((NEAR_LIMIT / 5) * 0.74), false)).toString('base64'),
    ],
    [
      `PKCS#1 with a ${NEAR_LIMIT - 20}-byte odd modulus`,
      () =>
        tlv(
          0x30,
          positiveInteger(randomBytes(NEAR_LIMIT - 20, 9).map((b, i, a) => (i === a.length - 1 ? b | 1 : b))),
          tlv(0x02, Uint8Array.of(1, 0, 1)),
        ),
    ],
    [
      `SPKI whose BIT STRING holds ${NEAR_LIMIT - 40} bytes of EC point`,
      () =>
        tlv(
          0x30,
          tlv(0x30, OIDS.ec, OIDS.p256),
          tlv(0x03, Uint8Array.of(0, 4), randomBytes(NEAR_LIMIT - 40, 10)),
        ),
    ],
    // OIDs are bounded (20-byte sub-identifiers, 64-byte OIDs) so decoding them stays linear; before
    // the bound, BigInt accumulation made a 262,100-byte sub-identifier take about 36 s.
    ['SPKI with a 16 KiB OID sub-identifier', () => hugeOidSpki(16 * 1024)],
    ['SPKI with a 64 KiB OID sub-identifier', () => hugeOidSpki(64 * 1024)],
    [
      `SPKI with an OID of ${NEAR_LIMIT - 20} one-byte arcs`,
      () =>
        tlv(
          0x30,
          tlv(0x30, tlv(0x06, new Uint8Array(NEAR_LIMIT - 20).fill(0x01))),
          tlv(0x03, Uint8Array.of(0)),
        ),
    ],
  ];

  function runHostile(name: string, make: () => string | Uint8Array | ArrayBuffer): void {
    const input = make();
    const size = typeof input === 'string' ? input.length : input.byteLength;
    const started = performance.now();
    const outcome = outcomeOf(input, undefined);
    const elapsed = performance.now() - started;
    timings.push(
      `${name} (${size} ${typeof input === 'string' ? 'chars' : 'bytes'}): ${elapsed.toFixed(1)} ms, ${outcome.kind === 'error' ? outcome.code : outcome.kind}`,
    );
    expect(outcome.kind === 'bug' ? outcome.detail : outcome.kind).toBe('error');
  }

  for (const [name, make] of shapes) it(name, () => runHostile(name, make));

  // Regression: this input took about 36 s, and its message quoted a 550,000-digit arc, before OIDs
  // were bounded.
  it(`SPKI with a ${MAX_KEY_INPUT_LENGTH - 44}-byte OID sub-identifier (just under the limit)`, () =>
    runHostile('SPKI with an OID sub-identifier just under the limit', () =>
      hugeOidSpki(MAX_KEY_INPUT_LENGTH - 44),
    ));
});

it('an OID error message stays short however long the OID is', () => {
  const input = new Uint8Array([
    0x30, 0x83, 0x03, 0xff, 0xe2, 0x30, 0x83, 0x03, 0xff, 0xd9, 0x06, 0x83, 0x03, 0xff, 0xd4,
  ]);
  const oid = new Uint8Array(262_099).fill(0xff);
  const spki = new Uint8Array([...input, ...oid, 0x7f, 0x03, 0x02, 0x00, 0x01]);
  let message = '';
  try {
    parsePublicKey(spki);
  } catch (error) {
    message = (error as Error).message;
    expect(error).toBeInstanceOf(KmsVerifyError);
  }
  expect(message).toContain('OBJECT IDENTIFIER of');
  expect(message.length).toBeLessThan(200);
});
