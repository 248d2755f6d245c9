/**
 * Everything a hot verification path needs from a key, computed once and kept with the key: the
 * RSA numbers as BigInt, the EC point (with its table once hot), SM2 Z per user ID, and the native
 * key objects backends import (Web Crypto CryptoKeys per algorithm, node:crypto KeyObjects).
 * Held in a WeakMap keyed by the parsed key, so it lives exactly as long as the key does: a cache
 * that drops a key drops its prepared material too.
 */

import { KEY_SPECS } from '../algorithms.js';
import { bytesToBigInt } from '../internal/hex.js';
import type { EcPublicKey, KmsPublicKey, RsaPublicKey } from '../keys/types.js';
import { PreparedPoint } from './ecc.js';
import type { RsaPublicNumbers } from './rsa.js';

interface Prepared {
  readonly native: Map<string, unknown>;
  rsa?: RsaPublicNumbers;
  point?: PreparedPoint;
  readonly zByUserId: Map<string, Uint8Array>;
}

const preparedKeys = new WeakMap<KmsPublicKey, Prepared>();

function preparedFor(key: KmsPublicKey): Prepared {
  let entry = preparedKeys.get(key);
  if (entry === undefined) {
    entry = { native: new Map(), zByUserId: new Map() };
    preparedKeys.set(key, entry);
  }
  return entry;
}

/** A backend's native key object for `key`, created by `create` the first time `name` is asked for. */
export function nativeKey<Native>(key: KmsPublicKey, name: string, create: () => Native): Native {
  const native = preparedFor(key).native;
  if (!native.has(name)) native.set(name, create());
  return native.get(name) as Native;
}

export function rsaNumbers(key: RsaPublicKey): RsaPublicNumbers {
  const entry = preparedFor(key);
  entry.rsa ??= {
    n: bytesToBigInt(key.modulus),
    e: bytesToBigInt(key.publicExponent),
    k: Math.ceil(key.modulusBits / 8),
  };
  return entry.rsa;
}

export function preparedPoint(key: EcPublicKey): PreparedPoint {
  const entry = preparedFor(key);
  if (entry.point === undefined) {
    const spec = KEY_SPECS.get(key.keySpec);
    if (spec?.family !== 'EC') throw new TypeError(`no curve for key spec ${key.keySpec}`);
    entry.point = new PreparedPoint(spec.curve, key.point);
  }
  return entry.point;
}

/** The key's SM2 Z values by user ID (filled by verify/sm2.ts, which SM2 verification loads lazily). */
export function sm2ZCache(key: EcPublicKey): Map<string, Uint8Array> {
  return preparedFor(key).zByUserId;
}
