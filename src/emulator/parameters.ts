/**
 * What every action handler shares: the action table's types and the reading of parameters as the
 * KMS gateway reads them (an empty value counts as absent; base64 is strict, RFC 4648 §4; pages
 * are PageNumber from 1 and PageSize from 1 to 100, default 10).
 */

import { Base64SyntaxError, base64ToBytes } from '../internal/base64.js';
import { invalidParameter, missingParameter } from './kms-errors.js';
import type { ResponseBody } from './responses.js';
import type { EmulatorStore } from './store.js';

export interface ActionContext {
  readonly params: ReadonlyMap<string, string>;
  readonly store: EmulatorStore;
}

export interface ActionDefinition {
  readonly required: readonly string[];
  /**
   * Whether the action has KMS's DryRun parameter (GetPublicKey and the Asymmetric* actions). The
   * others do not know it, and KMS ignores a parameter an action does not know, so there DryRun=true
   * runs the action.
   */
  readonly dryRun: boolean;
  readonly handle: (context: ActionContext) => ResponseBody | Promise<ResponseBody>;
}

export function optional(context: ActionContext, name: string): string | undefined {
  const value = context.params.get(name);
  return value === '' ? undefined : value;
}

export function required(context: ActionContext, name: string): string {
  const value = optional(context, name);
  if (value === undefined) throw missingParameter(name);
  return value;
}

export function base64Parameter(context: ActionContext, name: string): Uint8Array {
  try {
    return base64ToBytes(required(context, name));
  } catch (error) {
    if (error instanceof Base64SyntaxError) throw invalidParameter(name, `not base64: ${error.message}`);
    throw error;
  }
}

function page(context: ActionContext): { pageNumber: number; pageSize: number } {
  const number = (name: string, fallback: number, max: number): number => {
    const text = optional(context, name);
    if (text === undefined) return fallback;
    const value = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
    if (!(value >= 1 && value <= max)) throw invalidParameter(name, `must be an integer from 1 to ${max}`);
    return value;
  };
  return { pageNumber: number('PageNumber', 1, 1_000_000_000), pageSize: number('PageSize', 10, 100) };
}

export function paged<T>(context: ActionContext, items: readonly T[]) {
  const { pageNumber, pageSize } = page(context);
  const slice = items.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
  return { slice, PageNumber: pageNumber, PageSize: pageSize, TotalCount: items.length };
}
