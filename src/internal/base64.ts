/**
 * Strict base64 (RFC 4648 §4, standard alphabet) for the edges of the library: PEM bodies, key
 * bundles, records. ASCII whitespace between characters is ignored, because PEM wraps lines;
 * anything else outside the alphabet, misplaced padding, a length that is not a multiple of four,
 * or non-zero bits in the final padding position is refused, so every byte string has exactly one
 * accepted encoding (apart from whitespace).
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const NOT_BASE64 = 0xff;
const WHITESPACE = 0xfe;
const PADDING = 0xfd;

const DECODE_TABLE = (() => {
  const table = new Uint8Array(128).fill(NOT_BASE64);
  for (let index = 0; index < ALPHABET.length; index++) table[ALPHABET.charCodeAt(index)] = index;
  for (const char of ' \t\r\n\f\v') table[char.charCodeAt(0)] = WHITESPACE;
  table['='.charCodeAt(0)] = PADDING;
  return table;
})();

/** Thrown by `base64ToBytes`; callers wrap it in the typed error that fits their input. */
export class Base64SyntaxError extends Error {
  override name = 'Base64SyntaxError';
}

function describeChar(code: number): string {
  return code >= 0x21 && code <= 0x7e
    ? `'${String.fromCharCode(code)}'`
    : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

export function base64ToBytes(text: string): Uint8Array {
  // Sextets are collected first so the output size is known exactly and no hostile input can make
  // us allocate more than three quarters of its own length.
  const sextets = new Uint8Array(text.length);
  let count = 0;
  let padding = 0;
  for (let position = 0; position < text.length; position++) {
    const code = text.charCodeAt(position);
    const value = code < 128 ? (DECODE_TABLE[code] as number) : NOT_BASE64;
    if (value === WHITESPACE) continue;
    if (value === NOT_BASE64) {
      throw new Base64SyntaxError(`invalid base64 character ${describeChar(code)} at position ${position}`);
    }
    if (value === PADDING) {
      padding++;
      if (padding > 2) throw new Base64SyntaxError(`too much base64 padding at position ${position}`);
      continue;
    }
    if (padding > 0) throw new Base64SyntaxError(`base64 data after padding at position ${position}`);
    sextets[count++] = value;
  }
  if (count === 0 && padding === 0) return new Uint8Array(0);
  if ((count + padding) % 4 !== 0) {
    throw new Base64SyntaxError(`base64 length ${count + padding} is not a multiple of 4`);
  }
  // With padding only at the end and at most two '=', a total that is a multiple of four leaves
  // exactly the valid shapes: no padding after a full group, '==' after two, '=' after three.
  const remainder = count % 4;
  const out = new Uint8Array(((count - remainder) / 4) * 3 + (remainder === 0 ? 0 : remainder - 1));
  let outIndex = 0;
  let index = 0;
  for (; index + 4 <= count; index += 4) {
    const group =
      ((sextets[index] as number) << 18) |
      ((sextets[index + 1] as number) << 12) |
      ((sextets[index + 2] as number) << 6) |
      (sextets[index + 3] as number);
    out[outIndex++] = group >>> 16;
    out[outIndex++] = (group >>> 8) & 0xff;
    out[outIndex++] = group & 0xff;
  }
  if (remainder === 2) {
    const first = sextets[index] as number;
    const second = sextets[index + 1] as number;
    if ((second & 0x0f) !== 0) throw new Base64SyntaxError('non-zero bits in the final base64 character');
    out[outIndex] = (first << 2) | (second >> 4);
  } else if (remainder === 3) {
    const first = sextets[index] as number;
    const second = sextets[index + 1] as number;
    const third = sextets[index + 2] as number;
    if ((third & 0x03) !== 0) throw new Base64SyntaxError('non-zero bits in the final base64 character');
    out[outIndex++] = (first << 2) | (second >> 4);
    out[outIndex] = ((second & 0x0f) << 4) | (third >> 2);
  }
  return out;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let out = '';
  let index = 0;
  for (; index + 3 <= bytes.length; index += 3) {
    const group =
      ((bytes[index] as number) << 16) | ((bytes[index + 1] as number) << 8) | (bytes[index + 2] as number);
    out +=
      ALPHABET[group >>> 18]! +
      ALPHABET[(group >>> 12) & 63]! +
      ALPHABET[(group >>> 6) & 63]! +
      ALPHABET[group & 63]!;
  }
  const rest = bytes.length - index;
  if (rest === 1) {
    const group = (bytes[index] as number) << 16;
    out += `${ALPHABET[group >>> 18]!}${ALPHABET[(group >>> 12) & 63]!}==`;
  } else if (rest === 2) {
    const group = ((bytes[index] as number) << 16) | ((bytes[index + 1] as number) << 8);
    out += `${ALPHABET[group >>> 18]!}${ALPHABET[(group >>> 12) & 63]!}${ALPHABET[(group >>> 6) & 63]!}=`;
  }
  return out;
}
