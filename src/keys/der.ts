/**
 * A strict DER reader and a minimal DER writer (ITU-T X.690 §8 basic encoding, §10 DER restrictions).
 *
 * Only what public-key structures need: single-byte tags, definite lengths, INTEGER, OBJECT
 * IDENTIFIER, BIT STRING, NULL, SEQUENCE and context-specific tags. The reader enforces DER, not BER:
 * minimal definite lengths (§10.1), minimal two's-complement INTEGERs (§8.3.2), minimal OID
 * sub-identifiers (§8.19.2), no trailing bytes at any level. Every length is checked against the
 * bytes that are really there before anything is read, so a hostile length field can never cause a
 * large allocation or a read past the input, and the reader never recurses beyond the fixed depth of
 * the schema that drives it.
 *
 * Errors are KeyFormatError with the path of the field that was being read and its byte offset.
 */

import { KeyFormatError } from '../errors.js';

export const TAG = Object.freeze({
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OBJECT_IDENTIFIER: 0x06,
  SEQUENCE: 0x30,
  SET: 0x31,
});

/**
 * The longest OID sub-identifier accepted: 20 base-128 bytes hold 140 bits, enough for the 128-bit
 * UUID arcs under 2.25. The bound keeps OID decoding linear: BigInt accumulation over an unbounded
 * sub-identifier is quadratic in its length.
 */
const MAX_ARC_BYTES = 20;

/**
 * The longest OID accepted. The OIDs in key structures are at most 10 bytes; the bound keeps OIDs
 * quoted in error messages short.
 */
const MAX_OID_BYTES = 64;

/** The tag byte of a context-specific constructed element `[number]` (EXPLICIT tagging). */
export function contextTag(number: number): number {
  return 0xa0 | number;
}

/** The bytes of one element: its tag, where its content lies, and where it ends. */
export interface DerElement {
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

const TAG_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [TAG.INTEGER]: 'INTEGER',
  [TAG.BIT_STRING]: 'BIT STRING',
  [TAG.OCTET_STRING]: 'OCTET STRING',
  [TAG.NULL]: 'NULL',
  [TAG.OBJECT_IDENTIFIER]: 'OBJECT IDENTIFIER',
  [TAG.SEQUENCE]: 'SEQUENCE',
  [TAG.SET]: 'SET',
});

export function describeTag(tag: number): string {
  const name = Object.hasOwn(TAG_NAMES, tag) ? TAG_NAMES[tag] : undefined;
  if (name !== undefined) return name;
  if ((tag & 0xc0) === 0x80) return `[${tag & 0x1f}]${tag & 0x20 ? '' : ' primitive'}`;
  return `tag 0x${tag.toString(16).padStart(2, '0')}`;
}

/**
 * Reads the elements inside one constructed element (or a whole input) in order. `path` names the
 * structure being read, for error messages (`SubjectPublicKeyInfo.algorithm`).
 */
export class DerReader {
  private position: number;

  private constructor(
    private readonly bytes: Uint8Array,
    readonly path: string,
    start: number,
    private readonly end: number,
  ) {
    this.position = start;
  }

  /** A reader over a whole input that must hold exactly one element of `tag`; returns its content. */
  static single(bytes: Uint8Array, tag: number, name: string): DerReader {
    if (bytes.length === 0) throw new KeyFormatError(`${name}: empty input`);
    const outer = new DerReader(bytes, name, 0, bytes.length);
    const element = outer.expect(tag, '');
    outer.finish();
    return outer.contentReader(element, name);
  }

  /** The tag of the next element, or undefined at the end of this level. */
  peekTag(): number | undefined {
    return this.position < this.end ? this.bytes[this.position] : undefined;
  }

  hasMore(): boolean {
    return this.position < this.end;
  }

  fail(field: string, problem: string, offset = this.position): never {
    throw new KeyFormatError(`${this.fieldPath(field)}: ${problem} (at byte ${offset})`);
  }

  /** Reads the next element, whatever its tag, checking only its framing. */
  next(field: string): DerElement {
    const start = this.position;
    if (start >= this.end) this.fail(field, 'missing: the structure ends here');
    const tag = this.bytes[start] as number;
    if ((tag & 0x1f) === 0x1f)
      this.fail(field, 'multi-byte (high-number) tags are not used in key structures');
    if (start + 1 >= this.end) this.fail(field, `truncated: ${describeTag(tag)} has no length`, start);
    const first = this.bytes[start + 1] as number;
    let length: number;
    let contentStart: number;
    if (first < 0x80) {
      length = first;
      contentStart = start + 2;
    } else {
      if (first === 0x80) this.fail(field, 'indefinite length is BER, not DER', start + 1);
      const count = first & 0x7f;
      if (count > 4) this.fail(field, `a ${count}-byte length field is far larger than any key`, start + 1);
      if (start + 2 + count > this.end) this.fail(field, 'truncated length field', start + 1);
      if (this.bytes[start + 2] === 0)
        this.fail(field, 'length has leading zero bytes (not minimal DER)', start + 1);
      length = 0;
      for (let index = 0; index < count; index++)
        length = length * 256 + (this.bytes[start + 2 + index] as number);
      if (length < 0x80) this.fail(field, `length ${length} must use the short form in DER`, start + 1);
      contentStart = start + 2 + count;
    }
    const available = this.end - contentStart;
    if (length > available) {
      this.fail(
        field,
        `${describeTag(tag)} declares ${length} content bytes but only ${available} remain`,
        start,
      );
    }
    this.position = contentStart + length;
    return { tag, start, contentStart, end: contentStart + length };
  }

  /** Reads the next element and requires its tag. */
  expect(tag: number, field: string): DerElement {
    const found = this.peekTag();
    if (found === undefined) this.fail(field, `missing ${describeTag(tag)}: the structure ends here`);
    if (found !== tag) this.fail(field, `expected ${describeTag(tag)}, found ${describeTag(found)}`);
    return this.next(field);
  }

  /** Reads a SEQUENCE and returns a reader over its content. */
  sequence(field: string): DerReader {
    return this.contentReader(this.expect(TAG.SEQUENCE, field), this.fieldPath(field));
  }

  /** Reads `[number]` EXPLICIT if it is next, returning a reader over its content, else undefined. */
  optionalExplicit(number: number, field: string): DerReader | undefined {
    if (this.peekTag() !== contextTag(number)) return undefined;
    return this.contentReader(this.next(field), this.fieldPath(field));
  }

  /** An INTEGER's minimal two's-complement content bytes. */
  integer(field: string): Uint8Array {
    const element = this.expect(TAG.INTEGER, field);
    const content = this.content(element);
    if (content.length === 0) this.fail(field, 'INTEGER with no content bytes', element.start);
    if (content.length > 1) {
      const first = content[0] as number;
      const second = content[1] as number;
      if ((first === 0x00 && second < 0x80) || (first === 0xff && second >= 0x80)) {
        this.fail(field, 'INTEGER is not minimally encoded', element.start);
      }
    }
    return content;
  }

  /** A positive INTEGER's magnitude, big-endian without a sign byte. Zero and negatives are refused. */
  positiveInteger(field: string): Uint8Array {
    const start = this.position;
    const content = this.integer(field);
    if (((content[0] as number) & 0x80) !== 0) this.fail(field, 'INTEGER is negative', start);
    const magnitude = content[0] === 0 ? content.subarray(1) : content;
    if (magnitude.length === 0) this.fail(field, 'INTEGER is zero', start);
    return magnitude;
  }

  /** An OBJECT IDENTIFIER in dotted form. */
  objectIdentifier(field: string): string {
    const element = this.expect(TAG.OBJECT_IDENTIFIER, field);
    const content = this.content(element);
    if (content.length === 0) this.fail(field, 'empty OBJECT IDENTIFIER', element.start);
    if (content.length > MAX_OID_BYTES) {
      this.fail(
        field,
        `OBJECT IDENTIFIER of ${content.length} bytes; none in a key is above ${MAX_OID_BYTES}`,
        element.start,
      );
    }
    if (((content[content.length - 1] as number) & 0x80) !== 0) {
      this.fail(field, 'OBJECT IDENTIFIER ends inside a sub-identifier', element.start);
    }
    const arcs: bigint[] = [];
    let value = 0n;
    let arcLength = 0;
    for (const byte of content) {
      if (arcLength === 0 && byte === 0x80) {
        this.fail(field, 'OBJECT IDENTIFIER sub-identifier is not minimal', element.start);
      }
      if (++arcLength > MAX_ARC_BYTES) {
        this.fail(
          field,
          `OBJECT IDENTIFIER sub-identifier longer than ${MAX_ARC_BYTES} bytes`,
          element.start,
        );
      }
      value = (value << 7n) | BigInt(byte & 0x7f);
      if ((byte & 0x80) === 0) {
        arcs.push(value);
        value = 0n;
        arcLength = 0;
      }
    }
    const first = arcs[0] as bigint;
    const top = first < 40n ? 0n : first < 80n ? 1n : 2n;
    return [top, first - top * 40n, ...arcs.slice(1)].join('.');
  }

  /** A BIT STRING whose length is a whole number of bytes (all key encodings are). */
  octetAlignedBitString(field: string): Uint8Array {
    const element = this.expect(TAG.BIT_STRING, field);
    const content = this.content(element);
    if (content.length === 0) this.fail(field, 'BIT STRING without its unused-bits byte', element.start);
    if (content[0] !== 0)
      this.fail(field, `BIT STRING has ${content[0]} unused bits; a key must be whole bytes`, element.start);
    return content.subarray(1);
  }

  null(field: string): void {
    const element = this.expect(TAG.NULL, field);
    if (element.end !== element.contentStart) this.fail(field, 'NULL with content bytes', element.start);
  }

  /** Requires that nothing follows at this level. */
  finish(): void {
    if (this.position < this.end) {
      const what = this.path === '' ? 'the input' : this.path;
      throw new KeyFormatError(
        `${what}: ${this.end - this.position} unexpected trailing bytes (at byte ${this.position})`,
      );
    }
  }

  content(element: DerElement): Uint8Array {
    return this.bytes.subarray(element.contentStart, element.end);
  }

  /** A reader over the content of an element already read (for structures decided by a peek). */
  contentReader(element: DerElement, path: string): DerReader {
    return new DerReader(this.bytes, path, element.contentStart, element.end);
  }

  private fieldPath(field: string): string {
    if (field === '') return this.path;
    return this.path === '' ? field : `${this.path}.${field}`;
  }
}

/* ------------------------------------------------------------------------------------------------
 * Writer: only what canonical SubjectPublicKeyInfo encodings need.
 */

function encodeLength(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return [0x80 | bytes.length, ...bytes];
}

/** One element: tag, minimal definite length, then the concatenated content parts. */
export function encodeElement(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const header = [tag, ...encodeLength(length)];
  const out = new Uint8Array(header.length + length);
  out.set(header, 0);
  let offset = header.length;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A non-negative INTEGER from its big-endian magnitude (leading zeros are stripped, a sign byte added). */
export function encodeUnsignedInteger(magnitude: Uint8Array): Uint8Array {
  let first = 0;
  while (first < magnitude.length - 1 && magnitude[first] === 0) first++;
  const trimmed = magnitude.subarray(first);
  const needsSignByte = trimmed.length === 0 || ((trimmed[0] as number) & 0x80) !== 0;
  return needsSignByte
    ? encodeElement(TAG.INTEGER, new Uint8Array([0]), trimmed)
    : encodeElement(TAG.INTEGER, trimmed);
}

export function encodeObjectIdentifier(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((arc) => BigInt(arc));
  const [top, second, ...rest] = arcs as [bigint, bigint, ...bigint[]];
  const bytes: number[] = [];
  for (const arc of [top * 40n + second, ...rest]) {
    const groups: number[] = [Number(arc & 0x7fn)];
    for (let value = arc >> 7n; value > 0n; value >>= 7n) groups.unshift(Number(value & 0x7fn) | 0x80);
    bytes.push(...groups);
  }
  return encodeElement(TAG.OBJECT_IDENTIFIER, new Uint8Array(bytes));
}

export const DER_NULL: Uint8Array = new Uint8Array([TAG.NULL, 0]);

/** A BIT STRING with no unused bits around whole bytes. */
export function encodeBitString(bytes: Uint8Array): Uint8Array {
  return encodeElement(TAG.BIT_STRING, new Uint8Array([0]), bytes);
}
