/**
 * A module loaded with import() the first time it is needed, then kept. Bundlers put such a module
 * in its own chunk (esbuild with splitting) or initialise it only on first use (without), so code an
 * application never calls, such as SM2/SM3 for an RSA-only verifier, stays out of its startup path.
 * After the first load the module is available synchronously, so a hot path pays no extra await.
 */

export interface LazyModule<Module> {
  /** The module once loaded, otherwise undefined. */
  readonly loaded: () => Module | undefined;
  /** Loads the module once; a failed load is retried on the next call rather than remembered. */
  readonly load: () => Promise<Module>;
}

export function lazyModule<Module>(importer: () => Promise<Module>): LazyModule<Module> {
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
          throw error;
        },
      );
      return loading;
    },
  };
}
