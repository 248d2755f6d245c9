/** Modular arithmetic on BigInt for the places that run once per key or once per RSA signature. */

/** base^exponent mod modulus, square-and-multiply from the least significant bit. */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let square = base % modulus;
  for (let rest = exponent; rest > 0n; rest >>= 1n) {
    if (rest & 1n) result = (result * square) % modulus;
    square = (square * square) % modulus;
  }
  return result;
}
