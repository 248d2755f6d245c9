/**
 * The two official Alibaba Cloud clients the emulator must satisfy, behind one call shape:
 *
 * - `@alicloud/kms20160120` (the generated KMS client; this major version is built on
 *   `@alicloud/rpc-client`): signature v1, every parameter in the query string, `Format=json`;
 * - `@alicloud/openapi-client` `callApi`, the engine of the current generated clients: signature v3
 *   (ACS3-HMAC-SHA256), parameters in the query or a form body, STS as x-acs-security-token.
 *
 * Both turn a 4xx/5xx into an error carrying the KMS body; `callKms` normalizes the outcome to
 * `{ ok, body }` or `{ ok: false, code, status, requestId }` so tests can assert either client alike.
 */

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Kms = require('@alicloud/kms20160120');
const OpenApi = require('@alicloud/openapi-client');
const Util = require('@alicloud/tea-util');

export interface SdkCredentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string;
}

export type SdkOutcome =
  | { readonly ok: true; readonly body: Record<string, unknown> }
  | {
      readonly ok: false;
      readonly code: string;
      readonly status: number | undefined;
      readonly requestId: unknown;
      readonly data: Record<string, unknown>;
    };

export interface OfficialClient {
  readonly name: string;
  readonly signatureVersion: 'v1' | 'v3';
  /** Calls `action` with PascalCase parameters; answers the PascalCase response body. */
  call(action: string, params: Record<string, string>): Promise<SdkOutcome>;
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** The tea models map camelCase fields to the wire names; back to the wire names for comparison. */
function wireNames(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(wireNames);
  if (value === null || typeof value !== 'object') return value;
  const model = value as { constructor: { names?: () => Record<string, string> } } & Record<string, unknown>;
  const names = typeof model.constructor.names === 'function' ? model.constructor.names() : undefined;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(model)) {
    if (field === undefined) continue;
    out[names?.[key] ?? key] = wireNames(field);
  }
  return out;
}

function failure(error: unknown, statusFromMessage: boolean): SdkOutcome {
  const { code, data, message } = error as {
    code?: string;
    data?: Record<string, unknown>;
    message?: string;
  };
  if (data === undefined || code === undefined) throw error;
  const status = statusFromMessage
    ? Number(/code: (\d{3})/.exec(message ?? '')?.[1])
    : (data.statusCode as number | undefined);
  return { ok: false, code, status, requestId: data.RequestId, data };
}

/** The generated KMS client (signature v1). Its error codes are the KMS code plus `Error`. */
export function generatedKmsClient(endpoint: URL, credentials: SdkCredentials): OfficialClient {
  const client = new Kms.default({
    ...credentials,
    endpoint: endpoint.host,
    protocol: 'http',
    regionId: 'cn-hangzhou',
  });
  return {
    name: '@alicloud/kms20160120 (signature v1)',
    signatureVersion: 'v1',
    async call(action, params) {
      const request = new Kms[`${action}Request`](
        Object.fromEntries(Object.entries(params).map(([name, value]) => [lowerFirst(name), value])),
      );
      try {
        const response = await client[lowerFirst(action)](request);
        return { ok: true, body: wireNames(response) as Record<string, unknown> };
      } catch (error) {
        const outcome = failure(error, true);
        if (outcome.ok) return outcome;
        return { ...outcome, code: outcome.code.replace(/Error$/, '') };
      }
    },
  };
}

/** openapi-client callApi (signature v3, the engine of the current generated clients). */
export function openApiClient(
  endpoint: URL,
  credentials: SdkCredentials,
  parametersIn: 'query' | 'body' = 'query',
  method: 'GET' | 'POST' = 'POST',
): OfficialClient {
  if (method === 'GET' && parametersIn === 'body') throw new TypeError('a GET has no body');
  const client = new OpenApi.default(
    new OpenApi.Config({
      ...credentials,
      endpoint: endpoint.host,
      protocol: 'http',
      regionId: 'cn-hangzhou',
    }),
  );
  return {
    name: `@alicloud/openapi-client callApi (signature v3, ${method}, parameters in the ${parametersIn})`,
    signatureVersion: 'v3',
    async call(action, params) {
      const apiParams = new OpenApi.Params({
        action,
        version: '2016-01-20',
        protocol: 'HTTP',
        pathname: '/',
        method,
        authType: 'AK',
        style: 'RPC',
        reqBodyType: 'formData',
        bodyType: 'json',
      });
      const request = new OpenApi.OpenApiRequest(
        parametersIn === 'query' ? { query: params } : { body: params },
      );
      try {
        const response = await client.callApi(apiParams, request, new Util.RuntimeOptions({}));
        return { ok: true, body: response.body as Record<string, unknown> };
      } catch (error) {
        return failure(error, false);
      }
    },
  };
}

/** A successful call's body, or a test failure naming the KMS error. */
export async function succeed(
  client: OfficialClient,
  action: string,
  params: Record<string, string>,
): Promise<Record<string, unknown>> {
  const outcome = await client.call(action, params);
  if (!outcome.ok) {
    throw new Error(
      `${client.name} ${action} failed: ${outcome.code} (HTTP ${outcome.status}): ${JSON.stringify(outcome.data)}`,
    );
  }
  return outcome.body;
}
