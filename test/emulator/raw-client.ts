/**
 * A raw KMS client for the emulator's protocol tests: requests signed with our own signer (v1 in the
 * query or a form, v3 with the parameters in the query or the body) at a fixed clock, sent with
 * fetch, and answers kept whole (status, content type, text, parsed JSON if it is JSON), so a test
 * can tamper with what is signed and look at exactly what came back.
 */

import { DEMO_CREDENTIALS } from '../../src/emulator/index.js';
import {
  computeSignatureV1,
  signKmsParametersV1,
  signKmsRequestV3,
} from '../../src/fetchers/aliyun-signature.js';

let nonceCounter = 0;
export const freshNonce = () => `nonce-${++nonceCounter}-${Math.random()}`;

export interface Sent {
  readonly status: number;
  readonly contentType: string | null;
  readonly text: string;
  readonly json: Record<string, unknown> | undefined;
}

export async function send(url: string, init: RequestInit): Promise<Sent> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, contentType: response.headers.get('content-type'), text, json };
}

export interface V1Options {
  readonly method?: 'GET' | 'POST';
  readonly at?: Date;
  readonly nonce?: string;
  readonly edit?: (signed: Record<string, string>) => void;
  readonly secret?: string;
  readonly format?: string;
  readonly version?: string;
}

/** Signed calls to the emulator at `url`, as of `clock` (ms since the epoch). */
export function rawClient(url: string, clock: number) {
  /** A v1 call, GET in the query or POST as a form; `edit` may tamper with the signed parameters. */
  async function v1(action: string, params: Record<string, string>, options: V1Options = {}): Promise<Sent> {
    const method = options.method ?? 'GET';
    const signed: Record<string, string> = {
      ...(await signKmsParametersV1({
        action,
        params,
        method,
        accessKeyId: DEMO_CREDENTIALS.accessKeyId,
        accessKeySecret: options.secret ?? DEMO_CREDENTIALS.accessKeySecret,
        now: () => options.at ?? new Date(clock),
        nonce: () => options.nonce ?? freshNonce(),
        ...(options.version === undefined ? {} : { version: options.version }),
      })),
    };
    if (options.format !== undefined) {
      // Our signer always asks for JSON; re-sign with the format under test.
      delete signed.Signature;
      signed.Format = options.format;
      const secret = options.secret ?? DEMO_CREDENTIALS.accessKeySecret;
      signed.Signature = (
        await computeSignatureV1({ method, params: signed, accessKeySecret: secret })
      ).signature;
    }
    options.edit?.(signed);
    const query = new URLSearchParams(signed).toString();
    if (method === 'GET') return send(`${url}/?${query}`, { method });
    return send(`${url}/`, {
      method,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: query,
    });
  }

  async function v3(
    action: string,
    params: Record<string, string>,
    parametersIn: 'query' | 'body' = 'body',
  ): Promise<Sent> {
    const signed = await signKmsRequestV3({
      action,
      params,
      host: new URL(url).host,
      parametersIn,
      accessKeyId: DEMO_CREDENTIALS.accessKeyId,
      accessKeySecret: DEMO_CREDENTIALS.accessKeySecret,
      now: () => new Date(clock),
      nonce: freshNonce,
    });
    const headers = Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name !== 'host'));
    return send(`${url}${signed.pathAndQuery}`, {
      method: signed.method,
      headers,
      body: signed.body === '' ? null : signed.body,
    });
  }

  return { v1, v3 };
}
