/**
 * Elliptic-curve public keys: the id-ecPublicKey SubjectPublicKeyInfo with a named curve
 * (RFC 5480 §2.1.1), the variant that names the SM2 curve as the algorithm itself (emitted by some
 * SM2 toolkits), point validation, and the canonical SPKI every EC key is normalised to.
 *
 * P-256 and SM2 keys share id-ecPublicKey: only the curve OID tells them apart, so the curve is
 * always read from the key and never guessed.
 */

import { EC_KEY_SPEC_BY_CURVE } from '../algorithms.js';
import { KeyUnsupportedError } from '../errors.js';
import { CURVES_BY_OID, type Curve, decodePoint, SM2 } from './curves.js';
import { type DerReader, encodeBitString, encodeElement, encodeObjectIdentifier, TAG } from './der.js';
import { type EcPublicKey, type KeyContainer, sealKey } from './types.js';

export const EC_PUBLIC_KEY_OID = '1.2.840.10045.2.1';
export const SM2_OID = SM2.oid;

/** Curves people commonly hold that no KMS key spec uses; named in the error so it is actionable. */
const UNSUPPORTED_CURVES: ReadonlyMap<string, string> = new Map([
  ['1.2.840.10045.3.1.1', 'prime192v1 (P-192)'],
  ['1.3.132.0.33', 'secp224r1 (P-224)'],
  ['1.3.132.0.34', 'secp384r1 (P-384)'],
  ['1.3.132.0.35', 'secp521r1 (P-521)'],
  ['1.3.36.3.3.2.8.1.1.7', 'brainpoolP256r1'],
  ['1.3.36.3.3.2.8.1.1.11', 'brainpoolP384r1'],
  ['1.3.36.3.3.2.8.1.1.13', 'brainpoolP512r1'],
]);

function supportedCurveList(): string {
  return [...EC_KEY_SPEC_BY_CURVE.values()]
    .map((spec) => `${spec.curve.opensslName} (${spec.name})`)
    .join(', ');
}

/**
 * ECParameters ::= CHOICE {
 *     namedCurve         OBJECT IDENTIFIER,
 *     implicitCurve      NULL,            -- refused: no curve at all
 *     specifiedCurve     SpecifiedECDomain -- refused: explicit parameters
 * }
 *
 * Called with the AlgorithmIdentifier reader positioned after id-ecPublicKey; consumes the parameters.
 */
export function namedCurveParameter(algorithm: DerReader): Curve {
  const tag = algorithm.peekTag();
  if (tag === undefined)
    algorithm.fail('parameters', 'id-ecPublicKey requires ECParameters, but they are absent');
  if (tag === TAG.SEQUENCE) {
    algorithm.next('parameters');
    throw new KeyUnsupportedError(
      `${algorithm.path}.parameters: explicit curve parameters are not supported; KMS keys name their curve (${supportedCurveList()})`,
    );
  }
  if (tag === TAG.NULL) {
    algorithm.null('parameters');
    throw new KeyUnsupportedError(`${algorithm.path}.parameters: implicitCurve (NULL) names no curve`);
  }
  const oid = algorithm.objectIdentifier('parameters');
  algorithm.finish();
  return curveByOid(oid, `${algorithm.path}.parameters`);
}

/**
 * The SM2-as-algorithm variant: AlgorithmIdentifier { 1.2.156.10197.1.301, parameters absent, NULL
 * or the same OID }. Anything else in the parameters is refused rather than second-guessed.
 */
export function sm2AlgorithmParameter(algorithm: DerReader): Curve {
  const tag = algorithm.peekTag();
  if (tag === TAG.NULL) algorithm.null('parameters');
  else if (tag !== undefined) {
    const oid = algorithm.objectIdentifier('parameters');
    if (oid !== SM2_OID)
      algorithm.fail('parameters', `SM2 algorithm with curve ${oid}; only the SM2 curve fits`);
  }
  algorithm.finish();
  return SM2;
}

function curveByOid(oid: string, where: string): Curve {
  const curve = CURVES_BY_OID.get(oid);
  if (curve !== undefined) return curve;
  const known = UNSUPPORTED_CURVES.get(oid);
  throw new KeyUnsupportedError(
    `${where}: curve ${known ?? oid} is not a KMS key spec (supported: ${supportedCurveList()})`,
  );
}

export function ecPublicKey(
  curve: Curve,
  encodedPoint: Uint8Array,
  path: string,
  container: KeyContainer,
): EcPublicKey {
  const spec = EC_KEY_SPEC_BY_CURVE.get(curve.name);
  if (spec === undefined) throw new KeyUnsupportedError(`${path}: curve ${curve.name} has no KMS key spec`);
  const point = decodePoint(curve, encodedPoint, `${path}.subjectPublicKey`);
  return sealKey({
    family: 'EC',
    keySpec: spec.name,
    curve: curve.name,
    point,
    container,
    spki: canonicalEcSpki(curve, point),
  });
}

function canonicalEcSpki(curve: Curve, uncompressedPoint: Uint8Array): Uint8Array {
  const algorithm = encodeElement(
    TAG.SEQUENCE,
    encodeObjectIdentifier(EC_PUBLIC_KEY_OID),
    encodeObjectIdentifier(curve.oid),
  );
  return encodeElement(TAG.SEQUENCE, algorithm, encodeBitString(uncompressedPoint));
}
