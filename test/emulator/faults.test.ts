/**
 * Fault plans and the bounded bookkeeping around requests: plan validation (every wrong input a
 * TypeError or RangeError naming the field), the draw semantics (counts, fractions, action
 * filters, delays adding up, the first failure winning), the nonce cache's window and size bound,
 * and the request log's ring.
 */

import { describe, expect, it } from 'vitest';
import { checkFaultPlan, FaultInjector } from '../../src/emulator/faults.js';
import { NonceCache } from '../../src/emulator/request.js';
import { RequestLog } from '../../src/emulator/request-log.js';

describe('fault plans', () => {
  it.each([
    [null, TypeError, /must be an object/],
    [[], TypeError, /must be an object/],
    [{ kind: 'fire' }, TypeError, /kind must be one of/],
    [{ kind: 'delay' }, RangeError, /ms must be/],
    [{ kind: 'delay', ms: 60_001 }, RangeError, /ms must be/],
    [{ kind: 'delay', ms: Number.NaN }, RangeError, /ms must be/],
    [{ kind: 'throttling', ms: 5 }, TypeError, /ms is only for delay/],
    [{ kind: 'throttling', fraction: 1.5 }, RangeError, /fraction must be within/],
    [{ kind: 'throttling', fraction: '0.5' }, RangeError, /fraction must be within/],
    [{ kind: 'throttling', count: -1 }, RangeError, /count must be/],
    [{ kind: 'throttling', count: 1.5 }, RangeError, /count must be/],
    [{ kind: 'throttling', count: 1, fraction: 0.5 }, TypeError, /not both/],
    [{ kind: 'throttling', actions: 'GetPublicKey' }, TypeError, /actions must be/],
  ])('refuses %j', (plan, type, message) => {
    expect(() => checkFaultPlan(plan)).toThrow(type);
    expect(() => checkFaultPlan(plan)).toThrow(message);
  });

  it('fires a counted plan exactly count times, only for its actions', () => {
    const faults = new FaultInjector(() => 0);
    faults.set([{ kind: 'unavailable', count: 2, actions: ['GetPublicKey'] }]);
    const outcomes = ['GetPublicKey', 'ListKeys', 'GetPublicKey', undefined, 'GetPublicKey'].map(
      (action) => faults.draw(action).failure,
    );
    expect(outcomes).toEqual(['unavailable', undefined, 'unavailable', undefined, undefined]);
    expect(faults.current()).toEqual([
      { kind: 'unavailable', count: 2, actions: ['GetPublicKey'], remaining: 0 },
    ]);
  });

  it('fires a fraction plan when the draw is below it; delays add up; the first failure wins', () => {
    const draws = [0.1, 0.9, 0.1, 0.1];
    const faults = new FaultInjector(() => draws.shift() ?? 0.99);
    faults.set([
      { kind: 'delay', ms: 5 },
      { kind: 'throttling', fraction: 0.5 },
      { kind: 'delay', ms: 7, count: 1 },
      { kind: 'malformed', fraction: 0.5 },
    ]);
    // Plans in order: delay (no draw: fraction 1 default draws 0.1 < 1), throttling 0.9 no,
    // delay counted, malformed 0.1 yes.
    expect(faults.draw('X')).toEqual({ delayMs: 12, failure: 'malformed' });
    // Next: delay draws 0.1, throttling draws 0.99 no, counted delay spent, malformed 0.99 no.
    expect(faults.draw('X')).toEqual({ delayMs: 5, failure: undefined });
  });

  it('lets the first failing plan decide, without spending the later ones', () => {
    const faults = new FaultInjector(() => 0);
    faults.set([
      { kind: 'unavailable', count: 1 },
      { kind: 'throttling', count: 1 },
    ]);
    expect(faults.draw('GetPublicKey').failure).toBe('unavailable');
    expect(faults.draw('GetPublicKey').failure).toBe('throttling');
    expect(faults.draw('GetPublicKey').failure).toBeUndefined();
  });

  it('replaces plans as a whole and refuses a bad list without changing them', () => {
    const faults = new FaultInjector(() => 0);
    faults.set([{ kind: 'throttling' }]);
    expect(() => faults.set([{ kind: 'throttling' }, { kind: 'nope' }])).toThrow(/faults\[1\]\.kind/);
    expect(faults.current()).toEqual([{ kind: 'throttling' }]);
    expect(() => faults.set({} as never)).toThrow(TypeError);
    faults.set([]);
    expect(faults.draw('GetPublicKey')).toEqual({ delayMs: 0, failure: undefined });
  });
});

describe('NonceCache', () => {
  it('refuses a nonce within its window, per AccessKey, and forgets it afterwards', () => {
    const cache = new NonceCache(1_000, 100);
    expect(cache.accept('a', 'n', 0)).toBe(true);
    expect(cache.accept('a', 'n', 999)).toBe(false);
    expect(cache.accept('b', 'n', 999)).toBe(true);
    expect(cache.accept('a', 'n', 1_000)).toBe(true);
  });

  it('never holds more than its capacity, dropping the oldest', () => {
    const cache = new NonceCache(60_000, 3);
    for (const nonce of ['1', '2', '3', '4']) expect(cache.accept('a', nonce, 0)).toBe(true);
    expect(cache.size).toBe(3);
    expect(cache.accept('a', '4', 1)).toBe(false);
    expect(cache.accept('a', '1', 1)).toBe(true); // evicted, so accepted again: the documented trade-off
  });
});

describe('RequestLog', () => {
  const entry = (index: number) => ({
    requestId: String(index),
    method: 'POST',
    action: index % 2 === 0 ? 'GetPublicKey' : undefined,
    signatureVersion: 'v3' as const,
    status: index % 3 === 0 ? 429 : 200,
    code: index % 3 === 0 ? 'Rejected.Throttling' : undefined,
    fault: undefined,
  });

  it('counts everything and keeps the most recent entries in order', () => {
    const log = new RequestLog(4);
    for (let index = 0; index < 10; index++) log.record(entry(index));
    expect(log.total).toBe(10);
    expect(log.recent().map((logged) => logged.requestId)).toEqual(['6', '7', '8', '9']);
    expect(log.byAction()).toEqual({ GetPublicKey: 5, '(none)': 5 });
    expect(log.byCode()).toEqual({ 'Rejected.Throttling': 4, OK: 6 });
    log.clear();
    expect([log.total, log.recent()]).toEqual([0, []]);
  });

  it('tells an observer about every call, and an observer that throws changes nothing', () => {
    const seen: string[] = [];
    const log = new RequestLog(2, (logged) => {
      seen.push(logged.requestId);
      if (logged.requestId === '1') throw new Error('observer failure');
    });
    for (let index = 0; index < 3; index++) log.record(entry(index));
    expect(seen).toEqual(['0', '1', '2']);
    expect(log.total).toBe(3);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a capacity of %d', (capacity) => {
    expect(() => new RequestLog(capacity)).toThrow(RangeError);
  });
});
