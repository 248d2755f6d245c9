/**
 * SM3, the Chinese national hash function (GB/T 32905-2016; also ISO/IEC 10118-3:2018): 256-bit
 * output, Merkle-Damgård over 64-byte blocks with SHA-256-style padding (§5.2), message expansion
 * to 68 + 64 words (§5.3.2) and 64 compression rounds (§5.3.3).
 *
 * Written for speed in plain JavaScript: 32-bit words in a reused Int32Array, the round constant
 * T_j <<< j precomputed, the two round halves (j < 16, j >= 16) in separate loops so the boolean
 * functions need no branch, and an incremental hasher so SM2's Z || M needs no concatenation.
 */

const IV = new Int32Array([
  0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e,
]);

/** T_j <<< (j mod 32), §4.2 and §5.3.3. */
const ROUND_CONSTANTS = (() => {
  const table = new Int32Array(64);
  for (let j = 0; j < 64; j++) {
    const t = j < 16 ? 0x79cc4519 : 0x7a879d8a;
    const shift = j % 32;
    table[j] = shift === 0 ? t : (t << shift) | (t >>> (32 - shift));
  }
  return table;
})();

const BLOCK_BYTES = 64;

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

/** An incremental SM3 hasher. `digest()` finishes it; it cannot be updated afterwards. */
export class Sm3 {
  private readonly state = new Int32Array(IV);
  private readonly block = new Uint8Array(BLOCK_BYTES);
  private readonly words = new Int32Array(68);
  private blockLength = 0;
  private totalLength = 0;
  private finished = false;

  update(data: Uint8Array): this {
    if (this.finished) throw new TypeError('Sm3: update() after digest()');
    let offset = 0;
    this.totalLength += data.length;
    if (this.blockLength > 0) {
      const take = Math.min(BLOCK_BYTES - this.blockLength, data.length);
      this.block.set(data.subarray(0, take), this.blockLength);
      this.blockLength += take;
      offset = take;
      if (this.blockLength < BLOCK_BYTES) return this;
      this.compress(this.block, 0);
      this.blockLength = 0;
    }
    for (; offset + BLOCK_BYTES <= data.length; offset += BLOCK_BYTES) this.compress(data, offset);
    if (offset < data.length) {
      this.block.set(data.subarray(offset), 0);
      this.blockLength = data.length - offset;
    }
    return this;
  }

  digest(): Uint8Array {
    if (this.finished) throw new TypeError('Sm3: digest() called twice');
    this.finished = true;
    const bitLength = this.totalLength * 8;
    const block = this.block;
    block[this.blockLength] = 0x80;
    block.fill(0, this.blockLength + 1);
    if (this.blockLength + 1 > BLOCK_BYTES - 8) {
      this.compress(block, 0);
      block.fill(0);
    }
    // The length is at most 2^53 bits here, so split it into two 32-bit halves arithmetically.
    const high = Math.floor(bitLength / 0x100000000);
    const view = new DataView(block.buffer, block.byteOffset, BLOCK_BYTES);
    view.setUint32(56, high);
    view.setUint32(60, bitLength >>> 0);
    this.compress(block, 0);
    const out = new Uint8Array(32);
    const outView = new DataView(out.buffer);
    for (let index = 0; index < 8; index++) outView.setInt32(index * 4, this.state[index] as number);
    return out;
  }

  private compress(data: Uint8Array, offset: number): void {
    const w = this.words;
    for (let index = 0; index < 16; index++) {
      const at = offset + index * 4;
      w[index] =
        ((data[at] as number) << 24) |
        ((data[at + 1] as number) << 16) |
        ((data[at + 2] as number) << 8) |
        (data[at + 3] as number);
    }
    for (let j = 16; j < 68; j++) {
      const x = (w[j - 16] as number) ^ (w[j - 9] as number) ^ rotl(w[j - 3] as number, 15);
      w[j] = x ^ rotl(x, 15) ^ rotl(x, 23) ^ rotl(w[j - 13] as number, 7) ^ (w[j - 6] as number);
    }
    const state = this.state;
    let a = state[0] as number;
    let b = state[1] as number;
    let c = state[2] as number;
    let d = state[3] as number;
    let e = state[4] as number;
    let f = state[5] as number;
    let g = state[6] as number;
    let h = state[7] as number;
    for (let j = 0; j < 16; j++) {
      const a12 = rotl(a, 12);
      const ss1 = rotl((a12 + e + (ROUND_CONSTANTS[j] as number)) | 0, 7);
      const ss2 = ss1 ^ a12;
      const wj = w[j] as number;
      const tt1 = ((a ^ b ^ c) + d + ss2 + (wj ^ (w[j + 4] as number))) | 0;
      const tt2 = ((e ^ f ^ g) + h + ss1 + wj) | 0;
      d = c;
      c = rotl(b, 9);
      b = a;
      a = tt1;
      h = g;
      g = rotl(f, 19);
      f = e;
      e = tt2 ^ rotl(tt2, 9) ^ rotl(tt2, 17);
    }
    for (let j = 16; j < 64; j++) {
      const a12 = rotl(a, 12);
      const ss1 = rotl((a12 + e + (ROUND_CONSTANTS[j] as number)) | 0, 7);
      const ss2 = ss1 ^ a12;
      const wj = w[j] as number;
      const tt1 = (((a & b) | (a & c) | (b & c)) + d + ss2 + (wj ^ (w[j + 4] as number))) | 0;
      const tt2 = (((e & f) | (~e & g)) + h + ss1 + wj) | 0;
      d = c;
      c = rotl(b, 9);
      b = a;
      a = tt1;
      h = g;
      g = rotl(f, 19);
      f = e;
      e = tt2 ^ rotl(tt2, 9) ^ rotl(tt2, 17);
    }
    state[0] = (state[0] as number) ^ a;
    state[1] = (state[1] as number) ^ b;
    state[2] = (state[2] as number) ^ c;
    state[3] = (state[3] as number) ^ d;
    state[4] = (state[4] as number) ^ e;
    state[5] = (state[5] as number) ^ f;
    state[6] = (state[6] as number) ^ g;
    state[7] = (state[7] as number) ^ h;
  }
}

/** SM3 of the concatenation of `parts`. */
export function sm3(...parts: Uint8Array[]): Uint8Array {
  const hasher = new Sm3();
  for (const part of parts) hasher.update(part);
  return hasher.digest();
}
