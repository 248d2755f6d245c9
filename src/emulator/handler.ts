/**
 * One KMS call, from raw request to rendered answer, in the gateway's order: parameters, injected
 * faults (before authentication, as a flow-control layer answers), signature, API version, action,
 * mandatory parameters, DryRun, the action itself. Every failure is a KMS error body with a
 * RequestId; a bug becomes 500 InternalFailure rather than a dropped connection.
 */

import { randomUUID } from 'node:crypto';
import { ACTIONS } from './actions.js';
import type { FaultInjector } from './faults.js';
import { KmsApiError, missingParameter } from './kms-errors.js';
import { type Authenticator, type ParsedParameters, parseParameters, type RawRequest } from './request.js';
import type { RequestLog } from './request-log.js';
import { type RenderedResponse, renderError, renderSuccess } from './responses.js';
import type { EmulatorStore } from './store.js';

export const API_VERSION = '2016-01-20';

export interface HandlerContext {
  readonly store: EmulatorStore;
  readonly authenticator: Authenticator;
  readonly faults: FaultInjector;
  readonly log: RequestLog;
  /** Waits for injected latency; rejects when the server is closing. */
  readonly sleep: (milliseconds: number) => Promise<void>;
}

export interface HandledRequest extends RenderedResponse {
  readonly requestId: string;
}

const VALIDATION_CODES = new Set(['MissingParameter', 'InvalidParameter']);

/** DryRun: never the result; which error says whether the call would have worked. */
async function dryRun(run: () => Promise<unknown>): Promise<never> {
  try {
    await run();
  } catch (error) {
    if (!(error instanceof KmsApiError)) throw error;
    throw new KmsApiError(
      VALIDATION_CODES.has(error.code) ? 'ValidationError' : 'AccessDeniedError',
      `${error.code}: ${error.message}`,
    );
  }
  throw new KmsApiError('DryRunOperationError');
}

export async function handleKmsRequest(raw: RawRequest, context: HandlerContext): Promise<HandledRequest> {
  const requestId = randomUUID().toUpperCase();
  const hostId = (raw.headers.host ?? '127.0.0.1').slice(0, 255);
  let parsed: ParsedParameters = {
    params: new Map(),
    format: 'JSON',
    action: undefined,
    signatureVersion: undefined,
    duplicate: undefined,
  };
  let fault: string | undefined;
  // A drawn `malformed` fault cuts whatever the answer is: the plan's count was spent on this call,
  // so a call that fails must not use it up silently and send an intact body.
  let malformed = false;
  const answer = (whole: RenderedResponse, code: string | undefined): HandledRequest => {
    if (malformed) fault = 'malformed';
    const rendered = malformed
      ? { ...whole, text: whole.text.slice(0, Math.floor(whole.text.length / 2)) }
      : whole;
    context.log.record({
      requestId,
      method: raw.method,
      action: parsed.action,
      signatureVersion: parsed.signatureVersion,
      status: rendered.status,
      code,
      fault,
    });
    return { ...rendered, requestId };
  };
  try {
    parsed = parseParameters(raw);
    const draw = context.faults.draw(parsed.action);
    malformed = draw.failure === 'malformed';
    if (draw.delayMs > 0) {
      fault = 'delay';
      await context.sleep(draw.delayMs);
    }
    if (draw.failure === 'throttling') {
      fault = draw.failure;
      throw new KmsApiError('Rejected.Throttling');
    }
    if (draw.failure === 'unavailable') {
      fault = draw.failure;
      throw new KmsApiError('ServiceUnavailableTemporary');
    }
    const call = context.authenticator.authenticate(raw, parsed);
    if (call.version !== API_VERSION) {
      throw new KmsApiError(
        'InvalidVersion',
        `Specified parameter Version "${call.version.slice(0, 50)}" is not valid.`,
      );
    }
    const definition = ACTIONS.get(call.action);
    if (definition === undefined) {
      throw new KmsApiError(
        'InvalidAction.NotFound',
        `Specified api "${call.action.slice(0, 100)}" is not found, please check your url and method.`,
      );
    }
    const handlerContext = { params: call.params, store: context.store };
    const run = async () => {
      for (const name of definition.required) if (!call.params.get(name)) throw missingParameter(name);
      return definition.handle(handlerContext);
    };
    const dryRunFlag = definition.dryRun ? call.params.get('DryRun') : undefined;
    if (dryRunFlag !== undefined && dryRunFlag !== 'true' && dryRunFlag !== 'false') {
      throw new KmsApiError('InvalidParameter', 'The specified parameter "DryRun" must be true or false.');
    }
    const body = dryRunFlag === 'true' ? await dryRun(run) : await run();
    return answer(renderSuccess(call.action, { RequestId: requestId, ...body }, call.format), undefined);
  } catch (error) {
    const kmsError =
      error instanceof KmsApiError
        ? error
        : new KmsApiError(
            'InternalFailure',
            `The emulator failed: ${(error as Error)?.message ?? String(error)}`,
          );
    return answer(renderError(kmsError, requestId, hostId, parsed.format), kmsError.code);
  }
}
