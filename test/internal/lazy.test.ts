/** lazyModule: one import() however many callers, synchronous access afterwards, a failed load retried. */

import { describe, expect, it } from 'vitest';
import { lazyModule } from '../../src/internal/lazy.js';

describe('lazyModule', () => {
  it('imports once for concurrent callers and is synchronous afterwards', async () => {
    let imports = 0;
    const lazy = lazyModule(async () => {
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

  it('does not remember a failed load', async () => {
    let attempts = 0;
    const lazy = lazyModule(async () => {
      if (++attempts === 1) throw new Error('chunk unavailable');
      return 'loaded';
    });
    await expect(lazy.load()).rejects.toThrow('chunk unavailable');
    expect(lazy.loaded()).toBeUndefined();
    await expect(lazy.load()).resolves.toBe('loaded');
    expect(attempts).toBe(2);
  });

  it('loads the real SM2 verifier module', async () => {
    const lazy = lazyModule(() => import('../../src/verify/sm2.js'));
    expect(typeof (await lazy.load()).sm2VerifySignature).toBe('function');
  });
});
