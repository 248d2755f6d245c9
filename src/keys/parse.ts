/**
 * parsePublicKey: the one entry for key material in every form people hold it in.
 *
 * - PEM `PUBLIC KEY` (SubjectPublicKeyInfo, what KMS GetPublicKey returns), `RSA PUBLIC KEY`
 *   (PKCS#1), `CERTIFICATE`, `CERTIFICATE REQUEST`;
 * - base64 DER without armour (what AWS KMS returns) and raw DER bytes, whose structure is
 *   recognised by shape, not by guessing the algorithm;
 * - text as it arrives from JSON: CRLF or LF, surrounding whitespace or quotes, literal `\n`
 *   escapes, `\/` escapes.
 *
 * Everything is validated (strict DER, key values, KMS key specs) and every failure is a typed
 * KmsVerifyError; wrong argument types are a TypeError.
 */

import { KeyFormatError } from '../errors.js';
import { Base64SyntaxError, base64ToBytes } from '../internal/base64.js';
import { certificateKeyInfo, certificationRequestKeyInfo } from './certificate.js';
import { DerReader, describeTag, TAG } from './der.js';
import { containsPemArmour, decodePem } from './pem.js';
import { decodeRsaPublicKey } from './rsa.js';
import { decodeSubjectPublicKeyInfo } from './spki.js';
import { isKmsPublicKey, type KmsPublicKey } from './types.js';

/** Key material as text (PEM or base64 DER) or bytes (DER, or PEM text as bytes). */
export type PublicKeyInput = string | Uint8Array | ArrayBuffer;

/**
 * No public key, certificate or CSR comes near this size; larger inputs are refused before any
 * work, so a hostile input can cost at most one linear pass over 256 KiB.
 */
export const MAX_KEY_INPUT_LENGTH = 256 * 1024;

type ContainerDecoder = (der: Uint8Array) => KmsPublicKey;

function spki(der: Uint8Array): KmsPublicKey {
  return decodeSubjectPublicKeyInfo(DerReader.single(der, TAG.SEQUENCE, 'SubjectPublicKeyInfo'), 'spki');
}

function pkcs1(der: Uint8Array): KmsPublicKey {
  return decodeRsaPublicKey(der, 'RSAPublicKey', { container: 'pkcs1', pssOnly: false, pssParameters: null });
}

function certificate(der: Uint8Array): KmsPublicKey {
  return decodeSubjectPublicKeyInfo(certificateKeyInfo(der), 'certificate');
}

function certificationRequest(der: Uint8Array): KmsPublicKey {
  return decodeSubjectPublicKeyInfo(certificationRequestKeyInfo(der), 'certification-request');
}

const DECODERS_BY_PEM_LABEL: ReadonlyMap<string, ContainerDecoder> = new Map([
  ['PUBLIC KEY', spki],
  ['RSA PUBLIC KEY', pkcs1],
  ['CERTIFICATE', certificate],
  ['X509 CERTIFICATE', certificate],
  ['CERTIFICATE REQUEST', certificationRequest],
  ['NEW CERTIFICATE REQUEST', certificationRequest],
]);

/**
 * Private keys also start with an INTEGER (their version). PKCS#8 (RFC 5208 §5) continues with an
 * AlgorithmIdentifier, SEC 1 ECPrivateKey (§C.4) with an OCTET STRING, PKCS#1 RSAPrivateKey
 * (RFC 8017 §A.1.2) with eight more INTEGERs; an RSAPublicKey has exactly two INTEGERs.
 */
function privateKeyKind(afterFirstInteger: DerReader): string | undefined {
  const second = afterFirstInteger.peekTag();
  if (second === TAG.SEQUENCE) return 'PKCS#8 private key';
  if (second === TAG.OCTET_STRING) return 'SEC 1 EC private key';
  if (second !== TAG.INTEGER) return undefined;
  afterFirstInteger.next('second element');
  return afterFirstInteger.peekTag() === TAG.INTEGER ? 'PKCS#1 RSA private key' : undefined;
}

/**
 * Raw DER has no label, so the structure decides: RSAPublicKey is a SEQUENCE of INTEGERs, an SPKI
 * starts with an AlgorithmIdentifier (SEQUENCE starting with an OID), and certificates and CSRs
 * start with their to-be-signed SEQUENCE, a CSR's ending with its [0] attributes.
 */
function decoderForShape(der: Uint8Array): ContainerDecoder {
  const outer = DerReader.single(der, TAG.SEQUENCE, 'DER input');
  const firstTag = outer.peekTag();
  if (firstTag === TAG.INTEGER) {
    outer.next('first element');
    const privateKind = privateKeyKind(outer);
    if (privateKind !== undefined) {
      throw new KeyFormatError(
        `DER input is a ${privateKind}; give the public key (GetPublicKey's PublicKey, or openssl pkey -pubout)`,
      );
    }
    return pkcs1;
  }
  if (firstTag === TAG.SEQUENCE) {
    const inner = outer.contentReader(outer.next('first element'), 'DER input');
    const innerFirst = inner.peekTag();
    if (innerFirst === TAG.OBJECT_IDENTIFIER) return spki;
    if (innerFirst === 0xa0 || innerFirst === TAG.INTEGER) {
      const tags: number[] = [];
      while (inner.hasMore() && tags.length < 5) tags.push(inner.next('first element').tag);
      return tags.length === 4 && tags[0] === TAG.INTEGER && tags[3] === 0xa0
        ? certificationRequest
        : certificate;
    }
  }
  throw new KeyFormatError(
    `DER input: a SEQUENCE starting with ${firstTag === undefined ? 'nothing' : describeTag(firstTag)} is not a SubjectPublicKeyInfo, RSAPublicKey, certificate or certification request`,
  );
}

function parseDer(der: Uint8Array): KmsPublicKey {
  return decoderForShape(der)(der);
}

function parseText(text: string): KmsPublicKey {
  let normalised = text.trim();
  if (normalised.length >= 2 && normalised.startsWith('"') && normalised.endsWith('"')) {
    normalised = normalised.slice(1, -1).trim();
  }
  if (normalised.includes('\\')) {
    normalised = normalised.replace(/\\r\\n|\\n|\\r|\\\//g, (sequence) => (sequence === '\\/' ? '/' : '\n'));
  }
  if (normalised === '') throw new KeyFormatError('key input is empty');
  if (containsPemArmour(normalised)) {
    const block = decodePem(normalised);
    const decode = DECODERS_BY_PEM_LABEL.get(block.label);
    if (decode !== undefined) return decode(block.der);
    if (block.label.endsWith('PRIVATE KEY')) {
      throw new KeyFormatError(
        `PEM ${block.label}: this is a private key; give the public key (GetPublicKey's PublicKey, or openssl pkey -pubout)`,
      );
    }
    throw new KeyFormatError(
      `PEM label "${block.label}" is not a public key; expected ${[...DECODERS_BY_PEM_LABEL.keys()].join(', ')}`,
    );
  }
  let der: Uint8Array;
  try {
    der = base64ToBytes(normalised);
  } catch (error) {
    if (!(error instanceof Base64SyntaxError)) throw error;
    throw new KeyFormatError(`key input is neither PEM nor base64 DER: ${error.message}`, { cause: error });
  }
  return parseDer(der);
}

function isAsciiText(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte >= 0x80) return false;
  return true;
}

function inputBytes(input: unknown): Uint8Array | undefined {
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (Object.prototype.toString.call(input) === '[object ArrayBuffer]')
    return new Uint8Array(input as ArrayBuffer);
  return undefined;
}

/**
 * Parses and fully validates one KMS public key. Returns a frozen description; a description
 * returned earlier is passed through unchanged.
 */
export function parsePublicKey(input: PublicKeyInput | KmsPublicKey): KmsPublicKey {
  if (isKmsPublicKey(input)) return input;
  if (typeof input === 'string') {
    if (input.length > MAX_KEY_INPUT_LENGTH) {
      throw new KeyFormatError(
        `key input is ${input.length} characters; key material is never above ${MAX_KEY_INPUT_LENGTH}`,
      );
    }
    return parseText(input);
  }
  const bytes = inputBytes(input);
  if (bytes === undefined) {
    const got =
      input === null
        ? 'null'
        : typeof input === 'object'
          ? (input.constructor?.name ?? 'object')
          : typeof input;
    throw new TypeError(`parsePublicKey: expected a string, Uint8Array or ArrayBuffer, got ${got}`);
  }
  if (bytes.length > MAX_KEY_INPUT_LENGTH) {
    throw new KeyFormatError(
      `key input is ${bytes.length} bytes; key material is never above ${MAX_KEY_INPUT_LENGTH}`,
    );
  }
  if (bytes.length === 0) throw new KeyFormatError('key input is empty');
  if (bytes[0] === TAG.SEQUENCE) return parseDer(bytes);
  if (isAsciiText(bytes)) return parseText(new TextDecoder().decode(bytes));
  throw new KeyFormatError(
    `key input: binary data that is not DER (it starts with 0x${(bytes[0] as number).toString(16).padStart(2, '0')}, not a SEQUENCE)`,
  );
}
