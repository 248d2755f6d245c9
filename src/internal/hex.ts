/** Lower-case hexadecimal of bytes, for fingerprints and diagnostics. */

const HEX_DIGITS = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += HEX_DIGITS[byte];
  return out;
}

/** Big-endian unsigned bytes to a BigInt. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${toHex(bytes)}`);
}

/** A non-negative BigInt to exactly `length` big-endian bytes; the caller guarantees it fits. */
export function bigIntToBytes(value: bigint, length: number): Uint8Array {
  const digits = value.toString(16).padStart(length * 2, '0');
  const out = new Uint8Array(length);
  for (let index = 0; index < length; index++) {
    out[index] = Number.parseInt(digits.slice(index * 2, index * 2 + 2), 16);
  }
  return out;
}
