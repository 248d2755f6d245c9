/** lazyModule: one import() however many callers, synchronous access afterwards, a failed load typed and retried. */

import { describe, expect, it } from 'vitest';
import { ModuleLoadError } from '../../src/errors.js';
import { lazyModule } from '../../src/internal/lazy.js';

describe('lazyModule', () => {
  it('imports once for concurrent callers and is synchronous afterwards', async () => {
    let imports = 0;
    const lazy = lazyModule('the test module', async () => {
      imports++;
      return { value: 42 };
    });
    expect(lazy.loaded()).toBeUndefined();
    const [first, second] = await Promise.all([lazy.load(), lazy.load()]);
    expect(first).toBe(second);
    expect(lazy.loaded()).toBe(first);
    await lazy.load();
    expect(imports).toBe(1);
  });

  it('does not remember a failed load, and reports it as ModuleLoadError with the cause', async () => {
    let attempts = 0;
    const cause = new TypeError('Failed to fetch dynamically imported module');
    const lazy = lazyModule('the test module', async () => {
      if (++attempts === 1) throw cause;
      return 'loaded';
    });
    const failed = await Promise.allSettled([lazy.load(), lazy.load()]);
    for (const outcome of failed) {
      expect(outcome.status).toBe('rejected');
      const error = (outcome as PromiseRejectedResult).reason;
      expect(error).toBeInstanceOf(ModuleLoadError);
      expect(error.code).toBe('ERR_MODULE_LOAD');
      expect(error.message).toMatch(/the test module could not be loaded: Failed to fetch/);
      expect(error.cause).toBe(cause);
    }
    expect(lazy.loaded()).toBeUndefined();
    await expect(lazy.load()).resolves.toBe('loaded');
    expect(attempts).toBe(2);
  });

  it('loads the real SM2 verifier module', async () => {
    const lazy = lazyModule('SM2DSA verification', () => import('../../src/verify/sm2.js'));
    expect(typeof (await lazy.load()).sm2VerifySignature).toBe('function');
  });
});
