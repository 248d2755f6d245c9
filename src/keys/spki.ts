/**
 * SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) and the table that sends each algorithm OID to the code
 * that understands its parameters and key bits.
 *
 * SubjectPublicKeyInfo ::= SEQUENCE {
 *     algorithm            AlgorithmIdentifier,
 *     subjectPublicKey     BIT STRING
 * }
 * AlgorithmIdentifier ::= SEQUENCE {
 *     algorithm            OBJECT IDENTIFIER,
 *     parameters           ANY DEFINED BY algorithm OPTIONAL
 * }
 */

import { KeyUnsupportedError } from '../errors.js';
import type { DerReader } from './der.js';
import { EC_PUBLIC_KEY_OID, ecPublicKey, namedCurveParameter, SM2_OID, sm2AlgorithmParameter } from './ec.js';
import {
  decodeRsaPssParameters,
  decodeRsaPublicKey,
  RSA_ENCRYPTION_OID,
  RSASSA_PSS_OID,
  requireNullParameters,
} from './rsa.js';
import type { KeyContainer, KmsPublicKey } from './types.js';

/**
 * Reads the parameters from `algorithm` (positioned after the OID, and must consume them) and
 * builds the key from the BIT STRING contents.
 */
type SpkiAlgorithm = (
  algorithm: DerReader,
  keyBits: Uint8Array,
  path: string,
  container: KeyContainer,
) => KmsPublicKey;

const SPKI_ALGORITHMS: ReadonlyMap<string, SpkiAlgorithm> = new Map<string, SpkiAlgorithm>([
  [
    RSA_ENCRYPTION_OID,
    (algorithm, keyBits, path, container) => {
      requireNullParameters(algorithm);
      algorithm.finish();
      return decodeRsaPublicKey(keyBits, `${path}.subjectPublicKey`, {
        container,
        pssOnly: false,
        pssParameters: null,
      });
    },
  ],
  [
    RSASSA_PSS_OID,
    (algorithm, keyBits, path, container) => {
      const pssParameters = decodeRsaPssParameters(algorithm);
      algorithm.finish();
      return decodeRsaPublicKey(keyBits, `${path}.subjectPublicKey`, {
        container,
        pssOnly: true,
        pssParameters,
      });
    },
  ],
  [
    EC_PUBLIC_KEY_OID,
    (algorithm, keyBits, path, container) =>
      ecPublicKey(namedCurveParameter(algorithm), keyBits, path, container),
  ],
  [
    SM2_OID,
    (algorithm, keyBits, path, container) =>
      ecPublicKey(sm2AlgorithmParameter(algorithm), keyBits, path, container),
  ],
]);

/** Algorithms people hold that KMS does not issue, named so the error is actionable. */
const UNSUPPORTED_ALGORITHMS: ReadonlyMap<string, string> = new Map([
  ['1.3.101.110', 'X25519'],
  ['1.3.101.111', 'X448'],
  ['1.3.101.112', 'Ed25519'],
  ['1.3.101.113', 'Ed448'],
  ['1.2.840.10040.4.1', 'DSA'],
  ['1.2.840.10046.2.1', 'Diffie-Hellman'],
  ['1.2.840.113549.1.3.1', 'PKCS#3 Diffie-Hellman'],
  ['1.2.840.113549.1.1.7', 'RSAES-OAEP'],
]);

/** Decodes the content of a SubjectPublicKeyInfo SEQUENCE (the reader is over its content). */
export function decodeSubjectPublicKeyInfo(spki: DerReader, container: KeyContainer): KmsPublicKey {
  const algorithm = spki.sequence('algorithm');
  const oid = algorithm.objectIdentifier('algorithm');
  // Read the key bits first so framing errors anywhere in the SPKI are reported before semantics.
  const keyBits = spki.octetAlignedBitString('subjectPublicKey');
  spki.finish();
  const decode = SPKI_ALGORITHMS.get(oid);
  if (decode === undefined) {
    const name = UNSUPPORTED_ALGORITHMS.get(oid);
    throw new KeyUnsupportedError(
      `${algorithm.path}: public-key algorithm ${name === undefined ? oid : `${name} (${oid})`} is not a KMS key type (RSA, EC)`,
    );
  }
  return decode(algorithm, keyBits, spki.path, container);
}
