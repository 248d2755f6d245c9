/**
 * A bounded load run on loopback: 20,000 GetPublicKey calls through our aliyunKmsFetcher (signature
 * v3, keep-alive fetch) at a concurrency of 64 against one emulator in the same process. Every call
 * must succeed, be authenticated and carry the right key; the throughput is printed (and recorded
 * in the README), never asserted.
 */

import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { aliyunKmsFetcher } from '../../src/index.js';

const CALLS = 20_000;
const CONCURRENCY = 64;
const PAIR = { accessKeyId: 'LTAI-load', accessKeySecret: 'load-secret' };

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ credentials: [PAIR], requestLogSize: 100 });
});

afterAll(async () => {
  await emulator.close();
});

it(`serves ${CALLS} GetPublicKey calls at concurrency ${CONCURRENCY} without an error`, async () => {
  const keys = [
    emulator.store.createKey({ keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY', alias: 'alias/load' }),
    emulator.store.createKey({ keySpec: 'RSA_2048', keyUsage: 'ENCRYPT/DECRYPT' }),
  ];
  const expected = keys.map(
    (key) => emulator.store.version(emulator.store.key(key.keyId), key.keyVersionId).material.publicKeyPem,
  );
  const fetcher = aliyunKmsFetcher({ ...PAIR, endpoint: emulator.url, retries: 0, requestTimeout: 30_000 });
  let next = 0;
  let mismatches = 0;
  const failures: unknown[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < CALLS) {
        const index = next++;
        const which = index % 2;
        const key = keys[which]!;
        try {
          const response = await fetcher({
            keyId: which === 0 && index % 4 === 0 ? 'alias/load' : key.keyId,
            keyVersionId: key.keyVersionId,
          });
          if (response.PublicKey !== expected[which] || response.KeyId !== key.keyId) mismatches++;
        } catch (error) {
          failures.push(error);
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `emulator load: ${CALLS} GetPublicKey calls (signature v3) at concurrency ${CONCURRENCY} in ${seconds.toFixed(2)} s: ${Math.round(CALLS / seconds)} calls/s`,
  );
  expect(failures.slice(0, 3)).toEqual([]);
  expect(mismatches).toBe(0);
  expect(emulator.requests.byCode()).toEqual({ OK: CALLS });
  expect(emulator.requests.recent()).toHaveLength(100);
});
