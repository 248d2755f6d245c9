/**
 * The HTTP shell around the emulator: CORS for browser code (and none for the admin endpoints), the
 * admin endpoints and the request log, close() with calls and uploads in flight, and the options
 * startEmulator refuses.
 */

import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS, type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { rawClient, send } from './raw-client.js';

let emulator: RunningEmulator;
const clock = Date.parse('2026-06-01T12:00:00Z');
let key: { keyId: string; keyVersionId: string };
let client: ReturnType<typeof rawClient>;

beforeAll(async () => {
  emulator = await startEmulator({ now: () => clock, cors: true });
  key = emulator.store.createKey({ keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY' });
  client = rawClient(emulator.url, clock);
});

afterAll(async () => {
  await emulator.close();
});

const ids = () => ({ KeyId: key.keyId, KeyVersionId: key.keyVersionId });
const v1 = (action: string, params: Record<string, string>) => client.v1(action, params);

describe('CORS, admin endpoints and the request log', () => {
  it('answers a preflight with the requested headers allowed', async () => {
    const response = await fetch(`${emulator.url}/`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,x-acs-date',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')).toBe('authorization,x-acs-date');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-private-network')).toBeNull();
    const privateNetwork = await fetch(`${emulator.url}/`, {
      method: 'OPTIONS',
      headers: { origin: 'https://example.com', 'access-control-request-private-network': 'true' },
    });
    expect(privateNetwork.headers.get('access-control-allow-private-network')).toBe('true');
  });

  it('with a list of origins, grants only those, echoing the origin with Vary', async () => {
    const listed = await startEmulator({ cors: ['http://localhost:5173', 'https://app.example:8443'] });
    try {
      const preflight = (origin: string) =>
        fetch(`${listed.url}/`, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST' },
        });
      for (const origin of ['http://localhost:5173', 'https://app.example:8443']) {
        const granted = await preflight(origin);
        expect(granted.status).toBe(204);
        expect(granted.headers.get('access-control-allow-origin')).toBe(origin);
        expect(granted.headers.get('vary')).toBe('Origin');
      }
      for (const origin of ['https://evil.example', 'http://localhost:5174', 'null']) {
        const refused = await preflight(origin);
        expect(refused.status).toBe(403);
        expect(refused.headers.get('access-control-allow-origin')).toBeNull();
      }
      const call = await fetch(`${listed.url}/?Action=ListKeys`, {
        headers: { origin: 'https://evil.example' },
      });
      expect(call.headers.get('access-control-allow-origin')).toBeNull();
      const noOrigin = await fetch(`${listed.url}/?Action=ListKeys`);
      expect(noOrigin.headers.get('access-control-allow-origin')).toBeNull();
      const allowed = await fetch(`${listed.url}/?Action=ListKeys`, {
        headers: { origin: 'http://localhost:5173' },
      });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    } finally {
      await listed.close();
    }
  });

  it.each([[[]], [['localhost:5173']], [['http://localhost:5173/']], [['*']], ['http://localhost:5173']])(
    'refuses cors %j: origins are exact scheme://host[:port]',
    async (cors) => {
      await expect(startEmulator({ cors: cors as never })).rejects.toThrow(TypeError);
    },
  );

  it('sets and clears faults over HTTP and reports counts', async () => {
    const put = await send(`${emulator.url}/__emulator/faults`, {
      method: 'PUT',
      body: JSON.stringify([{ kind: 'throttling', count: 1 }]),
    });
    expect(put.status).toBe(200);
    const throttled = await v1('GetPublicKey', ids());
    expect([throttled.status, throttled.json?.Code]).toEqual([429, 'Rejected.Throttling']);
    expect((await v1('GetPublicKey', ids())).status).toBe(200);
    const bad = await send(`${emulator.url}/__emulator/faults`, { method: 'PUT', body: '[{"kind":"fire"}]' });
    expect(bad.status).toBe(400);
    expect((await send(`${emulator.url}/__emulator/faults`, { method: 'DELETE' })).json).toEqual([]);
    const requests = await send(`${emulator.url}/__emulator/requests`, {});
    expect(requests.json?.total).toBe(emulator.requests.total);
    expect((requests.json!.byCode as Record<string, number>)['Rejected.Throttling']).toBeGreaterThanOrEqual(
      1,
    );
    expect((await send(`${emulator.url}/__emulator/health`, {})).json).toEqual({ status: 'ok' });
    expect((await send(`${emulator.url}/__emulator/nothing`, {})).status).toBe(404);
  });

  it('gives a page from another origin no way into the admin endpoints, even with cors', async () => {
    // A cross-site POST of text/plain needs no preflight, so it must not change anything.
    const posted = await send(`${emulator.url}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify([{ kind: 'unavailable' }]),
    });
    expect(posted.status).toBe(404);
    expect(emulator.faults()).toEqual([]);
    const preflight = await fetch(`${emulator.url}/__emulator/faults`, {
      method: 'OPTIONS',
      headers: { origin: 'https://example.com', 'access-control-request-method': 'PUT' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.ok).toBe(false);
    const log = await fetch(`${emulator.url}/__emulator/requests`, {
      headers: { origin: 'https://example.com' },
    });
    expect(log.headers.get('access-control-allow-origin')).toBeNull();
    const kms = await fetch(`${emulator.url}/?Action=ListKeys`, {
      headers: { origin: 'https://example.com' },
    });
    expect(kms.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('serves many delayed calls at once without a listener-leak warning', async () => {
    const busy = await startEmulator({ faults: [{ kind: 'delay', ms: 100 }] });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const statuses = await Promise.all(
        Array.from({ length: 30 }, () =>
          fetch(`${busy.url}/?Action=ListKeys`).then((response) => response.status),
        ),
      );
      expect(new Set(statuses)).toEqual(new Set([400]));
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on a later tick
    } finally {
      process.off('warning', onWarning);
      await busy.close();
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('keeps the recent log bounded', async () => {
    const small = await startEmulator({ requestLogSize: 3 });
    try {
      for (let index = 0; index < 5; index++) await fetch(`${small.url}/?Action=ListKeys`);
      expect(small.requests.total).toBe(5);
      expect(small.requests.recent()).toHaveLength(3);
      expect(small.requests.byCode()).toEqual({ MissingParameter: 5 });
    } finally {
      await small.close();
    }
  });
});

describe('close()', () => {
  it('cancels an injected delay, closes keep-alive sockets and can be called twice', async () => {
    const slow = await startEmulator({ faults: [{ kind: 'delay', ms: 60_000, count: 1 }] });
    const pending = fetch(`${slow.url}/?Action=ListKeys`).then(
      (response) => response.status,
      () => 'connection closed',
    );
    // Close only once the call is inside its delay, however long the machine takes to get it there.
    while (slow.faults()[0]?.remaining !== 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await Promise.all([slow.close(), slow.close()]);
    expect(await pending).toBe(503);
    expect(slow.requests.recent()).toMatchObject([{ code: 'ServiceUnavailableTemporary', fault: 'delay' }]);
  }, 15_000); // without the cancellation, close() would wait out the 60 s delay

  it('ends an unfinished upload instead of waiting for it', async () => {
    const server = await startEmulator();
    const socket = connect(server.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nAction=Lis',
    );
    const ended = new Promise((resolve) => socket.once('close', resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.close();
    await ended;
    expect(socket.destroyed).toBe(true);
  }, 4_000); // without it, close() would wait out its 5 s grace period

  it('refuses bad options', async () => {
    await expect(startEmulator({ port: 70_000 })).rejects.toThrow(RangeError);
    await expect(startEmulator({ credentials: [] })).rejects.toThrow(TypeError);
    await expect(startEmulator({ credentials: [{ accessKeyId: 'a', accessKeySecret: '' }] })).rejects.toThrow(
      TypeError,
    );
    await expect(startEmulator({ faults: [{ kind: 'delay', ms: -1 }] })).rejects.toThrow(RangeError);
    await expect(
      startEmulator({ credentials: [DEMO_CREDENTIALS, { ...DEMO_CREDENTIALS, accessKeySecret: 'other' }] }),
    ).rejects.toThrow(/given twice/);
    await expect(
      startEmulator({ credentials: [{ ...DEMO_CREDENTIALS, securityToken: '' }] }),
    ).rejects.toThrow(/securityToken/);
  });
});
