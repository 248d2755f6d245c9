/**
 * What the emulator has served, for tests and the admin endpoint: counters that never reset by
 * themselves (total, per action, per outcome code) and the most recent calls in a ring of bounded
 * size, so a long load run keeps constant memory.
 */

export interface LoggedRequest {
  readonly requestId: string;
  readonly method: string;
  readonly action: string | undefined;
  readonly signatureVersion: 'v1' | 'v3' | undefined;
  readonly status: number;
  /** The KMS error code, or undefined for a success. */
  readonly code: string | undefined;
  /** The injected fault, if one decided or delayed the answer. */
  readonly fault: string | undefined;
}

export class RequestLog {
  #total = 0;
  readonly #byAction = new Map<string, number>();
  readonly #byCode = new Map<string, number>();
  readonly #recent: LoggedRequest[] = [];
  #next = 0;

  constructor(
    readonly capacity = 1_000,
    /** Called with every call as it is recorded (the CLI's --log); an exception here is ignored. */
    private readonly onRequest?: (entry: LoggedRequest) => void,
  ) {
    if (!(Number.isSafeInteger(capacity) && capacity >= 1))
      throw new RangeError('request log capacity must be a positive integer');
  }

  record(entry: LoggedRequest): void {
    try {
      this.onRequest?.(entry);
    } catch {
      // An observer must not be able to turn an answer into a failure.
    }
    this.#total++;
    const action = entry.action ?? '(none)';
    this.#byAction.set(action, (this.#byAction.get(action) ?? 0) + 1);
    const code = entry.code ?? 'OK';
    this.#byCode.set(code, (this.#byCode.get(code) ?? 0) + 1);
    if (this.#recent.length < this.capacity) this.#recent.push(entry);
    else this.#recent[this.#next] = entry;
    this.#next = (this.#next + 1) % this.capacity;
  }

  get total(): number {
    return this.#total;
  }

  /** Calls per action name (`(none)` when the request named none). */
  byAction(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.#byAction);
  }

  /** Calls per outcome: `OK` or the KMS error code. */
  byCode(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.#byCode);
  }

  /** The most recent calls, oldest first, at most `capacity`. */
  recent(): readonly LoggedRequest[] {
    if (this.#recent.length < this.capacity) return [...this.#recent];
    return [...this.#recent.slice(this.#next), ...this.#recent.slice(0, this.#next)];
  }

  clear(): void {
    this.#total = 0;
    this.#byAction.clear();
    this.#byCode.clear();
    this.#recent.length = 0;
    this.#next = 0;
  }
}
