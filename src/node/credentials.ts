/**
 * Alibaba Cloud credentials from the environment, as the official SDKs read them:
 * ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET and, for STS, ALIBABA_CLOUD_SECURITY_TOKEN.
 * Errors name the missing variables, never any value.
 */

import { CredentialsError } from '../errors.js';

export interface AlibabaCloudCredentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string;
}

export function credentialsFromEnvironment(
  environment: Readonly<Record<string, string | undefined>> = process.env,
): AlibabaCloudCredentials {
  const accessKeyId = environment.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const accessKeySecret = environment.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  const securityToken = environment.ALIBABA_CLOUD_SECURITY_TOKEN;
  const missing = [
    ['ALIBABA_CLOUD_ACCESS_KEY_ID', accessKeyId],
    ['ALIBABA_CLOUD_ACCESS_KEY_SECRET', accessKeySecret],
  ]
    .filter(([, value]) => value === undefined || value === '')
    .map(([name]) => name);
  if (missing.length > 0) {
    throw new CredentialsError(
      `no Alibaba Cloud credentials: set ${missing.join(' and ')} (and ALIBABA_CLOUD_SECURITY_TOKEN for STS)`,
    );
  }
  return {
    accessKeyId: accessKeyId as string,
    accessKeySecret: accessKeySecret as string,
    ...(securityToken === undefined || securityToken === '' ? {} : { securityToken }),
  };
}
