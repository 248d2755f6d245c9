/**
 * The encoding checks of RSA signature verification, on the encoded message EM that the RSA public
 * operation recovered from the signature: EMSA-PKCS1-v1_5 (RFC 8017 §9.2, compared as §8.2.2 step 4
 * does, by re-encoding) and EMSA-PSS-VERIFY (RFC 8017 §9.1.2) with MGF1 (§B.2.1), both for SHA-256.
 *
 * The hash is passed in, synchronous (node:crypto) or asynchronous (Web Crypto), so one exact
 * implementation serves every backend.
 */

export type Sha256 = (data: Uint8Array) => Uint8Array | Promise<Uint8Array>;

const HASH_LENGTH = 32;

/** DigestInfo for SHA-256 up to the digest (RFC 8017 §9.2 note 1), parameters NULL. */
const SHA256_DIGEST_INFO_PREFIX = new Uint8Array([
  0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04,
  0x20,
]);

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index++) difference |= (a[index] as number) ^ (b[index] as number);
  return difference === 0;
}

/** EM == 0x00 || 0x01 || PS (0xff, at least 8) || 0x00 || DigestInfo(SHA-256, digest). */
export function emsaPkcs1v15Matches(em: Uint8Array, digest: Uint8Array): boolean {
  const tLength = SHA256_DIGEST_INFO_PREFIX.length + HASH_LENGTH;
  const k = em.length;
  if (k < tLength + 11 || digest.length !== HASH_LENGTH) return false;
  const expected = new Uint8Array(k);
  expected[1] = 0x01;
  expected.fill(0xff, 2, k - tLength - 1);
  expected.set(SHA256_DIGEST_INFO_PREFIX, k - tLength);
  expected.set(digest, k - HASH_LENGTH);
  return equalBytes(em, expected);
}

function isPromise<Value>(value: Value | Promise<Value>): value is Promise<Value> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * Calls `next` with the value, at once when it is already there: a synchronous hash (node:crypto)
 * then takes no promise round trips, an asynchronous one (Web Crypto) is awaited.
 */
function then<Value, Result>(
  value: Value | Promise<Value>,
  next: (value: Value) => Result | Promise<Result>,
): Result | Promise<Result> {
  return isPromise(value) ? value.then(next) : next(value);
}

/** MGF1 (RFC 8017 §B.2.1): SHA-256(seed || counter) blocks, concatenated and cut to `length`. */
function mgf1(seed: Uint8Array, length: number, sha256: Sha256): Uint8Array | Promise<Uint8Array> {
  const blocks = Math.ceil(length / HASH_LENGTH);
  const hashes: (Uint8Array | Promise<Uint8Array>)[] = [];
  for (let counter = 0; counter < blocks; counter++) {
    const block = new Uint8Array(seed.length + 4);
    block.set(seed);
    new DataView(block.buffer).setUint32(seed.length, counter);
    hashes.push(sha256(block));
  }
  const assemble = (done: readonly Uint8Array[]) => {
    const mask = new Uint8Array(blocks * HASH_LENGTH);
    for (const [index, hash] of done.entries()) mask.set(hash, index * HASH_LENGTH);
    return mask.subarray(0, length);
  };
  return hashes.some(isPromise) ? Promise.all(hashes).then(assemble) : assemble(hashes as Uint8Array[]);
}

/**
 * EMSA-PSS-VERIFY for SHA-256 with MGF1-SHA-256 and a fixed salt length. `em` is the k-byte output
 * of the public operation; emBits = modBits - 1, so when modBits - 1 is a multiple of 8 the first
 * byte of the k bytes must be zero (RFC 8017 §8.1.2 step 2c).
 */
export function emsaPssMatches(
  recovered: Uint8Array,
  digest: Uint8Array,
  modulusBits: number,
  saltLength: number,
  sha256: Sha256,
): boolean | Promise<boolean> {
  const emBits = modulusBits - 1;
  const emLength = Math.ceil(emBits / 8);
  let em = recovered;
  if (em.length > emLength) {
    if (em[0] !== 0) return false;
    em = em.subarray(em.length - emLength);
  }
  if (digest.length !== HASH_LENGTH || emLength < HASH_LENGTH + saltLength + 2) return false;
  if (em[emLength - 1] !== 0xbc) return false;
  const dbLength = emLength - HASH_LENGTH - 1;
  const maskedDb = em.subarray(0, dbLength);
  const h = em.subarray(dbLength, dbLength + HASH_LENGTH);
  const unusedBits = 8 * emLength - emBits;
  const topMask = 0xff >>> unusedBits;
  if (((maskedDb[0] as number) & ~topMask & 0xff) !== 0) return false;
  return then(mgf1(h, dbLength, sha256), (db) => {
    for (let index = 0; index < dbLength; index++)
      db[index] = (db[index] as number) ^ (maskedDb[index] as number);
    db[0] = (db[0] as number) & topMask;
    const paddingLength = dbLength - saltLength - 1;
    for (let index = 0; index < paddingLength; index++) if (db[index] !== 0) return false;
    if (db[paddingLength] !== 0x01) return false;
    const mPrime = new Uint8Array(8 + HASH_LENGTH + saltLength);
    mPrime.set(digest, 8);
    mPrime.set(db.subarray(dbLength - saltLength), 8 + HASH_LENGTH);
    return then(sha256(mPrime), (hPrime) => equalBytes(h, hPrime));
  });
}
