/**
 * `kms-verify emulator`: runs the local KMS emulator (src/emulator) until SIGINT or SIGTERM. The first
 * line on stdout is `listening on http://HOST:PORT`, so scripts can wait for it and read the port
 * (with `--port 0`, the default, the system picks a free one). The AccessKey pairs are given as
 * repeated --access-key-id/--access-key-secret, in order; without any, the documented demo pair.
 */

import { parseArgs } from 'node:util';
import {
  DEMO_CREDENTIALS,
  type EmulatorCredentials,
  type FaultPlan,
  type LoggedRequest,
  StateFileError,
  startEmulator,
} from '../emulator/index.js';
import { type CliIo, EXIT, InputError, UsageError } from './io.js';

export const EMULATOR_USAGE = `kms-verify emulator [--host 127.0.0.1] [--port N] [--access-key-id ID --access-key-secret SECRET ...] [--state FILE] [--cors | --cors-origin ORIGIN ...] [--fault KIND=VALUE ...] [--log]`;

const FAULT_KINDS = new Set(['throttling', 'unavailable', 'malformed', 'delay']);

/** `throttling=0.1`, `unavailable=0.05`, `malformed=0.01` (fractions of calls) or `delay=250` (ms, every call). */
function parseFault(text: string): FaultPlan {
  const match = /^([a-z]+)=(\d+(?:\.\d+)?)$/.exec(text);
  if (match === null || !FAULT_KINDS.has(match[1]!)) {
    throw new UsageError(
      `--fault ${JSON.stringify(text)}: use throttling=F, unavailable=F, malformed=F (F a fraction) or delay=MS`,
    );
  }
  const kind = match[1] as FaultPlan['kind'];
  const value = Number(match[2]);
  if (kind === 'delay') {
    if (value > 60_000) throw new UsageError('--fault delay=MS: at most 60000 ms');
    return { kind, ms: value };
  }
  if (value > 1) throw new UsageError(`--fault ${kind}=F: F is a fraction of calls, from 0 to 1`);
  return { kind, fraction: value };
}

function credentialsFrom(ids: readonly string[], secrets: readonly string[]): readonly EmulatorCredentials[] {
  if (ids.length !== secrets.length) {
    throw new UsageError(
      `${ids.length} --access-key-id but ${secrets.length} --access-key-secret: give them in pairs`,
    );
  }
  if (ids.length === 0) return [DEMO_CREDENTIALS];
  return ids.map((accessKeyId, index) => {
    const accessKeySecret = secrets[index] as string;
    if (accessKeyId === '' || accessKeySecret === '')
      throw new UsageError('AccessKey ids and secrets must not be empty');
    return { accessKeyId, accessKeySecret };
  });
}

/**
 * The stderr warning for a host other machines may reach (anything but 127.0.0.0/8, ::1 and
 * localhost): anyone who can reach the port can reconfigure faults and, with the published demo
 * pair, use every key. Undefined on loopback, where that is the point.
 */
export function exposureWarning(host: string, demoPair: boolean): string | undefined {
  if (host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host))
    return undefined;
  return (
    `kms-verify emulator: warning: ${host} is not a loopback address: the admin endpoints are unauthenticated` +
    `${demoPair ? ' and the demo AccessKey secret is public' : ''}, so anyone who can reach this port can use them\n`
  );
}

/** `stopped` resolves with the signal's name when the process is asked to stop; `release` unhooks. */
function stopSignals(): { readonly stopped: Promise<string>; readonly release: () => void } {
  let stop: (signal: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => {
    stop = (signal: string) => {
      release();
      resolve(signal);
    };
  });
  const release = () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return { stopped, release };
}

export async function emulatorCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'access-key-id': { type: 'string', multiple: true },
      'access-key-secret': { type: 'string', multiple: true },
      state: { type: 'string' },
      cors: { type: 'boolean' },
      'cors-origin': { type: 'string', multiple: true },
      fault: { type: 'string', multiple: true },
      log: { type: 'boolean' },
    },
    allowPositionals: false,
    strict: true,
  });
  const portText = values.port ?? '0';
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65_535) {
    throw new UsageError(`--port must be a port number from 0 to 65535, got ${JSON.stringify(portText)}`);
  }
  const credentials = credentialsFrom(values['access-key-id'] ?? [], values['access-key-secret'] ?? []);
  const faults = (values.fault ?? []).map(parseFault);
  const origins = values['cors-origin'] ?? [];
  if (values.cors === true && origins.length > 0)
    throw new UsageError('--cors allows every origin; give either it or --cors-origin, not both');
  // Hooked before the server starts, so a signal during start-up still ends the command cleanly.
  const { stopped, release } = stopSignals();
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  try {
    emulator = await startEmulator({
      host: values.host ?? '127.0.0.1',
      port: Number(portText),
      credentials,
      faults,
      cors: origins.length > 0 ? origins : values.cors === true,
      ...(values.log === true
        ? {
            onRequest: (entry: LoggedRequest) =>
              io.stderr(
                `${entry.requestId} ${entry.method} ${entry.action ?? '-'} ${entry.signatureVersion ?? '-'} ${entry.status} ${entry.code ?? 'OK'}${entry.fault === undefined ? '' : ` (fault: ${entry.fault})`}\n`,
              ),
          }
        : {}),
      ...(values.state === undefined ? {} : { statePath: values.state }),
    });
  } catch (error) {
    release();
    const code = (error as { code?: unknown }).code;
    if (error instanceof StateFileError) throw new InputError(error.message, { cause: error });
    // startEmulator refuses impossible options with a TypeError; from the command line that is usage.
    if (error instanceof TypeError && error.message.startsWith('startEmulator: '))
      throw new UsageError(error.message.slice('startEmulator: '.length));
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      throw new InputError(`cannot listen on ${values.host ?? '127.0.0.1'}:${portText}: ${code}`, {
        cause: error,
      });
    }
    throw error;
  }
  io.stdout(`listening on ${emulator.url}\n`);
  const demo = credentials[0] === DEMO_CREDENTIALS;
  io.stderr(
    `kms-verify emulator: ${emulator.store.keys().length} keys${values.state === undefined ? '' : ` from ${values.state}`}; ` +
      `AccessKey ${credentials.map((pair) => pair.accessKeyId).join(', ')}${demo ? ` (demo pair, secret ${DEMO_CREDENTIALS.accessKeySecret})` : ''}; ` +
      `admin endpoints under ${emulator.url}/__emulator/\n`,
  );
  const warning = exposureWarning(emulator.host, demo);
  if (warning !== undefined) io.stderr(warning);
  const signal = await stopped;
  try {
    await emulator.close();
  } catch (error) {
    if (error instanceof StateFileError) throw new InputError(error.message, { cause: error });
    throw error;
  }
  io.stderr(`kms-verify emulator: ${signal}: closed after ${emulator.requests.total} requests\n`);
  return EXIT.OK;
}
