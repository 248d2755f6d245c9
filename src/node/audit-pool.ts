/**
 * A pool of audit worker threads. Batches go to the worker with the fewest outstanding; key
 * requests from any worker are answered by the main thread's KeyRing, so its single flight and
 * caches cover the whole job.
 */

import { Worker } from 'node:worker_threads';
import type { Verdict } from '../audit/record.js';
import type { KeyRingCore } from '../cache/key-ring.js';
import { KmsVerifyError } from '../errors.js';
import type { FromWorker, RelayedError, ToWorker } from './audit-worker.js';

const YOUNG_GENERATION_MB = 8;

/**
 * The parent's Node flags minus those that describe how the parent's own code was given (`-e`,
 * `--input-type`, ...): a worker inheriting them fails (ERR_INPUT_TYPE_NOT_ALLOWED under node -e).
 */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (arg === '-e' || arg === '--eval' || arg === '-p' || arg === '--print') {
      index++;
      continue;
    }
    if (arg.startsWith('--input-type') || arg.startsWith('--eval=') || arg.startsWith('--print=')) continue;
    out.push(arg);
  }
  return out;
}

interface Member {
  readonly worker: Worker;
  outstanding: number;
}

export class AuditPool {
  private readonly members: Member[];
  private readonly waiting = new Map<
    number,
    { resolve: (verdicts: Verdict[]) => void; reject: (error: Error) => void; member: Member }
  >();
  private nextBatch = 0;
  private failure: Error | undefined;

  constructor(
    private readonly ring: KeyRingCore,
    size: number,
  ) {
    this.members = Array.from({ length: size }, () => {
      // A small young generation keeps each isolate's heap near its live set (three isolates with the
      // default semi-spaces took up to 251 MB on 1M records; the job's bound is 256 MB).
      const worker = new Worker(new URL('./audit-worker.js', import.meta.url), {
        resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
        execArgv: workerExecArgv(),
      });
      const member: Member = { worker, outstanding: 0 };
      member.worker.on('message', (message: FromWorker) => this.onMessage(member, message));
      member.worker.on('error', (error) => this.fail(error));
      member.worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`an audit worker exited with code ${code}`));
      });
      return member;
    });
  }

  /** Verdicts for `lines`, numbered from `firstLine`, in order. */
  judge(firstLine: number, lines: readonly string[]): Promise<Verdict[]> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const member = this.members.reduce((least, candidate) =>
      candidate.outstanding < least.outstanding ? candidate : least,
    );
    const batch = this.nextBatch++;
    member.outstanding++;
    return new Promise<Verdict[]>((resolve, reject) => {
      this.waiting.set(batch, { resolve, reject, member });
      member.worker.postMessage({ type: 'batch', batch, firstLine, lines } satisfies ToWorker);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((member) => member.worker.terminate()));
  }

  private onMessage(member: Member, message: FromWorker): void {
    if (message.type === 'fetch') {
      this.ring.getResponse(message.keyId, message.keyVersionId).then(
        (response) =>
          member.worker.postMessage({ type: 'fetched', id: message.id, response } satisfies ToWorker),
        (error: unknown) => {
          const relayed: RelayedError =
            error instanceof KmsVerifyError
              ? {
                  code: error.code,
                  message: error.message,
                  ...(error.kmsCode === undefined ? {} : { kmsCode: error.kmsCode }),
                  ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
                }
              : { code: 'ERR_FETCH_FAILED', message: String((error as Error)?.message ?? error) };
          member.worker.postMessage({ type: 'fetched', id: message.id, error: relayed } satisfies ToWorker);
        },
      );
      return;
    }
    const waiter = this.waiting.get(message.batch);
    if (waiter === undefined) return;
    this.waiting.delete(message.batch);
    waiter.member.outstanding--;
    if (message.type === 'verdicts') waiter.resolve(message.verdicts as Verdict[]);
    else waiter.reject(new Error(`an audit worker failed: ${message.message}`));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}
