/**
 * Fault injection, so clients' retry, backoff and timeout paths can be tested against the real
 * protocol: a plan throttles (429 Rejected.Throttling), fails (503 ServiceUnavailableTemporary),
 * cuts the answer's body in half (malformed: a 200 for a call that succeeds, and the error's own
 * status for one that does not), or delays the answer. A plan applies to the next
 * `count` matching calls or to each with probability `fraction` (default 1), optionally only to some
 * actions. Plans are checked in order for every call: delays add up, and the first failing plan
 * that fires decides the answer.
 */

export type FaultKind = 'throttling' | 'unavailable' | 'malformed' | 'delay';

export interface FaultPlan {
  readonly kind: FaultKind;
  /** Milliseconds, for `delay` (at most 60,000). */
  readonly ms?: number;
  /** Each matching call draws the fault with this probability, in [0, 1]. */
  readonly fraction?: number;
  /** Or: exactly the next `count` matching calls. */
  readonly count?: number;
  /** Only these actions (default: all). */
  readonly actions?: readonly string[];
}

export interface FaultDraw {
  /** Total added latency. */
  readonly delayMs: number;
  /** The failing fault, if any. */
  readonly failure: 'throttling' | 'unavailable' | 'malformed' | undefined;
}

const KINDS: ReadonlySet<string> = new Set(['throttling', 'unavailable', 'malformed', 'delay']);
const MAX_DELAY_MS = 60_000;

/** Checks a plan (from options or the admin endpoint, so it may be anything) and freezes a copy. */
export function checkFaultPlan(plan: unknown, where = 'fault plan'): FaultPlan {
  if (typeof plan !== 'object' || plan === null || Array.isArray(plan))
    throw new TypeError(`${where} must be an object`);
  const { kind, ms, fraction, count, actions } = plan as Record<string, unknown>;
  if (typeof kind !== 'string' || !KINDS.has(kind))
    throw new TypeError(`${where}.kind must be one of ${[...KINDS].join(', ')}`);
  if (kind === 'delay') {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > MAX_DELAY_MS)
      throw new RangeError(`${where}.ms must be a number of milliseconds in [0, ${MAX_DELAY_MS}]`);
  } else if (ms !== undefined) {
    throw new TypeError(`${where}.ms is only for delay`);
  }
  if (fraction !== undefined && count !== undefined)
    throw new TypeError(`${where}: give fraction or count, not both`);
  if (fraction !== undefined && !(typeof fraction === 'number' && fraction >= 0 && fraction <= 1))
    throw new RangeError(`${where}.fraction must be within [0, 1]`);
  if (count !== undefined && !(Number.isSafeInteger(count) && (count as number) >= 0))
    throw new RangeError(`${where}.count must be a non-negative integer`);
  if (
    actions !== undefined &&
    !(Array.isArray(actions) && actions.every((action) => typeof action === 'string'))
  )
    throw new TypeError(`${where}.actions must be an array of action names`);
  return Object.freeze({
    kind: kind as FaultKind,
    ...(ms === undefined ? {} : { ms: ms as number }),
    ...(fraction === undefined ? {} : { fraction: fraction as number }),
    ...(count === undefined ? {} : { count: count as number }),
    ...(actions === undefined ? {} : { actions: Object.freeze([...(actions as string[])]) }),
  });
}

interface ActivePlan {
  readonly plan: FaultPlan;
  remaining: number;
}

export class FaultInjector {
  #active: ActivePlan[] = [];

  constructor(private readonly random: () => number) {}

  set(plans: readonly unknown[]): void {
    if (!Array.isArray(plans)) throw new TypeError('fault plans must be an array');
    const checked = plans.map((plan, index) => checkFaultPlan(plan, `faults[${index}]`));
    this.#active = checked.map((plan) => ({ plan, remaining: plan.count ?? Number.POSITIVE_INFINITY }));
  }

  /** The plans with what is left of their counts. */
  current(): readonly (FaultPlan & { readonly remaining?: number })[] {
    return this.#active.map(({ plan, remaining }) =>
      plan.count === undefined ? plan : { ...plan, remaining },
    );
  }

  draw(action: string | undefined): FaultDraw {
    let delayMs = 0;
    let failure: FaultDraw['failure'];
    for (const active of this.#active) {
      const { plan } = active;
      if (plan.actions !== undefined && (action === undefined || !plan.actions.includes(action))) continue;
      if (plan.kind !== 'delay' && failure !== undefined) continue;
      let fires: boolean;
      if (plan.count !== undefined) {
        fires = active.remaining > 0;
        if (fires) active.remaining--;
      } else {
        fires = this.random() < (plan.fraction ?? 1);
      }
      if (!fires) continue;
      if (plan.kind === 'delay') delayMs += plan.ms ?? 0;
      else failure = plan.kind;
    }
    return { delayMs, failure };
  }
}
