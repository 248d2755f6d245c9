/**
 * The key ring's cost. Overhead: KeyRing.verify on a warm ring against verify() with the same parsed
 * key, over the cheapest primitive there is (RSA PKCS#1 v1.5 digest mode on node:crypto) so the
 * ring's own work is as visible as it can be; the target is under 2 µs per call. Working set:
 * 10,000 P-256 key versions behind one ring, verified round-robin, after priming.
 */

import { createHash, createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KeyRingCore } from '../src/cache/key-ring.js';
import { bundleFetcher, type GetPublicKeyResponse, parsePublicKey } from '../src/index.js';
import { KeyRing, verify } from '../src/node/index.js';
import type { Group } from './runner.js';

const vectors = new URL('../vectors/keys/', import.meta.url);
const sample = JSON.parse(
  readFileSync(new URL('../vectors/sample/keys.json', import.meta.url), 'utf8'),
) as GetPublicKeyResponse[];
const message = new TextEncoder().encode('a record of the audit log');
const digest = new Uint8Array(createHash('sha256').update(message).digest());

export async function keyRingGroups(): Promise<Group[]> {
  const rsa = sample[0] as GetPublicKeyResponse;
  const signature = new Uint8Array(
    sign('sha256', message, createPrivateKey(readFileSync(new URL('RSA_2048/private.pem', vectors)))),
  );
  const ring = new KeyRing({ fetcher: bundleFetcher(sample) });
  const key = parsePublicKey(rsa.PublicKey);
  const common = { algorithm: 'RSA_PKCS1_SHA_256', digest, signature };
  await ring.getKey(rsa.KeyId, rsa.KeyVersionId);

  const size = 10_000;
  const entries: GetPublicKeyResponse[] = [];
  const signatures: Uint8Array[] = [];
  for (let index = 0; index < size; index++) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    entries.push({
      KeyId: `key-${index}`,
      KeyVersionId: 'v1',
      PublicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
    signatures.push(new Uint8Array(sign('sha256', message, pair.privateKey)));
  }
  const big = new KeyRing({ fetcher: bundleFetcher(entries), max: size });
  const heapBefore = process.memoryUsage().heapUsed;
  const primeStarted = performance.now();
  const primed = await big.prime(
    entries.map((entry) => ({ keyId: entry.KeyId, keyVersionId: entry.KeyVersionId })),
  );
  const primeMs = performance.now() - primeStarted;
  if (primed.some((result) => !result.ok)) throw new Error('priming the 10,000-key ring failed');
  console.log(
    `10,000-key ring: primed in ${Math.round(primeMs)} ms (${Math.round((size / primeMs) * 1000)} keys/s), heap +${Math.round((process.memoryUsage().heapUsed - heapBefore) / 1e6)} MB`,
  );
  // First use of each key imports its KeyObject; measured once here, then the timed group below
  // sees the warm working set.
  const firstStarted = performance.now();
  for (let index = 0; index < size; index++) {
    const valid = await big.verify({
      keyId: `key-${index}`,
      keyVersionId: 'v1',
      algorithm: 'ECDSA_SHA_256',
      message,
      signature: signatures[index] as Uint8Array,
    });
    if (!valid) throw new Error(`key-${index}: first verification failed`);
  }
  const firstMs = performance.now() - firstStarted;
  console.log(
    `10,000-key ring: first verification with each key ${Math.round((size / firstMs) * 1000)}/s (KeyObject import included), heap now +${Math.round((process.memoryUsage().heapUsed - heapBefore) / 1e6)} MB`,
  );
  let next = 0;
  const singleKey = parsePublicKey(entries[0]?.PublicKey ?? '');

  // The ring's own work, isolated: the same ring logic over operations that do nothing.
  const noop = { verify: async () => true, encrypt: async () => new Uint8Array(0) };
  const bareRing = new KeyRingCore({ fetcher: bundleFetcher(sample), operations: noop });
  await bareRing.getKey(rsa.KeyId, rsa.KeyVersionId);

  return [
    {
      title: 'warm ring overhead, isolated (no-op primitive)',
      candidates: [
        {
          name: 'KeyRing.verify by KeyId + KeyVersionId',
          ours: true,
          expect: true,
          run: () => bareRing.verify({ keyId: rsa.KeyId, keyVersionId: rsa.KeyVersionId, ...common }),
        },
        { name: 'the no-op primitive called directly', ours: false, expect: true, run: () => noop.verify() },
      ],
    },
    {
      title: 'warm ring overhead, RSA_PKCS1_SHA_256 digest (Node backend)',
      candidates: [
        {
          name: 'KeyRing.verify by KeyId + KeyVersionId',
          ours: true,
          expect: true,
          run: () => ring.verify({ keyId: rsa.KeyId, keyVersionId: rsa.KeyVersionId, ...common }),
        },
        {
          name: 'verify() with the parsed key (bare primitive)',
          ours: false,
          expect: true,
          run: () => verify({ key, ...common }),
        },
      ],
    },
    {
      title: '10,000-key warm working set, ECDSA_SHA_256 P-256 message (Node backend)',
      candidates: [
        {
          name: 'KeyRing.verify, round-robin over 10,000 keys',
          ours: true,
          expect: true,
          run: () => {
            const index = next++ % size;
            return big.verify({
              keyId: `key-${index}`,
              keyVersionId: 'v1',
              algorithm: 'ECDSA_SHA_256',
              message,
              signature: signatures[index] as Uint8Array,
            });
          },
        },
        {
          name: 'verify() with one hot parsed key',
          ours: false,
          expect: true,
          run: () =>
            verify({
              key: singleKey,
              algorithm: 'ECDSA_SHA_256',
              message,
              signature: signatures[0] as Uint8Array,
            }),
        },
      ],
    },
  ];
}
