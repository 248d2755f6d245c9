/**
 * A module loaded with import() the first time it is needed, then kept. Bundlers put such a module
 * in its own chunk (esbuild with splitting) or initialise it only on first use (without), so code an
 * application never calls, such as SM2/SM3 for an RSA-only verifier, stays out of its startup path.
 * After the first load the module is available synchronously, so a hot path pays no extra await.
 *
 * A failed load rejects with ModuleLoadError: the runtime's own error (a TypeError "Failed to fetch
 * dynamically imported module" in browsers, ERR_MODULE_NOT_FOUND in Node) would otherwise reach
 * callers that read TypeError as their own mistake, such as the audit job's per-record errors.
 */

import { ModuleLoadError } from '../errors.js';

export interface LazyModule<Module> {
  /** The module once loaded, otherwise undefined. */
  readonly loaded: () => Module | undefined;
  /**
   * Loads the module once; every caller waiting on a load shares its outcome. A failed load is
   * retried on the next call rather than remembered, since a chunk that failed to download may
   * well download the next time. (Whether import() itself retries is the runtime's business: Node
   * does, Chromium keeps the failure until the page reloads.)
   */
  readonly load: () => Promise<Module>;
}

/** `what` names the module for the error message, e.g. 'SM2 verification'. */
export function lazyModule<Module>(what: string, importer: () => Promise<Module>): LazyModule<Module> {
  let module: Module | undefined;
  let loading: Promise<Module> | undefined;
  return {
    loaded: () => module,
    load: () => {
      loading ??= importer().then(
        (value) => {
          module = value;
          return value;
        },
        (error: unknown) => {
          loading = undefined;
          const reason = error instanceof Error ? error.message : String(error);
          throw new ModuleLoadError(`the code for ${what} could not be loaded: ${reason}`, { cause: error });
        },
      );
      return loading;
    },
  };
}
