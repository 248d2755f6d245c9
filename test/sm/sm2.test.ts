/**
 * SM2 signature hashing and verification against the worked example that uses the recommended
 * curve: GM/T 0003.5-2012 Appendix A (signature on "message digest" with user ID
 * 1234567812345678). Every intermediate value the example publishes is checked: the public point
 * d*G, e = SM3(Z_A || M), k*G, and the verdict on (r, s) in message and digest mode.
 */

import { describe, expect, it } from 'vitest';
import { CurveArithmetic, INFINITY } from '../../src/ec/arithmetic.js';
import { parsePublicKey, verify } from '../../src/index.js';
import { SM2 } from '../../src/keys/curves.js';
import { verify as nodeVerify } from '../../src/node/index.js';
import { DEFAULT_SM2_USER_ID, sm2Digest, sm2Z } from '../../src/sm/sm2.js';
import { bigToBytes, bitString, ecSpki, hex, OIDS, seq, uint } from '../helpers/der-builder.js';

const value = (text: string) => BigInt(`0x${text.replace(/\s/g, '')}`);

const EXAMPLE = {
  d: value('3945208F 7B2144B1 3F36E38A C6D39F95 88939369 2860B51A 42FB81EF 4DF7C5B8'),
  x: value('09F9DF31 1E5421A1 50DD7D16 1E4BC5C6 72179FAD 1833FC07 6BB08FF3 56F35020'),
  y: value('CCEA490C E26775A5 2DC6EA71 8CC1AA60 0AED05FB F35E084A 6632F607 2DA9AD13'),
  message: new TextEncoder().encode('message digest'),
  e: 'f0b43e94ba45accaace692ed534382eb17e6ab5a19ce7b31f4486fdfc0d28640',
  k: value('59276E27 D506861A 16680F3A D9C02DCC EF3CC1FA 3CDBE4CE 6D54B80D EAC1BC21'),
  kx: value('04EBFC71 8E8D1798 62043226 8E77FEB6 415E2EDE 0E073C0F 4F640ECD 2E149A73'),
  r: value('F5A03B06 48D2C463 0EEAC513 E1BB81A1 5944DA38 27D5B741 43AC7EAC EEE720B3'),
  s: value('B1B6AA29 DF212FD8 763182BC 0D421CA1 BB9038FD 1F7F42D4 840B69C4 85BBC1AA'),
};

const point = new Uint8Array([0x04, ...bigToBytes(EXAMPLE.x, 32), ...bigToBytes(EXAMPLE.y, 32)]);
const key = parsePublicKey(ecSpki(OIDS.sm2, point));
const signature = seq(uint(bigToBytes(EXAMPLE.r, 32)), uint(bigToBytes(EXAMPLE.s, 32)));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('GM/T 0003.5-2012 Appendix A: SM2 signature on the recommended curve', () => {
  const arithmetic = new CurveArithmetic(SM2);

  it('the public key is d*G', () => {
    const computed = arithmetic.toAffine(
      arithmetic.addMultipleFromTable(INFINITY, arithmetic.generator(), EXAMPLE.d),
    );
    expect(computed).toEqual({ x: EXAMPLE.x, y: EXAMPLE.y });
  });

  it('k*G has the published x1, and r = (e + x1) mod n', () => {
    const kG = arithmetic.toAffine(arithmetic.multiply({ x: SM2.gx, y: SM2.gy }, EXAMPLE.k));
    expect(kG?.x).toBe(EXAMPLE.kx);
    expect((BigInt(`0x${EXAMPLE.e}`) + EXAMPLE.kx) % SM2.n).toBe(EXAMPLE.r);
  });

  it('e = SM3(Z_A || M) with the default user ID', () => {
    expect(toHex(sm2Digest(sm2Z(point, DEFAULT_SM2_USER_ID), EXAMPLE.message))).toBe(EXAMPLE.e);
  });

  it.each([
    ['core', verify],
    ['node', nodeVerify],
  ] as const)(
    '(r, s) verifies on the %s backend, in message and digest mode, and nothing else does',
    async (_name, check) => {
      const base = { key, algorithm: 'SM2DSA' } as const;
      expect(await check({ ...base, message: EXAMPLE.message, signature })).toBe(true);
      expect(await check({ ...base, digest: hex(EXAMPLE.e), signature })).toBe(true);
      expect(await check({ ...base, message: new TextEncoder().encode('message digesT'), signature })).toBe(
        false,
      );
      expect(
        await check({ ...base, message: EXAMPLE.message, signature, userId: 'ALICE123@YAHOO.COM' }),
      ).toBe(false);
      const flipped = seq(uint(bigToBytes(EXAMPLE.r, 32)), uint(bigToBytes(EXAMPLE.s ^ 1n, 32)));
      expect(await check({ ...base, message: EXAMPLE.message, signature: flipped })).toBe(false);
    },
  );

  it('the key parses from the SM2-as-algorithm SPKI form too', () => {
    const alternative = seq(seq(...[hex('06082a811ccf5501822d')]), bitString(point));
    expect(parsePublicKey(alternative).spki).toEqual(key.spki);
  });
});
