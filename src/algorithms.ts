/**
 * The registry: every KMS key spec this library knows, as frozen descriptors. Code downstream
 * receives a descriptor and reads its fields; it does not branch on key-spec strings.
 *
 * Alibaba Cloud KMS asymmetric key specs: RSA_2048, RSA_3072, EC_P256 (NIST P-256), EC_P256K
 * (secp256k1) and EC_SM2 (GB/T 32918 curve). Signing and encryption algorithms join this table as
 * they are implemented.
 */

import { type Curve, type CurveName, P256, SECP256K1, SM2 } from './keys/curves.js';

export type RsaKeySpec = 'RSA_2048' | 'RSA_3072';
export type EcKeySpec = 'EC_P256' | 'EC_P256K' | 'EC_SM2';
export type KeySpec = RsaKeySpec | EcKeySpec;

export interface RsaKeySpecDescriptor {
  readonly name: RsaKeySpec;
  readonly family: 'RSA';
  readonly modulusBits: number;
}

export interface EcKeySpecDescriptor {
  readonly name: EcKeySpec;
  readonly family: 'EC';
  readonly curve: Curve;
}

export type KeySpecDescriptor = RsaKeySpecDescriptor | EcKeySpecDescriptor;

const RSA_SPECS: readonly RsaKeySpecDescriptor[] = [
  Object.freeze({ name: 'RSA_2048', family: 'RSA', modulusBits: 2048 }),
  Object.freeze({ name: 'RSA_3072', family: 'RSA', modulusBits: 3072 }),
];

const EC_SPECS: readonly EcKeySpecDescriptor[] = [
  Object.freeze({ name: 'EC_P256', family: 'EC', curve: P256 }),
  Object.freeze({ name: 'EC_P256K', family: 'EC', curve: SECP256K1 }),
  Object.freeze({ name: 'EC_SM2', family: 'EC', curve: SM2 }),
];

export const KEY_SPECS: ReadonlyMap<KeySpec, KeySpecDescriptor> = new Map<KeySpec, KeySpecDescriptor>(
  [...RSA_SPECS, ...EC_SPECS].map((spec) => [spec.name, spec]),
);

export const RSA_KEY_SPEC_BY_BITS: ReadonlyMap<number, RsaKeySpecDescriptor> = new Map(
  RSA_SPECS.map((spec) => [spec.modulusBits, spec]),
);

export const EC_KEY_SPEC_BY_CURVE: ReadonlyMap<CurveName, EcKeySpecDescriptor> = new Map(
  EC_SPECS.map((spec) => [spec.curve.name, spec]),
);

/** The smallest RSA modulus any supported key spec has; anything below is refused outright. */
export const MIN_RSA_MODULUS_BITS = Math.min(...RSA_SPECS.map((spec) => spec.modulusBits));
