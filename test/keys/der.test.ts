/** The DER writer produces what the strict reader accepts, and both agree on edge values. */

import { describe, expect, it } from 'vitest';
import { KeyFormatError } from '../../src/errors.js';
import {
  DerReader,
  encodeElement,
  encodeObjectIdentifier,
  encodeUnsignedInteger,
  TAG,
} from '../../src/keys/der.js';
import { hex } from '../helpers/der-builder.js';

const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('DER lengths', () => {
  it.each([0, 1, 127, 128, 255, 256, 65535, 65536, 300_000])('content of %i bytes round-trips', (size) => {
    const encoded = encodeElement(TAG.OCTET_STRING, new Uint8Array(size));
    const headerLength = size < 128 ? 2 : size < 256 ? 3 : size < 65536 ? 4 : 5;
    expect(encoded.length).toBe(headerLength + size);
    const reader = DerReader.single(encoded, TAG.OCTET_STRING, 'test');
    expect(reader.hasMore()).toBe(size > 0);
  });
});

describe('DER INTEGER', () => {
  it.each([
    ['00', '020100'],
    ['7f', '02017f'],
    ['80', '02020080'],
    ['ff00', '020300ff00'],
    ['0001', '020101'],
  ])('magnitude %s encodes as %s and reads back', (magnitude, encoding) => {
    const encoded = encodeUnsignedInteger(hex(magnitude));
    expect(toHex(encoded)).toBe(encoding);
    const reader = DerReader.single(encodeElement(TAG.SEQUENCE, encoded), TAG.SEQUENCE, 'test');
    const content = reader.integer('value');
    expect(toHex(content)).toBe(encoding.slice(4));
  });

  it.each([
    ['0200', 'no content'],
    ['02020001', 'not minimally encoded'],
    ['0202ff80', 'not minimally encoded'],
  ])('refuses %s (%s)', (encoding, fragment) => {
    const reader = DerReader.single(encodeElement(TAG.SEQUENCE, hex(encoding)), TAG.SEQUENCE, 'test');
    expect(() => reader.integer('value')).toThrow(KeyFormatError);
    const again = DerReader.single(encodeElement(TAG.SEQUENCE, hex(encoding)), TAG.SEQUENCE, 'test');
    expect(() => again.integer('value')).toThrow(fragment);
  });

  it('positiveInteger refuses negatives and zero', () => {
    const read = (encoding: string) =>
      DerReader.single(encodeElement(TAG.SEQUENCE, hex(encoding)), TAG.SEQUENCE, 't').positiveInteger('v');
    expect(() => read('020180')).toThrow('negative');
    expect(() => read('020100')).toThrow('zero');
    expect(toHex(read('02020080'))).toBe('80');
  });
});

describe('DER OBJECT IDENTIFIER', () => {
  it.each([
    ['1.2.840.113549.1.1.1', '06092a864886f70d010101'],
    ['1.2.156.10197.1.301', '06082a811ccf5501822d'],
    ['2.5.4.3', '0603550403'],
    ['2.999.3', '0603883703'],
    ['0.39', '060127'],
  ])('%s', (dotted, encoding) => {
    expect(toHex(encodeObjectIdentifier(dotted))).toBe(encoding);
    const reader = DerReader.single(encodeElement(TAG.SEQUENCE, hex(encoding)), TAG.SEQUENCE, 'test');
    expect(reader.objectIdentifier('oid')).toBe(dotted);
  });

  it('reads arcs beyond 2^53 exactly (UUID OIDs under 2.25)', () => {
    const dotted = '2.25.329800735698586629295641978511506172918';
    const encoded = encodeObjectIdentifier(dotted);
    const reader = DerReader.single(encodeElement(TAG.SEQUENCE, encoded), TAG.SEQUENCE, 'test');
    expect(reader.objectIdentifier('oid')).toBe(dotted);
  });
});

describe('error messages carry the field path and byte offset', () => {
  it('names the nested field', () => {
    const input = hex('3006 3004 0402 0000');
    const reader = DerReader.single(input, TAG.SEQUENCE, 'Outer');
    const inner = reader.sequence('inner');
    expect(() => inner.integer('value')).toThrow(
      'Outer.inner.value: expected INTEGER, found OCTET STRING (at byte 4)',
    );
  });
});

describe('DER OBJECT IDENTIFIER bounds', () => {
  it('refuses a sub-identifier longer than 20 bytes, keeping decoding linear', () => {
    const arc = new Uint8Array(21).fill(0xff);
    arc[20] = 0x7f;
    const encoded = encodeElement(TAG.OBJECT_IDENTIFIER, new Uint8Array([0x2a]), arc);
    const reader = DerReader.single(encodeElement(TAG.SEQUENCE, encoded), TAG.SEQUENCE, 'test');
    expect(() => reader.objectIdentifier('oid')).toThrow('longer than 20 bytes');
  });
});
