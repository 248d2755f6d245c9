/**
 * The malformed corpus: every way key material can be wrong that we could think of, each with the
 * exact error code it must produce. Inputs are built from the OpenSSL-made vectors by one named edit,
 * or from scratch with the test-only DER builder.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type EcPublicKey, KmsVerifyError, parsePublicKey, type RsaPublicKey } from '../../src/index.js';
import { P256 } from '../../src/keys/curves.js';
import {
  bigToBytes,
  bitString,
  bytes,
  ecSpki,
  nul,
  OIDS,
  oid,
  rsaSpki,
  seq,
  tlv,
  uint,
} from '../helpers/der-builder.js';

const vector = (path: string) => readFileSync(new URL(`../../vectors/keys/${path}`, import.meta.url));
const vectorText = (path: string) => vector(path).toString('utf8');

const rsaDer = new Uint8Array(vector('RSA_2048/public.der'));
const ecDer = new Uint8Array(vector('EC_P256/public.der'));
const rsa = parsePublicKey(rsaDer) as RsaPublicKey;
const ec = parsePublicKey(ecDer) as EcPublicKey;
const rsaPem = vectorText('RSA_2048/public.pem');
const ecPem = vectorText('EC_P256/public.pem');
const certPem = vectorText('EC_SM2/cert.pem');

const FORMAT = 'ERR_KEY_FORMAT';
const INVALID = 'ERR_KEY_INVALID';
const UNSUPPORTED = 'ERR_KEY_UNSUPPORTED';

function withByte(input: Uint8Array, index: number, value: number): Uint8Array {
  const copy = input.slice();
  copy[index] = value;
  return copy;
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let square = base % modulus;
  for (let rest = exponent; rest > 0n; rest >>= 1n) {
    if (rest & 1n) result = (result * square) % modulus;
    square = (square * square) % modulus;
  }
  return result;
}

/** The smallest x whose x^3 + ax + b is a non-residue mod p: no point on P-256 has it. */
function p256XWithoutPoint(): bigint {
  for (let x = 1n; ; x++) {
    const rhs = (((x * x + P256.a) % P256.p) * x + P256.b) % P256.p;
    if (modPow(rhs, (P256.p - 1n) / 2n, P256.p) === P256.p - 1n) return x;
  }
}

const x = ec.point.subarray(1, 33);
const y = ec.point.subarray(33);
const offCurve = bytes(0x04, x, withByte(y, 31, (y[31] as number) ^ 1));
const modulus = rsa.modulus;
const evenModulus = withByte(modulus, modulus.length - 1, (modulus[modulus.length - 1] as number) & 0xfe);
const derOfPem = (path: string) =>
  new Uint8Array(Buffer.from(vectorText(path).replace(/-----[^-]+-----/g, ''), 'base64'));
const pemOf = (label: string, body: string) => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
const rsaBody = Buffer.from(rsaDer).toString('base64');

/** [name, input, expected code, a fragment the message must contain] */
const CORPUS: readonly [string, string | Uint8Array, string, string][] = [
  // Framing and strict DER
  ['empty bytes', new Uint8Array(0), FORMAT, 'empty'],
  ['empty string', '', FORMAT, 'empty'],
  ['whitespace only', ' \r\n\t ', FORMAT, 'empty'],
  ['truncated to 1 byte', rsaDer.subarray(0, 1), FORMAT, 'no length'],
  ['truncated in the middle', rsaDer.subarray(0, 150), FORMAT, 'remain'],
  ['truncated by one byte', rsaDer.subarray(0, rsaDer.length - 1), FORMAT, 'remain'],
  ['trailing garbage after the SPKI', bytes(rsaDer, 0x00), FORMAT, 'trailing'],
  [
    'trailing element inside the SPKI',
    seq(seq(oid(OIDS.ecPublicKey), oid(OIDS.prime256v1)), bitString(ec.point), nul()),
    FORMAT,
    'trailing',
  ],
  ['outer SET instead of SEQUENCE', withByte(rsaDer, 0, 0x31), FORMAT, 'not DER'],
  ['outer tag primitive SEQUENCE', withByte(ecDer, 0, 0x10), FORMAT, 'not DER'],
  ['indefinite length', bytes(0x30, 0x80, ecDer.subarray(2), 0, 0), FORMAT, 'indefinite'],
  ['non-minimal long-form length', bytes(0x30, 0x81, ecDer.subarray(1)), FORMAT, 'short form'],
  ['length with a leading zero byte', bytes(0x30, 0x82, 0x00, ecDer.subarray(1)), FORMAT, 'leading zero'],
  ['length larger than the input', bytes(0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x30, 0x00), FORMAT, 'remain'],
  ['5-byte length field', bytes(0x30, 0x85, 1, 0, 0, 0, 0), FORMAT, 'length field'],
  ['high-number tag form', seq(seq(uint([1]), bytes(0x1f, 0x01, 0x00))), FORMAT, 'high-number'],
  [
    'wrong tag for AlgorithmIdentifier',
    seq(oid(OIDS.ecPublicKey), bitString(ec.point)),
    FORMAT,
    'not a SubjectPublicKeyInfo',
  ],
  [
    'wrong tag for subjectPublicKey',
    seq(seq(oid(OIDS.ecPublicKey), oid(OIDS.prime256v1)), tlv(0x04, ec.point)),
    FORMAT,
    'expected BIT STRING',
  ],
  [
    'BIT STRING with unused bits',
    seq(seq(oid(OIDS.ecPublicKey), oid(OIDS.prime256v1)), tlv(0x03, bytes(0x01, ec.point))),
    FORMAT,
    'unused bits',
  ],
  [
    'empty BIT STRING',
    seq(seq(oid(OIDS.ecPublicKey), oid(OIDS.prime256v1)), tlv(0x03)),
    FORMAT,
    'unused-bits byte',
  ],
  [
    'OID with a non-minimal sub-identifier',
    seq(
      seq(tlv(0x06, bytes(0x2a, 0x80, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01)), oid(OIDS.prime256v1)),
      bitString(ec.point),
    ),
    FORMAT,
    'not minimal',
  ],
  [
    'OID ending mid sub-identifier',
    seq(seq(tlv(0x06, bytes(0x2a, 0x86)), oid(OIDS.prime256v1)), bitString(ec.point)),
    FORMAT,
    'ends inside',
  ],
  [
    'empty OID',
    seq(seq(tlv(0x06), oid(OIDS.prime256v1)), bitString(ec.point)),
    FORMAT,
    'empty OBJECT IDENTIFIER',
  ],
  [
    'NULL with content',
    seq(seq(oid(OIDS.rsaEncryption), tlv(0x05, bytes(0))), bitString(seq(uint(modulus), uint([1, 0, 1])))),
    FORMAT,
    'NULL with content',
  ],
  // RSA structure and values
  [
    'rsaEncryption without NULL parameters',
    seq(seq(oid(OIDS.rsaEncryption)), bitString(seq(uint(modulus), uint([1, 0, 1])))),
    FORMAT,
    'must be NULL',
  ],
  [
    'negative modulus',
    seq(seq(oid(OIDS.rsaEncryption), nul()), bitString(seq(tlv(0x02, modulus), uint([1, 0, 1])))),
    FORMAT,
    'negative',
  ],
  [
    'non-minimal modulus INTEGER',
    seq(
      seq(oid(OIDS.rsaEncryption), nul()),
      bitString(seq(tlv(0x02, bytes(0, 0, modulus)), uint([1, 0, 1]))),
    ),
    FORMAT,
    'not minimally encoded',
  ],
  ['zero exponent', rsaSpki(modulus, [0]), FORMAT, 'zero'],
  [
    'RSAPublicKey with a third INTEGER',
    seq(seq(oid(OIDS.rsaEncryption), nul()), bitString(seq(uint(modulus), uint([1, 0, 1]), uint([1])))),
    FORMAT,
    'trailing',
  ],
  [
    'RSAPublicKey missing its exponent',
    seq(seq(oid(OIDS.rsaEncryption), nul()), bitString(seq(uint(modulus)))),
    FORMAT,
    'missing',
  ],
  ['even modulus', rsaSpki(evenModulus, [1, 0, 1]), INVALID, 'modulus is even'],
  ['exponent 1', rsaSpki(modulus, [1]), INVALID, 'exponent is 1'],
  ['even exponent', rsaSpki(modulus, [1, 0, 0]), INVALID, 'exponent is even'],
  ['exponent of 35 bits', rsaSpki(modulus, [0x04, 0, 0, 0, 1]), UNSUPPORTED, '35 bits'],
  ['1024-bit RSA', vectorText('other/rsa-1024.pem'), UNSUPPORTED, '1024 bits'],
  ['2047-bit RSA', vectorText('other/rsa-2047.pem'), UNSUPPORTED, '2047 bits'],
  ['4096-bit RSA', vectorText('other/rsa-4096.pem'), UNSUPPORTED, '4096-bit'],
  [
    'RSASSA-PSS params with an unknown hash',
    seq(
      seq(oid(OIDS.rsassaPss), seq(tlv(0xa0, seq(oid('1.2.3.4'))))),
      bitString(seq(uint(modulus), uint([1, 0, 1]))),
    ),
    FORMAT,
    'unknown hash',
  ],
  [
    'RSASSA-PSS params with trailer 2',
    seq(seq(oid(OIDS.rsassaPss), seq(tlv(0xa3, uint([2])))), bitString(seq(uint(modulus), uint([1, 0, 1])))),
    FORMAT,
    'trailer',
  ],
  [
    'RSASSA-PSS params that are not a SEQUENCE',
    seq(seq(oid(OIDS.rsassaPss), nul()), bitString(seq(uint(modulus), uint([1, 0, 1])))),
    FORMAT,
    'expected SEQUENCE',
  ],
  // EC structure and values
  ['point not on the curve', ecSpki(OIDS.prime256v1, offCurve), INVALID, 'not on the P-256 curve'],
  ['P-256 point checked against the SM2 curve', ecSpki(OIDS.sm2, ec.point), INVALID, 'not on the SM2 curve'],
  [
    'x coordinate equal to p',
    ecSpki(OIDS.prime256v1, bytes(0x04, bigToBytes(P256.p, 32), y)),
    INVALID,
    'below',
  ],
  ['point at infinity', ecSpki(OIDS.prime256v1, bytes(0x00)), INVALID, 'infinity'],
  [
    'compressed x with no point',
    ecSpki(OIDS.prime256v1, bytes(0x02, bigToBytes(p256XWithoutPoint(), 32))),
    INVALID,
    'not on the P-256 curve',
  ],
  ['compressed x equal to p', ecSpki(OIDS.prime256v1, bytes(0x03, bigToBytes(P256.p, 32))), INVALID, 'below'],
  ['hybrid point encoding', ecSpki(OIDS.prime256v1, bytes(0x06, x, y)), FORMAT, 'hybrid'],
  ['point one byte short', ecSpki(OIDS.prime256v1, ec.point.subarray(0, 64)), FORMAT, '64 bytes'],
  ['point with an unknown prefix', ecSpki(OIDS.prime256v1, bytes(0x05, x, y)), FORMAT, '0x05'],
  ['empty point', ecSpki(OIDS.prime256v1, new Uint8Array(0)), FORMAT, '0 bytes'],
  [
    'id-ecPublicKey without parameters',
    seq(seq(oid(OIDS.ecPublicKey)), bitString(ec.point)),
    FORMAT,
    'absent',
  ],
  [
    'id-ecPublicKey with implicitCurve NULL',
    seq(seq(oid(OIDS.ecPublicKey), nul()), bitString(ec.point)),
    UNSUPPORTED,
    'implicitCurve',
  ],
  ['explicit curve parameters', vectorText('EC_P256/explicit.pem'), UNSUPPORTED, 'explicit curve parameters'],
  ['secp384r1 curve', vectorText('other/p384.pem'), UNSUPPORTED, 'secp384r1'],
  ['unknown curve OID', ecSpki('1.2.3.4.5', ec.point), UNSUPPORTED, '1.2.3.4.5'],
  [
    'SM2 algorithm OID with the P-256 curve',
    ecSpki(OIDS.prime256v1, ec.point, OIDS.sm2),
    FORMAT,
    'only the SM2 curve',
  ],
  ['Ed25519 key', vectorText('other/ed25519.pem'), UNSUPPORTED, 'Ed25519'],
  [
    'unknown algorithm OID',
    seq(seq(oid('1.2.3.4'), nul()), bitString(bytes(1, 2, 3))),
    UNSUPPORTED,
    '1.2.3.4',
  ],
  // PEM armour
  ['private key PEM', vectorText('EC_P256/private.pem'), FORMAT, 'private key'],
  ['EC PRIVATE KEY label', pemOf('EC PRIVATE KEY', rsaBody), FORMAT, 'private key'],
  ['PKCS#8 private key as raw DER', derOfPem('EC_P256/private.pem'), FORMAT, 'PKCS#8 private key'],
  [
    'PKCS#8 private key as unarmoured base64',
    Buffer.from(derOfPem('RSA_2048/private.pem')).toString('base64'),
    FORMAT,
    'PKCS#8 private key',
  ],
  [
    'SEC 1 EC private key as raw DER',
    seq(uint([1]), tlv(0x04, new Uint8Array(32)), tlv(0xa0, oid(OIDS.prime256v1))),
    FORMAT,
    'SEC 1 EC private key',
  ],
  [
    'PKCS#1 RSA private key as raw DER',
    seq(uint([0]), uint(modulus), uint([1, 0, 1]), uint([3]), uint([5])),
    FORMAT,
    'PKCS#1 RSA private key',
  ],
  ['unknown PEM label', pemOf('EC PARAMETERS', 'BggqhkjOPQMBBw=='), FORMAT, 'EC PARAMETERS'],
  [
    'mismatched BEGIN and END labels',
    rsaPem.replace('END PUBLIC KEY', 'END RSA PUBLIC KEY'),
    FORMAT,
    'closed by',
  ],
  ['BEGIN without END', rsaPem.replace('-----END PUBLIC KEY-----', ''), FORMAT, 'no matching END'],
  ['END without BEGIN', rsaPem.replace('-----BEGIN PUBLIC KEY-----', ''), FORMAT, 'without a BEGIN'],
  ['two PEM blocks', rsaPem + ecPem, FORMAT, 'found 2 blocks (PUBLIC KEY, PUBLIC KEY)'],
  ['certificate chain', certPem + certPem + certPem, FORMAT, 'found 3 blocks'],
  [
    'PEM with RFC 1421 headers',
    pemOf('PUBLIC KEY', `Proc-Type: 4,ENCRYPTED\n\n${rsaBody}`),
    FORMAT,
    'headers',
  ],
  [
    'PEM body with a non-base64 character',
    rsaPem.replace('MII', 'M*I'),
    FORMAT,
    "invalid base64 character '*'",
  ],
  ['PEM body with bad length', pemOf('PUBLIC KEY', `${rsaBody}=`), FORMAT, 'multiple of 4'],
  [
    'PEM body with data after padding',
    pemOf('PUBLIC KEY', `${rsaBody.slice(0, -4)}A=A=`),
    FORMAT,
    'after padding',
  ],
  ['PEM with an empty body', pemOf('PUBLIC KEY', ''), FORMAT, 'empty'],
  [
    'PEM label with four dashes',
    rsaPem.replace('-----BEGIN PUBLIC KEY-----', '-----BEGIN PUBLIC KEY----'),
    FORMAT,
    'malformed',
  ],
  [
    'RSA PUBLIC KEY label holding an SPKI',
    pemOf('RSA PUBLIC KEY', rsaBody),
    FORMAT,
    'RSAPublicKey.modulus: expected INTEGER',
  ],
  [
    'PUBLIC KEY label holding PKCS#1',
    pemOf('PUBLIC KEY', vector('RSA_2048/pkcs1.der').toString('base64')),
    FORMAT,
    'expected SEQUENCE, found INTEGER',
  ],
  ['CERTIFICATE label holding an SPKI', pemOf('CERTIFICATE', rsaBody), FORMAT, 'Certificate.tbsCertificate'],
  [
    'certificate with trailing garbage',
    pemOf('CERTIFICATE', Buffer.from(bytes(derOfPem('EC_SM2/cert.pem'), 0x00)).toString('base64')),
    FORMAT,
    'trailing',
  ],
  // Unarmoured text and bytes
  ['base64 with non-zero padding bits', `${rsaBody.slice(0, -2)}B=`, FORMAT, 'non-zero bits'],
  ['text that is neither PEM nor base64', 'this is not a key', FORMAT, 'neither PEM nor base64'],
  ['hex instead of base64', Buffer.from(ecDer).toString('hex'), FORMAT, 'multiple of 4'],
  ['binary that is not DER', bytes(0xff, 0xfe, 0x00, 0x80), FORMAT, 'not DER'],
  ['DER SEQUENCE of something else', seq(tlv(0x04, bytes(1, 2))), FORMAT, 'not a SubjectPublicKeyInfo'],
  ['over-long input', 'A'.repeat(256 * 1024 + 4), FORMAT, 'never above'],
];

describe('malformed key corpus', () => {
  it.each(CORPUS.map(([name, input, code, fragment]) => ({ name, input, code, fragment })))(
    '$name -> $code',
    ({ input, code, fragment }) => {
      let caught: unknown;
      try {
        parsePublicKey(input);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(KmsVerifyError);
      expect((caught as KmsVerifyError).code).toBe(code);
      expect((caught as Error).message).toContain(fragment);
    },
  );

  it('covers every error code a key can produce', () => {
    expect(new Set(CORPUS.map(([, , code]) => code))).toEqual(new Set([FORMAT, INVALID, UNSUPPORTED]));
    console.log(`malformed corpus: ${CORPUS.length} inputs`);
  });

  it('never echoes private key material in the error', () => {
    const pem = vectorText('EC_P256/private.pem');
    const body = pem.split('\n')[1] as string;
    expect(() => parsePublicKey(pem)).toThrow(KmsVerifyError);
    try {
      parsePublicKey(pem);
    } catch (error) {
      expect((error as Error).message).not.toContain(body.slice(0, 16));
    }
  });
});
