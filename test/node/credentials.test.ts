/** Credentials from ALIBABA_CLOUD_* variables: picked up as given, and missing ones named without values. */

import { describe, expect, it } from 'vitest';
import { credentialsFromEnvironment } from '../../src/node/credentials.js';

describe('credentialsFromEnvironment', () => {
  it('reads the key pair and the optional STS token', () => {
    expect(
      credentialsFromEnvironment({ ALIBABA_CLOUD_ACCESS_KEY_ID: 'id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 's' }),
    ).toEqual({
      accessKeyId: 'id',
      accessKeySecret: 's',
    });
    expect(
      credentialsFromEnvironment({
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'id',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 's',
        ALIBABA_CLOUD_SECURITY_TOKEN: 'sts',
      }),
    ).toEqual({ accessKeyId: 'id', accessKeySecret: 's', securityToken: 'sts' });
  });

  it.each([
    [{}, 'ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET'],
    [{ ALIBABA_CLOUD_ACCESS_KEY_ID: 'id' }, 'set ALIBABA_CLOUD_ACCESS_KEY_SECRET'],
    [
      { ALIBABA_CLOUD_ACCESS_KEY_ID: '', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'top-secret' },
      'set ALIBABA_CLOUD_ACCESS_KEY_ID',
    ],
  ])('names what is missing: %j', (environment, fragment) => {
    let message = '';
    try {
      credentialsFromEnvironment(environment);
    } catch (error) {
      expect((error as { code: string }).code).toBe('ERR_CREDENTIALS');
      message = (error as Error).message;
    }
    expect(message).toContain(fragment);
    expect(message).not.toContain('top-secret');
  });
});
