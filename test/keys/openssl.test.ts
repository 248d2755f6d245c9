/**
 * parsePublicKey against OpenSSL, in both directions:
 *
 * - what OpenSSL 3.0 reported when it made the committed vectors (`public.txt`, `compressed.txt`,
 *   `other/*.txt`, see vectors/keys/README.md) is what we parse from every encoding of the key;
 * - live, the OpenSSL on PATH reads the canonical SPKI we emit and reports the same key, and its
 *   curve tables agree with src/keys/curves.ts. Without `openssl` the live part is skipped loudly.
 */

import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KeyUnsupportedError,
  type KmsPublicKey,
  KmsVerifyError,
  parsePublicKey,
  publicKeyFingerprint,
} from '../../src/index.js';
import { type Curve, isOnCurve, P256, SECP256K1, SM2 } from '../../src/keys/curves.js';
import {
  findOpenssl,
  type OpensslPublicKeyText,
  parseOpensslCurveText,
  parseOpensslPublicKeyText,
  runOpenssl,
  runOpensslText,
  warnOpensslMissing,
} from '../helpers/openssl-text.js';
import {
  bytesToBigInt,
  readKeyVector,
  readKeyVectorText,
  SPEC_FOLDERS,
  stripLeadingZeros,
  toHex,
} from '../helpers/vectors.js';

/** OpenSSL's `ASN1 OID` curve name -> what parsePublicKey reports. */
const EC_BY_OPENSSL_NAME: ReadonlyMap<string, { keySpec: string; curve: string }> = new Map([
  ['prime256v1', { keySpec: 'EC_P256', curve: 'P-256' }],
  ['secp256k1', { keySpec: 'EC_P256K', curve: 'secp256k1' }],
  ['SM2', { keySpec: 'EC_SM2', curve: 'SM2' }],
]);

/** DER of AlgorithmIdentifier { rsaEncryption, NULL }, which starts every canonical RSA SPKI body. */
const RSA_ENCRYPTION_ALGORITHM = '300d06092a864886f70d0101010500';

/** Asserts that `key` is the key OpenSSL described in `text`, field by field. */
function expectKeyMatchesOpenssl(key: KmsPublicKey, text: OpensslPublicKeyText): void {
  if (text.kind === 'RSA') {
    expect(key.family).toBe('RSA');
    if (key.family !== 'RSA') return;
    expect(key.keySpec).toBe(`RSA_${text.bits}`);
    expect(key.modulusBits).toBe(text.bits);
    expect(toHex(key.modulus)).toBe(toHex(text.modulus));
    expect(key.modulus[0]).not.toBe(0);
    expect(bytesToBigInt(key.publicExponent)).toBe(text.exponent);
    expect(stripLeadingZeros(key.publicExponent)).toHaveLength(key.publicExponent.length);
  } else if (text.kind === 'EC') {
    expect(key.family).toBe('EC');
    if (key.family !== 'EC') return;
    const expected = EC_BY_OPENSSL_NAME.get(text.curveName);
    expect(expected, `curve ${text.curveName}`).toBeDefined();
    expect(key.keySpec).toBe(expected?.keySpec);
    expect(key.curve).toBe(expected?.curve);
    expect(text.bits).toBe(256);
    expect(text.pub).toHaveLength(65);
    expect(toHex(key.point)).toBe(toHex(text.pub));
  } else {
    expect.unreachable(`OpenSSL describes a ${text.algorithm} key, which must not parse`);
  }
}

/** The typed error parsePublicKey throws for `input`; fails the test when it parses or throws anything else. */
function parseError(input: string | Uint8Array): KmsVerifyError {
  try {
    parsePublicKey(input);
  } catch (error) {
    if (error instanceof KmsVerifyError) return error;
    throw error;
  }
  return expect.unreachable('parsed, but an error was expected');
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe.each(SPEC_FOLDERS)('vectors/keys/$spec against the committed OpenSSL text', (folder) => {
  const opensslText = parseOpensslPublicKeyText(readKeyVectorText(`${folder.spec}/public.txt`));
  const publicDer = readKeyVector(`${folder.spec}/public.der`);

  it('public.txt describes the key spec the folder is named for', () => {
    expect(opensslText.kind).toBe(folder.family);
    if (opensslText.kind === 'RSA') expect(`RSA_${opensslText.bits}`).toBe(folder.spec);
    if (opensslText.kind === 'EC')
      expect(EC_BY_OPENSSL_NAME.get(opensslText.curveName)?.keySpec).toBe(folder.spec);
  });

  it.each(folder.encodings)('$name: fields equal public.txt, container $container', (encoding) => {
    const key = parsePublicKey(encoding.read());
    expectKeyMatchesOpenssl(key, opensslText);
    expect(key.keySpec).toBe(folder.spec);
    expect(key.container).toBe(encoding.container);
    expect(Object.isFrozen(key)).toBe(true);
    if (key.family === 'RSA') {
      expect(key.pssOnly).toBe(false);
      expect(key.pssParameters).toBeNull();
    }
  });

  it('every encoding yields byte-identical spki and the same fingerprint', async () => {
    const expectedFingerprint = sha256Hex(publicDer);
    for (const encoding of folder.encodings) {
      const key = parsePublicKey(encoding.read());
      expect(toHex(key.spki), encoding.name).toBe(toHex(publicDer));
      expect(await publicKeyFingerprint(key), encoding.name).toBe(expectedFingerprint);
      expect(await publicKeyFingerprint(encoding.read()), encoding.name).toBe(expectedFingerprint);
    }
  });

  it('the canonical spki of public.pem is public.der byte for byte (KMS input round-trips exactly)', () => {
    const key = parsePublicKey(readKeyVectorText(`${folder.spec}/public.pem`));
    expect(key.spki).toEqual(publicDer);
    if (folder.family === 'RSA')
      expect(toHex(key.spki).slice(8, 8 + RSA_ENCRYPTION_ALGORITHM.length)).toBe(RSA_ENCRYPTION_ALGORITHM);
  });

  // EC only: RSA folders have no compressed or explicit form.
  if (folder.family === 'EC') {
    it('compressed.txt is the compressed form of the point we parse', () => {
      const compressed = parseOpensslPublicKeyText(readKeyVectorText(`${folder.spec}/compressed.txt`));
      const key = parsePublicKey(readKeyVectorText(`${folder.spec}/compressed.pem`));
      if (compressed.kind !== 'EC' || key.family !== 'EC') return expect.unreachable('not an EC key');
      expect(compressed.curveName).toBe(opensslText.kind === 'EC' ? opensslText.curveName : undefined);
      expect(compressed.pub).toHaveLength(33);
      const yIsOdd = ((key.point[64] as number) & 1) === 1;
      expect(compressed.pub[0]).toBe(yIsOdd ? 0x03 : 0x02);
      expect(toHex(compressed.pub.subarray(1))).toBe(toHex(key.point.subarray(1, 33)));
    });

    it('explicit.pem (explicit curve parameters) is ERR_KEY_UNSUPPORTED', () => {
      const error = parseError(readKeyVectorText(`${folder.spec}/explicit.pem`));
      expect(error).toBeInstanceOf(KeyUnsupportedError);
      expect(error.code).toBe('ERR_KEY_UNSUPPORTED');
      expect(error.message).toMatch(/explicit curve parameters/);
    });
  }
});

describe('vectors/keys/other: valid keys that are accepted', () => {
  it('rsa-2048-e3 parses as RSA_2048 with public exponent 3', () => {
    const text = parseOpensslPublicKeyText(readKeyVectorText('other/rsa-2048-e3.txt'));
    const key = parsePublicKey(readKeyVectorText('other/rsa-2048-e3.pem'));
    expectKeyMatchesOpenssl(key, text);
    if (key.family !== 'RSA' || text.kind !== 'RSA') return expect.unreachable('not RSA');
    expect(text.exponent).toBe(3n);
    expect([...key.publicExponent]).toEqual([3]);
    expect(key.keySpec).toBe('RSA_2048');
    expect(key.container).toBe('spki');
    expect(key.pssOnly).toBe(false);
    expect(key.pssParameters).toBeNull();
  });

  it('rsa-pss-2048 (id-RSASSA-PSS, no parameters) parses with pssOnly and no parameters', () => {
    const text = parseOpensslPublicKeyText(readKeyVectorText('other/rsa-pss-2048.txt'));
    const key = parsePublicKey(readKeyVectorText('other/rsa-pss-2048.pem'));
    expectKeyMatchesOpenssl(key, text);
    if (key.family !== 'RSA' || text.kind !== 'RSA') return expect.unreachable('not RSA');
    expect(text.pss).toBe('none');
    expect(key.keySpec).toBe('RSA_2048');
    expect(key.pssOnly).toBe(true);
    expect(key.pssParameters).toBeNull();
    // The canonical SPKI is the rsaEncryption form, not the PSS one it came as.
    expect(toHex(key.spki).slice(8, 8 + RSA_ENCRYPTION_ALGORITHM.length)).toBe(RSA_ENCRYPTION_ALGORITHM);
  });

  it('rsa-pss-2048-sha256 parses with the restrictions OpenSSL printed', () => {
    const text = parseOpensslPublicKeyText(readKeyVectorText('other/rsa-pss-2048-sha256.txt'));
    const key = parsePublicKey(readKeyVectorText('other/rsa-pss-2048-sha256.pem'));
    expectKeyMatchesOpenssl(key, text);
    if (key.family !== 'RSA' || text.kind !== 'RSA') return expect.unreachable('not RSA');
    expect(text.pss).toEqual({ hash: 'SHA2-256', mask: 'MGF1 with SHA2-256', minimumSaltLength: 32 });
    expect(key.pssOnly).toBe(true);
    expect(key.pssParameters).toEqual({ hash: 'SHA-256', mgf1Hash: 'SHA-256', saltLength: 32 });
    expect(Object.isFrozen(key.pssParameters)).toBe(true);
    expect(toHex(key.spki).slice(8, 8 + RSA_ENCRYPTION_ALGORITHM.length)).toBe(RSA_ENCRYPTION_ALGORITHM);
  });
});

/** Valid keys that are not KMS key specs; the message must name what makes them unsupported. */
const UNSUPPORTED_OTHER_KEYS = ['rsa-1024', 'rsa-2047', 'rsa-4096', 'p384', 'ed25519', 'x25519'] as const;

describe('vectors/keys/other: valid keys that are not KMS key specs', () => {
  it.each(UNSUPPORTED_OTHER_KEYS)(
    '%s is ERR_KEY_UNSUPPORTED, naming its size, curve or algorithm',
    (name) => {
      const text = parseOpensslPublicKeyText(readKeyVectorText(`other/${name}.txt`));
      const error = parseError(readKeyVectorText(`other/${name}.pem`));
      expect(error).toBeInstanceOf(KeyUnsupportedError);
      expect(error.code).toBe('ERR_KEY_UNSUPPORTED');
      const named =
        text.kind === 'RSA'
          ? new RegExp(`\\b${text.bits}(?: bits|-bit)`)
          : text.kind === 'EC'
            ? new RegExp(`\\b${text.curveName}\\b`)
            : new RegExp(`\\b${text.algorithm}\\b`, 'i');
      expect(error.message).toMatch(named);
    },
  );

  it('the .txt files describe what vectors/keys/README.md says they are', () => {
    const described = UNSUPPORTED_OTHER_KEYS.map((name) => {
      const text = parseOpensslPublicKeyText(readKeyVectorText(`other/${name}.txt`));
      return text.kind === 'RSA'
        ? `RSA ${text.bits}`
        : text.kind === 'EC'
          ? `EC ${text.curveName}`
          : text.algorithm;
    });
    expect(described).toEqual(['RSA 1024', 'RSA 2047', 'RSA 4096', 'EC secp384r1', 'ED25519', 'X25519']);
  });
});

const openssl = findOpenssl();
if (!openssl.available) warnOpensslMissing('test/keys/openssl.test.ts', openssl.detail);

/** Every accepted vector: each encoding of each spec folder, and the accepted other/ keys. */
const LIVE_CASES: readonly { name: string; read: () => string | Uint8Array }[] = [
  ...SPEC_FOLDERS.flatMap((folder) =>
    folder.encodings.map((encoding) => ({
      name: `${folder.spec}/${encoding.name}`,
      read: () => encoding.read() as string | Uint8Array,
    })),
  ),
  ...['rsa-2048-e3', 'rsa-pss-2048', 'rsa-pss-2048-sha256'].map((name) => ({
    name: `other/${name}.pem`,
    read: () => readKeyVectorText(`other/${name}.pem`),
  })),
];

describe.skipIf(!openssl.available)(`live OpenSSL (${openssl.detail}) reads the SPKI we emit`, () => {
  let directory = '';
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'kms-verify-openssl-'));
  });
  afterAll(() => {
    if (directory !== '') rmSync(directory, { recursive: true, force: true });
  });

  it.each(LIVE_CASES)('$name', ({ name, read }) => {
    const key = parsePublicKey(read());
    const file = join(directory, `${name.replace(/[^A-Za-z0-9.-]+/g, '_')}.spki.der`);
    writeFileSync(file, key.spki);
    const text = parseOpensslPublicKeyText(
      runOpensslText(['pkey', '-pubin', '-inform', 'DER', '-in', file, '-text', '-noout']),
    );
    expectKeyMatchesOpenssl(key, text);
    // Our canonical SPKI is plain rsaEncryption even for PSS keys, so OpenSSL prints no PSS lines.
    if (text.kind === 'RSA') expect(text.pss).toBeNull();
    // OpenSSL re-encodes it to the same bytes: we emit the DER OpenSSL itself would write.
    const reencoded = runOpenssl(['pkey', '-pubin', '-inform', 'DER', '-in', file, '-outform', 'DER']);
    expect(toHex(reencoded)).toBe(toHex(key.spki));
  });
});

const CURVES: readonly Curve[] = [P256, SECP256K1, SM2];

describe('src/keys/curves.ts', () => {
  it.each(CURVES)('$name: the generator is on the curve and n, p are odd 256-bit numbers', (curve) => {
    expect(isOnCurve(curve, curve.gx, curve.gy)).toBe(true);
    expect(curve.p.toString(2)).toHaveLength(256);
    expect(curve.n.toString(2)).toHaveLength(256);
    expect(curve.p % 4n).toBe(3n);
    expect(curve.size).toBe(32);
  });
});

describe.skipIf(!openssl.available)('src/keys/curves.ts against live `openssl ecparam`', () => {
  it.each(CURVES)('$name ($opensslName): p, a, b, n, gx, gy and cofactor 1', (curve) => {
    const expected = parseOpensslCurveText(
      runOpensslText(['ecparam', '-name', curve.opensslName, '-param_enc', 'explicit', '-text', '-noout']),
    );
    expect({
      p: curve.p,
      a: curve.a,
      b: curve.b,
      n: curve.n,
      gx: curve.gx,
      gy: curve.gy,
      cofactor: 1n,
    }).toEqual(expected);
  });

  it.each(CURVES)('$name: OpenSSL names the curve by OID $oid', (curve) => {
    // `ecparam -outform DER` with a named curve is just the curve OID.
    const der = runOpenssl(['ecparam', '-name', curve.opensslName, '-outform', 'DER']);
    expect(der[0]).toBe(0x06);
    expect(der).toHaveLength(2 + (der[1] as number));
    expect(oidToString(der.subarray(2, 2 + (der[1] as number)))).toBe(curve.oid);
  });
});

/** Decodes the contents of a DER OBJECT IDENTIFIER (independently of src/keys/der.ts). */
function oidToString(contents: Uint8Array): string {
  const arcs: bigint[] = [];
  let value = 0n;
  for (const byte of contents) {
    value = (value << 7n) | BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0n;
    }
  }
  const first = arcs.shift() ?? 0n;
  const head = first < 80n ? [first / 40n, first % 40n] : [2n, first - 80n];
  return [...head, ...arcs].join('.');
}
