/**
 * Takes the SubjectPublicKeyInfo out of an X.509 certificate (RFC 5280 §4.1) or a PKCS#10
 * certification request (RFC 2986 §4), which is how KMS-issued certificates and CSRs carry RSA and
 * SM2 keys. Nothing else of them is interpreted: no signature, chain or validity check happens here.
 * Fields before the key are checked for their tag and framing; fields after it for framing only.
 */

import { DerReader, TAG } from './der.js';

/**
 * Certificate ::= SEQUENCE {
 *     tbsCertificate       TBSCertificate,
 *     signatureAlgorithm   AlgorithmIdentifier,
 *     signatureValue       BIT STRING
 * }
 * TBSCertificate ::= SEQUENCE {
 *     version         [0]  EXPLICIT Version DEFAULT v1,
 *     serialNumber         CertificateSerialNumber,   -- INTEGER
 *     signature            AlgorithmIdentifier,
 *     issuer               Name,
 *     validity             Validity,
 *     subject              Name,
 *     subjectPublicKeyInfo SubjectPublicKeyInfo,
 *     issuerUniqueID  [1]  IMPLICIT UniqueIdentifier OPTIONAL,
 *     subjectUniqueID [2]  IMPLICIT UniqueIdentifier OPTIONAL,
 *     extensions      [3]  EXPLICIT Extensions OPTIONAL
 * }
 */
export function certificateKeyInfo(der: Uint8Array): DerReader {
  const certificate = DerReader.single(der, TAG.SEQUENCE, 'Certificate');
  const tbs = certificate.sequence('tbsCertificate');
  const version = tbs.optionalExplicit(0, 'version');
  if (version !== undefined) {
    version.integer('version');
    version.finish();
  }
  // Serial numbers in the wild are not always positive or short; only the tag is required.
  tbs.expect(TAG.INTEGER, 'serialNumber');
  tbs.expect(TAG.SEQUENCE, 'signature');
  tbs.expect(TAG.SEQUENCE, 'issuer');
  tbs.expect(TAG.SEQUENCE, 'validity');
  tbs.expect(TAG.SEQUENCE, 'subject');
  const keyInfo = tbs.sequence('subjectPublicKeyInfo');
  for (const [tag, field] of [
    [0x81, 'issuerUniqueID'],
    [0x82, 'subjectUniqueID'],
    [0xa3, 'extensions'],
  ] as const) {
    if (tbs.peekTag() === tag) tbs.next(field);
  }
  tbs.finish();
  certificate.expect(TAG.SEQUENCE, 'signatureAlgorithm');
  certificate.expect(TAG.BIT_STRING, 'signatureValue');
  certificate.finish();
  return keyInfo;
}

/**
 * CertificationRequest ::= SEQUENCE {
 *     certificationRequestInfo  CertificationRequestInfo,
 *     signatureAlgorithm        AlgorithmIdentifier,
 *     signature                 BIT STRING
 * }
 * CertificationRequestInfo ::= SEQUENCE {
 *     version                   INTEGER { v1(0) },
 *     subject                   Name,
 *     subjectPKInfo             SubjectPublicKeyInfo,
 *     attributes           [0]  IMPLICIT SET OF Attribute
 * }
 */
export function certificationRequestKeyInfo(der: Uint8Array): DerReader {
  const request = DerReader.single(der, TAG.SEQUENCE, 'CertificationRequest');
  const info = request.sequence('certificationRequestInfo');
  info.integer('version');
  info.expect(TAG.SEQUENCE, 'subject');
  const keyInfo = info.sequence('subjectPKInfo');
  info.expect(0xa0, 'attributes');
  info.finish();
  request.expect(TAG.SEQUENCE, 'signatureAlgorithm');
  request.expect(TAG.BIT_STRING, 'signature');
  request.finish();
  return keyInfo;
}
