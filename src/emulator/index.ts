/**
 * A local Alibaba Cloud KMS (OpenAPI version 2016-01-20) for development and tests: the official
 * SDKs and our own fetcher talk to it as to the real service (signature v1 and v3, STS tokens,
 * JSON and XML, KMS's error codes and statuses), and its keys do real cryptography. Node-only.
 *
 * ```ts
 * const emulator = await startEmulator({ statePath: 'kms-state.json' });
 * const { keyId, keyVersionId } = emulator.store.createKey({ keySpec: 'EC_P256', keyUsage: 'SIGN/VERIFY' });
 * // ... point any KMS client at emulator.url with DEMO_CREDENTIALS ...
 * await emulator.close();
 * ```
 */

import { setTimeout as delay } from 'node:timers/promises';
import { FaultInjector, type FaultPlan } from './faults.js';
import { handleKmsRequest } from './handler.js';
import { KmsApiError } from './kms-errors.js';
import { Authenticator, type EmulatorCredentials } from './request.js';
import { type LoggedRequest, RequestLog } from './request-log.js';
import { JSON_CONTENT_TYPE } from './responses.js';
import { type ServerAnswer, startHttpShell } from './server.js';
import { loadStateFile, StateWriter } from './state-file.js';
import { EmulatorStore } from './store.js';

export type { FaultKind, FaultPlan } from './faults.js';
export { KmsApiError } from './kms-errors.js';
export type { EmulatorCredentials } from './request.js';
export type { LoggedRequest, RequestLog } from './request-log.js';
export { StateFileError } from './state-file.js';
export type {
  CreatedKey,
  CreateKeyOptions,
  EmulatorAlias,
  EmulatorKey,
  EmulatorKeyVersion,
  EmulatorStore,
  KeyState,
  KeyUsage,
} from './store.js';

/** The pair the emulator accepts when none is configured. Not a secret: it only opens the emulator. */
export const DEMO_CREDENTIALS: EmulatorCredentials = Object.freeze({
  accessKeyId: 'LTAI5tKmsEmulatorDemo',
  accessKeySecret: 'kms-emulator-demo-secret',
});

export interface EmulatorOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: an ephemeral port. */
  readonly port?: number;
  /** The AccessKey pairs accepted; default [DEMO_CREDENTIALS]. */
  readonly credentials?: readonly EmulatorCredentials[];
  /**
   * Keys persist here across restarts: read and rewritten at start (a path that cannot be written
   * fails the start with StateFileError), then rewritten atomically after each change.
   */
  readonly statePath?: string;
  /**
   * Access-Control-* headers and OPTIONS preflights, for browser code: `true` for pages from any
   * origin, or the exact origins allowed (`['http://localhost:5173']`), which is safer, since the
   * demo credentials are published and any page the developer visits could otherwise call the API.
   */
  readonly cors?: boolean | readonly string[];
  /** Milliseconds since the epoch; the clock for the signature window and creation dates. */
  readonly now?: () => number;
  /** Uniform in [0, 1): what fraction faults draw from (identifiers always come from the CSPRNG). */
  readonly random?: () => number;
  readonly faults?: readonly FaultPlan[];
  /** For ARNs; defaults cn-hangzhou and 1234567890123456. */
  readonly regionId?: string;
  readonly accountId?: string;
  /** Recent calls kept in `requests.recent()`; default 1,000. */
  readonly requestLogSize?: number;
  /** Called with every call once it is answered (ids, action, status and code; never secrets). */
  readonly onRequest?: (entry: LoggedRequest) => void;
}

export interface RunningEmulator {
  /** `http://HOST:PORT`, no trailing slash. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly store: EmulatorStore;
  readonly requests: RequestLog;
  /** Replaces the fault plans (also `PUT /__emulator/faults`). */
  setFaults(plans: readonly FaultPlan[]): void;
  /** The plans in force, a `count` plan with what is left of it as `remaining`. */
  faults(): readonly (FaultPlan & { readonly remaining?: number })[];
  /** Resolves once the state file holds every change made so far; rejects with StateFileError if not. */
  flush(): Promise<void>;
  /** Stops serving (in-flight calls finish, injected delays are cut short), then flushes the state. */
  close(): Promise<void>;
}

function checkCredentials(credentials: readonly EmulatorCredentials[]): readonly EmulatorCredentials[] {
  if (!Array.isArray(credentials) || credentials.length === 0)
    throw new TypeError('startEmulator: credentials must be a non-empty array of AccessKey pairs');
  const seen = new Set<string>();
  for (const pair of credentials) {
    if (typeof pair?.accessKeyId !== 'string' || pair.accessKeyId === '')
      throw new TypeError('startEmulator: every credential needs a non-empty accessKeyId');
    if (seen.has(pair.accessKeyId))
      throw new TypeError(`startEmulator: the AccessKey ${pair.accessKeyId} is given twice`);
    seen.add(pair.accessKeyId);
    if (typeof pair.accessKeySecret !== 'string' || pair.accessKeySecret === '')
      throw new TypeError(
        `startEmulator: the credential ${pair.accessKeyId} needs a non-empty accessKeySecret`,
      );
    if (
      pair.securityToken !== undefined &&
      (typeof pair.securityToken !== 'string' || pair.securityToken === '')
    )
      throw new TypeError(
        `startEmulator: the securityToken of ${pair.accessKeyId} must be a non-empty string`,
      );
  }
  return credentials;
}

function corsOption(cors: EmulatorOptions['cors']): boolean | ReadonlySet<string> {
  if (cors === undefined || cors === false) return false;
  if (cors === true) return true;
  if (!Array.isArray(cors) || cors.length === 0)
    throw new TypeError('startEmulator: cors must be a boolean or a non-empty array of origins');
  for (const origin of cors) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    // An origin is scheme://host[:port] exactly as a browser sends it: no path, no trailing slash.
    if (parsed === undefined || parsed.origin !== origin)
      throw new TypeError(
        `startEmulator: ${JSON.stringify(origin)} is not an origin like http://localhost:5173`,
      );
  }
  return new Set(cors);
}

function json(status: number, value: unknown): ServerAnswer {
  return { status, contentType: JSON_CONTENT_TYPE, text: JSON.stringify(value) };
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('startEmulator: expected an options object');
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!(Number.isSafeInteger(port) && port >= 0 && port <= 65_535))
    throw new RangeError(`startEmulator: port must be an integer from 0 to 65535, got ${port}`);
  const cors = corsOption(options.cors);
  const credentials = checkCredentials(options.credentials ?? [DEMO_CREDENTIALS]);
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  let writer: StateWriter | undefined;
  const store = new EmulatorStore({
    now,
    ...(options.regionId === undefined ? {} : { regionId: options.regionId }),
    ...(options.accountId === undefined ? {} : { accountId: options.accountId }),
    onChange: () => void writer?.schedule(),
  });
  if (options.statePath !== undefined) {
    await loadStateFile(store, options.statePath);
    writer = new StateWriter(store, options.statePath);
    // Written once now, so a path that cannot be written fails the start rather than every change
    // after it, unnoticed until close().
    void writer.schedule();
    await writer.flush();
  }
  const faults = new FaultInjector(random);
  faults.set(options.faults ?? []);
  const log = new RequestLog(options.requestLogSize, options.onRequest);
  const authenticator = new Authenticator({ credentials, now });

  let closing: AbortSignal | undefined;
  const sleep = async (milliseconds: number) => {
    try {
      await delay(milliseconds, undefined, closing === undefined ? {} : { signal: closing });
    } catch (error) {
      if (!closing?.aborted) throw error;
      // Cut short by close(): answered as a service going away would answer it (503, which clients
      // retry), not as an emulator bug (500 InternalFailure).
      throw new KmsApiError(
        'ServiceUnavailableTemporary',
        'The emulator is closing: the injected delay was cut short.',
      );
    }
  };

  const shell = await startHttpShell(
    { host, port, cors },
    {
      kms: (request) => handleKmsRequest(request, { store, authenticator, faults, log, sleep }),
      async admin(method, path, body) {
        if (path === 'health' && method === 'GET') return json(200, { status: 'ok' });
        if (path === 'requests' && method === 'GET') {
          return json(200, {
            total: log.total,
            byAction: log.byAction(),
            byCode: log.byCode(),
            recent: log.recent(),
          });
        }
        if (path === 'faults') {
          if (method === 'GET') return json(200, faults.current());
          if (method === 'DELETE') {
            faults.set([]);
            return json(200, []);
          }
          // PUT only: a browser must ask first (a preflight, refused here) before sending one to
          // another origin, whereas a cross-site POST of text/plain would go through unasked.
          if (method === 'PUT') {
            try {
              faults.set(JSON.parse(body) as unknown[]);
            } catch (error) {
              return json(400, { error: (error as Error).message });
            }
            return json(200, faults.current());
          }
        }
        return json(404, { error: `no admin endpoint ${method} /__emulator/${path.slice(0, 100)}` });
      },
    },
  );
  closing = shell.closing;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${shell.port}`,
    host,
    port: shell.port,
    store,
    requests: log,
    setFaults: (plans) => faults.set(plans),
    faults: () => faults.current(),
    flush: () => writer?.flush() ?? Promise.resolve(),
    async close() {
      await shell.close();
      await writer?.flush();
    },
  };
}
