/**
 * A deliberately separate, tiny DER builder for tests, so malformed and edge-case inputs are built
 * without the library's own writer. `raw` lets a test place any bytes anywhere.
 */

export function bytes(...parts: (Uint8Array | number[] | number)[]): Uint8Array {
  const flat: number[] = [];
  for (const part of parts) {
    if (typeof part === 'number') flat.push(part);
    else flat.push(...part);
  }
  return new Uint8Array(flat);
}

export function hex(text: string): Uint8Array {
  const clean = text.replace(/[\s:]/g, '');
  return new Uint8Array(clean.match(/../g)?.map((pair) => Number.parseInt(pair, 16)) ?? []);
}

function length(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) out.unshift(rest % 256);
  return [0x80 | out.length, ...out];
}

export function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const body = bytes(...content);
  return bytes(tag, length(body.length), body);
}

export const seq = (...content: Uint8Array[]) => tlv(0x30, ...content);
export const nul = () => bytes(0x05, 0x00);
export const bitString = (content: Uint8Array) => tlv(0x03, bytes(0x00, content));

/** INTEGER from an unsigned big-endian magnitude, adding the sign byte DER needs. */
export function uint(magnitude: Uint8Array | number[]): Uint8Array {
  let body = Array.from(magnitude);
  while (body.length > 1 && body[0] === 0) body = body.slice(1);
  if ((body[0] ?? 0) & 0x80) body.unshift(0);
  return tlv(0x02, new Uint8Array(body));
}

export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(BigInt);
  const out: number[] = [];
  const encodeArc = (arc: bigint) => {
    const groups = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) groups.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...groups);
  };
  encodeArc((arcs[0] ?? 0n) * 40n + (arcs[1] ?? 0n));
  for (const arc of arcs.slice(2)) encodeArc(arc);
  return tlv(0x06, new Uint8Array(out));
}

export function bigToBytes(value: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let rest = value;
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

export const OIDS = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  ecPublicKey: '1.2.840.10045.2.1',
  prime256v1: '1.2.840.10045.3.1.7',
  secp256k1: '1.3.132.0.10',
  sm2: '1.2.156.10197.1.301',
  secp384r1: '1.3.132.0.34',
} as const;

export function ecSpki(
  curveOid: string,
  point: Uint8Array,
  algorithmOid: string = OIDS.ecPublicKey,
): Uint8Array {
  return seq(seq(oid(algorithmOid), oid(curveOid)), bitString(point));
}

export function rsaSpki(modulus: Uint8Array | number[], exponent: Uint8Array | number[]): Uint8Array {
  return seq(seq(oid(OIDS.rsaEncryption), nul()), bitString(seq(uint(modulus), uint(exponent))));
}
