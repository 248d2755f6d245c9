/** Key bundles: valid shapes pass, every malformed entry is named in a BundleFormatError. */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BundleFormatError, parseKeyBundle, parsePublicKey } from '../../src/index.js';

const sampleText = readFileSync(new URL('../../vectors/sample/keys.json', import.meta.url), 'utf8');

describe('parseKeyBundle', () => {
  it('reads the shipped sample: one key of every KMS key spec', () => {
    const bundle = parseKeyBundle(sampleText);
    expect(bundle.map((entry) => parsePublicKey(entry.PublicKey).keySpec)).toEqual([
      'RSA_2048',
      'RSA_3072',
      'EC_P256',
      'EC_P256K',
      'EC_SM2',
    ]);
    expect(Object.isFrozen(bundle)).toBe(true);
    expect(Object.isFrozen(bundle[0])).toBe(true);
    expect(bundle[0]?.RequestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('accepts parsed values, ignores unknown fields, and RequestId is optional', () => {
    const bundle = parseKeyBundle([{ KeyId: 'k', KeyVersionId: 'v', PublicKey: 'p', Extra: 1 }]);
    expect(bundle).toEqual([{ KeyId: 'k', KeyVersionId: 'v', PublicKey: 'p' }]);
  });

  const entry = { KeyId: 'k', KeyVersionId: 'v', PublicKey: 'p', RequestId: 'r' };
  it.each([
    ['not JSON', '[{', 'not valid JSON'],
    ['an object instead of an array', { entries: [] }, 'found an object'],
    ['null', null, 'found null'],
    ['an entry that is a string', ['x'], 'entry 0: expected an object, found a string'],
    ['an entry that is an array', [[]], 'entry 0: expected an object, found an array'],
    [
      'a missing KeyId',
      [entry, { KeyVersionId: 'v', PublicKey: 'p' }],
      'entry 1: KeyId must be a non-empty string',
    ],
    [
      'an empty KeyVersionId',
      [{ ...entry, KeyVersionId: '' }],
      'KeyVersionId must be a non-empty string, found an empty string',
    ],
    [
      'a numeric PublicKey',
      [{ ...entry, PublicKey: 5 }],
      'PublicKey must be a non-empty string, found a number',
    ],
    ['a non-string RequestId', [{ ...entry, RequestId: {} }], 'RequestId must be a string'],
    [
      'KeyId inherited from the prototype',
      [Object.create({ KeyId: 'k' })],
      'KeyId must be a non-empty string',
    ],
    ['a repeated key version', [entry, { ...entry }], 'entry 1: KeyId k version v repeats entry 0'],
  ])('%s', (_name, input, fragment) => {
    expect(() => parseKeyBundle(input)).toThrow(BundleFormatError);
    expect(() => parseKeyBundle(input)).toThrow(fragment);
  });
});
