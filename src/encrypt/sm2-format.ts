/**
 * The SM2PKE ciphertext encodings (see sm2.ts for each layout). Kept apart from the SM2 code so that
 * checking encrypt()'s options, and the CLI's, does not load SM2 and SM3.
 */

export type Sm2CiphertextFormat = 'c1c3c2' | 'c1c2c3' | 'asn1';

export const SM2_CIPHERTEXT_FORMATS: ReadonlySet<string> = new Set<Sm2CiphertextFormat>([
  'c1c3c2',
  'c1c2c3',
  'asn1',
]);
