/**
 * A test-side SM2 decryptor (GB/T 32918.4-2016 §7.1), written apart from src/encrypt so the
 * encryption suites check our ciphertexts against an independent reading of the standard. It uses
 * only primitives: the curve arithmetic (src/ec/arithmetic.ts), SM3 and the SM2 KDF (src/sm/), the
 * curve constants (src/keys/curves.ts). For a private key d and ciphertext C = C1 || C3 || C2:
 *
 *   B1  C1 = (x1, y1) must lie on the curve              (B2: h = 1, so [h]C1 is C1, not infinity)
 *   B3  (x2, y2) = [d]C1
 *   B4  t = KDF(x2 || y2, klen), not all zero when klen > 0
 *   B5  M = C2 xor t
 *   B6  C3 must equal SM3(x2 || M || y2)
 *
 * Any failed check throws. Also here: the three ciphertext encodings (the raw 'c1c3c2' and 'c1c2c3'
 * and the GB/T 35276 'asn1' SEQUENCE { INTEGER x1, INTEGER y1, OCTET STRING C3, OCTET STRING C2 }
 * that OpenSSL reads and writes) with conversions between them, and reading the private scalar of a
 * PKCS#8 key file. DER is read by a small strict reader here and written with der-builder.ts, never
 * with src/keys/der.ts.
 */

import { createPrivateKey } from 'node:crypto';
import { CurveArithmetic } from '../../src/ec/arithmetic.js';
import { SM2 } from '../../src/keys/curves.js';
import { sm2Kdf } from '../../src/sm/sm2.js';
import { Sm3 } from '../../src/sm/sm3.js';
import { bigToBytes, OIDS, oid, seq, tlv, uint } from './der-builder.js';
import { bytesToBigInt } from './vectors.js';

export type Sm2Format = 'c1c3c2' | 'c1c2c3' | 'asn1';

export const SM2_FORMATS: readonly Sm2Format[] = ['c1c3c2', 'c1c2c3', 'asn1'];

/** Bytes per coordinate and per SM3 digest; raw forms carry 1 + 2*32 + 32 = 97 bytes of overhead. */
const SIZE = 32;
const HASH_SIZE = 32;
export const SM2_RAW_OVERHEAD = 1 + 2 * SIZE + HASH_SIZE;

/** The parts of an SM2 ciphertext: C1 = (x1, y1), C3 = the SM3 check value, C2 = the masked message. */
export interface Sm2CiphertextParts {
  readonly x1: bigint;
  readonly y1: bigint;
  readonly c3: Uint8Array;
  readonly c2: Uint8Array;
}

/* ------------------------------------------------------------------------------------------------
 * A strict DER reader: single-byte tags, minimal definite lengths, no trailing bytes.
 */

export interface DerElement {
  readonly tag: number;
  readonly content: Uint8Array;
}

/** The TLV elements that exactly fill `bytes`. */
export function derElements(bytes: Uint8Array): DerElement[] {
  const out: DerElement[] = [];
  let at = 0;
  while (at < bytes.length) {
    const tag = bytes[at] as number;
    if ((tag & 0x1f) === 0x1f) throw new Error(`DER: multi-byte tag at ${at}`);
    const first = bytes[at + 1];
    if (first === undefined) throw new Error(`DER: no length at ${at + 1}`);
    let length = first;
    let header = 2;
    if (first === 0x80) throw new Error(`DER: indefinite length at ${at + 1}`);
    if (first > 0x80) {
      const count = first & 0x7f;
      if (count > 4 || at + 2 + count > bytes.length) throw new Error(`DER: bad length at ${at + 1}`);
      length = 0;
      for (let index = 0; index < count; index++) length = length * 256 + (bytes[at + 2 + index] as number);
      if (bytes[at + 2] === 0 || length < 0x80) throw new Error(`DER: non-minimal length at ${at + 1}`);
      header += count;
    }
    const end = at + header + length;
    if (end > bytes.length) throw new Error(`DER: element at ${at} runs past the input`);
    out.push({ tag, content: bytes.subarray(at + header, end) });
    at = end;
  }
  return out;
}

/** The single element `bytes` holds, which must have tag `tag`. */
function derSingle(bytes: Uint8Array, tag: number, what: string): Uint8Array {
  const elements = derElements(bytes);
  const element = elements[0];
  if (elements.length !== 1 || element === undefined || element.tag !== tag) {
    throw new Error(`DER: ${what} is not exactly one element with tag 0x${tag.toString(16)}`);
  }
  return element.content;
}

/** The children of a SEQUENCE element, checking their tags (undefined: any tag). */
function derChildren(element: DerElement | undefined, tags: readonly number[], what: string): DerElement[] {
  if (element?.tag !== 0x30) throw new Error(`DER: ${what} is not a SEQUENCE`);
  const children = derElements(element.content);
  if (children.length < tags.length) throw new Error(`DER: ${what} has ${children.length} elements`);
  tags.forEach((tag, index) => {
    if (children[index]?.tag !== tag) throw new Error(`DER: element ${index} of ${what} has the wrong tag`);
  });
  return children;
}

/** A non-negative, minimally encoded DER INTEGER. */
function derUnsigned(element: DerElement | undefined, what: string): bigint {
  if (element?.tag !== 0x02) throw new Error(`DER: ${what} is not an INTEGER`);
  const body = element.content;
  const [first, second] = [body[0], body[1]];
  if (first === undefined) throw new Error(`DER: ${what} is empty`);
  if (first & 0x80) throw new Error(`DER: ${what} is negative`);
  if (first === 0 && second !== undefined && (second & 0x80) === 0)
    throw new Error(`DER: ${what} is not minimal`);
  return bytesToBigInt(body);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/* ------------------------------------------------------------------------------------------------
 * Ciphertext encodings.
 */

/** Splits a ciphertext in `format` into its parts (no curve or hash checks yet; see sm2Decrypt). */
export function parseSm2Ciphertext(ciphertext: Uint8Array, format: Sm2Format): Sm2CiphertextParts {
  if (format === 'asn1') {
    const [element, ...rest] = derElements(ciphertext);
    if (rest.length > 0) throw new Error('SM2 asn1: bytes after the SEQUENCE');
    const children = derChildren(element, [0x02, 0x02, 0x04, 0x04], 'SM2Cipher');
    if (children.length !== 4) throw new Error(`SM2 asn1: ${children.length} elements, not 4`);
    const c3 = (children[2] as DerElement).content;
    if (c3.length !== HASH_SIZE) throw new Error(`SM2 asn1: C3 is ${c3.length} bytes, not ${HASH_SIZE}`);
    return {
      x1: derUnsigned(children[0], 'x1'),
      y1: derUnsigned(children[1], 'y1'),
      c3,
      c2: (children[3] as DerElement).content,
    };
  }
  if (ciphertext.length < SM2_RAW_OVERHEAD) throw new Error(`SM2 ${format}: only ${ciphertext.length} bytes`);
  if (ciphertext[0] !== 0x04) throw new Error(`SM2 ${format}: C1 does not start with 04`);
  const x1 = bytesToBigInt(ciphertext.subarray(1, 1 + SIZE));
  const y1 = bytesToBigInt(ciphertext.subarray(1 + SIZE, 1 + 2 * SIZE));
  const rest = ciphertext.subarray(1 + 2 * SIZE);
  return format === 'c1c3c2'
    ? { x1, y1, c3: rest.subarray(0, HASH_SIZE), c2: rest.subarray(HASH_SIZE) }
    : { x1, y1, c3: rest.subarray(rest.length - HASH_SIZE), c2: rest.subarray(0, rest.length - HASH_SIZE) };
}

/** Encodes parts in `format`; 'asn1' is the canonical DER (minimal INTEGERs with a sign byte if needed). */
export function encodeSm2Ciphertext(parts: Sm2CiphertextParts, format: Sm2Format): Uint8Array {
  const x1 = bigToBytes(parts.x1, SIZE);
  const y1 = bigToBytes(parts.y1, SIZE);
  if (format === 'asn1') return seq(uint(x1), uint(y1), tlv(0x04, parts.c3), tlv(0x04, parts.c2));
  const [first, second] = format === 'c1c3c2' ? [parts.c3, parts.c2] : [parts.c2, parts.c3];
  const out = new Uint8Array(1 + 2 * SIZE + first.length + second.length);
  out[0] = 0x04;
  out.set(x1, 1);
  out.set(y1, 1 + SIZE);
  out.set(first, 1 + 2 * SIZE);
  out.set(second, 1 + 2 * SIZE + first.length);
  return out;
}

/** Re-encodes a ciphertext from one format to another (e.g. raw forms to asn1 for OpenSSL). */
export function convertSm2Ciphertext(ciphertext: Uint8Array, from: Sm2Format, to: Sm2Format): Uint8Array {
  return encodeSm2Ciphertext(parseSm2Ciphertext(ciphertext, from), to);
}

/* ------------------------------------------------------------------------------------------------
 * Decryption.
 */

const arithmetic = new CurveArithmetic(SM2);

function onCurve(x: bigint, y: bigint): boolean {
  const { p, a, b } = SM2;
  if (x < 0n || x >= p || y < 0n || y >= p) return false;
  return (y * y - (x * x * x + a * x + b)) % p === 0n;
}

/** GB/T 32918.4-2016 §7.1 B1-B7: the plaintext of `ciphertext`, or an Error naming the failed step. */
export function sm2Decrypt(d: bigint, ciphertext: Uint8Array, format: Sm2Format): Uint8Array {
  if (d < 1n || d > SM2.n - 2n) throw new RangeError('SM2 private key out of [1, n-2]');
  const { x1, y1, c3, c2 } = parseSm2Ciphertext(ciphertext, format);
  if (!onCurve(x1, y1)) throw new Error('SM2 decrypt B1: C1 is not on the curve');
  const shared = arithmetic.toAffine(arithmetic.multiply({ x: x1, y: y1 }, d));
  if (shared === null) throw new Error('SM2 decrypt B3: [d]C1 is infinity');
  const x2 = bigToBytes(shared.x, SIZE);
  const y2 = bigToBytes(shared.y, SIZE);
  const z = new Uint8Array(2 * SIZE);
  z.set(x2);
  z.set(y2, SIZE);
  const t = sm2Kdf(z, c2.length);
  if (c2.length > 0 && t.every((byte) => byte === 0)) throw new Error('SM2 decrypt B4: t is all zero');
  const message = new Uint8Array(c2.length);
  for (let index = 0; index < c2.length; index++)
    message[index] = (c2[index] as number) ^ (t[index] as number);
  const u = new Sm3().update(x2).update(message).update(y2).digest();
  if (!equalBytes(u, c3)) throw new Error('SM2 decrypt B6: C3 does not match SM3(x2 || M || y2)');
  return message;
}

/* ------------------------------------------------------------------------------------------------
 * Private key files.
 */

const EC_PUBLIC_KEY_OID = oid(OIDS.ecPublicKey);
const SM2_CURVE_OID = oid(OIDS.sm2);

/**
 * The private scalar d of an SM2 private key file (any form node:crypto reads), from its PKCS#8
 * export: PrivateKeyInfo { version, AlgorithmIdentifier { id-ecPublicKey, sm2 }, OCTET STRING
 * containing ECPrivateKey { 1, OCTET STRING d (32 bytes), [0] params?, [1] publicKey? } }
 * (RFC 5208 §5, RFC 5915 §3).
 */
export function readSm2PrivateScalar(pem: string): bigint {
  const pkcs8 = new Uint8Array(createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' }));
  const [info, ...after] = derElements(pkcs8);
  if (after.length > 0) throw new Error('PKCS#8: bytes after PrivateKeyInfo');
  const [version, algorithm, privateKey] = derChildren(info, [0x02, 0x30, 0x04], 'PrivateKeyInfo');
  if (derUnsigned(version, 'PrivateKeyInfo version') > 1n) throw new Error('PKCS#8: unknown version');
  const [algorithmOid, curveOid, ...extra] = derElements((algorithm as DerElement).content);
  const isOid = (element: DerElement | undefined, expected: Uint8Array) =>
    element?.tag === 0x06 && equalBytes(expected.subarray(2), element.content);
  if (!isOid(algorithmOid, EC_PUBLIC_KEY_OID) || !isOid(curveOid, SM2_CURVE_OID) || extra.length > 0) {
    throw new Error('PKCS#8: the algorithm is not id-ecPublicKey on the SM2 curve');
  }
  const ecPrivateKey = derSingle((privateKey as DerElement).content, 0x30, 'ECPrivateKey');
  const [ecVersion, scalar, ...optional] = derElements(ecPrivateKey);
  if (derUnsigned(ecVersion, 'ECPrivateKey version') !== 1n)
    throw new Error('ECPrivateKey: version is not 1');
  if (scalar?.tag !== 0x04 || scalar.content.length !== SIZE)
    throw new Error(`ECPrivateKey: privateKey is not a ${SIZE}-byte OCTET STRING`);
  for (const element of optional) {
    if (element.tag !== 0xa0 && element.tag !== 0xa1) throw new Error('ECPrivateKey: unexpected element');
  }
  const d = bytesToBigInt(scalar.content);
  if (d < 1n || d > SM2.n - 2n) throw new RangeError('ECPrivateKey: d out of [1, n-2]');
  return d;
}
