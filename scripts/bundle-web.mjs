/**
 * Builds the runtime-neutral ESM bundle of the core (src/index.ts) with esbuild for the neutral
 * platform: dist/web/kms-verify.js (readable) and dist/web/kms-verify.min.js, one self-contained
 * file each, for browsers, workers, Deno and Bun without a bundler of their own. SM2/SM3 stay behind
 * their import(), so they are evaluated only on first use.
 *
 * The build fails (exit 1) when a Node built-in gets in: any import of `node:*` or of a bare
 * built-in name (fs, crypto, ...) is recorded during resolution, and the output is scanned for
 * `node:` specifiers, `require(` and `process.` as well, since those would only fail at run time.
 *
 * Silent on success, like tsc, so `npm start` prints only the audit; --verbose prints the sizes.
 *
 *   node scripts/bundle-web.mjs [--entry src/index.ts] [--outdir dist/web] [--name kms-verify] [--verbose]
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    entry: { type: 'string', default: 'src/index.ts' },
    outdir: { type: 'string', default: 'dist/web' },
    name: { type: 'string', default: 'kms-verify' },
    verbose: { type: 'boolean', default: false },
  },
});

const BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** Records every import of a Node built-in (and keeps it external so the report lists them all). */
function nodeBuiltinProbe(found) {
  return {
    name: 'node-builtin-probe',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        const bare = args.path.split('/')[0];
        if (!args.path.startsWith('node:') && !BUILTINS.has(args.path) && !BUILTINS.has(bare))
          return undefined;
        found.push(
          `${args.path} (imported by ${args.importer ? relative(root, args.importer) : 'the entry'})`,
        );
        return { path: args.path, external: true };
      });
    },
  };
}

/** Node-only constructs in emitted code: each with a little context so the offender can be found. */
const OUTPUT_PATTERNS = [
  ['a node: specifier', /["'`]node:[\w/]+/g],
  ['require()', /\brequire\(/g],
  ['process.', /\bprocess\./g],
];

function scanOutput(code) {
  const problems = [];
  for (const [what, pattern] of OUTPUT_PATTERNS) {
    for (const match of code.matchAll(pattern)) {
      const context = code.slice(Math.max(0, match.index - 40), match.index + 40).replaceAll('\n', ' ');
      problems.push(`${what}: …${context}…`);
    }
  }
  return problems;
}

async function bundle(minify) {
  const found = [];
  const file = `${values.name}${minify ? '.min' : ''}.js`;
  const result = await build({
    absWorkingDir: root,
    entryPoints: [resolve(root, values.entry)],
    outfile: resolve(root, values.outdir, file),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    minify,
    legalComments: 'none',
    metafile: true,
    logLevel: 'silent',
    plugins: [nodeBuiltinProbe(found)],
    write: false,
  });
  const output = result.outputFiles.find((out) => out.path.endsWith('.js'));
  const problems = [
    ...found.map((what) => `Node built-in import: ${what}`),
    ...scanOutput(output?.text ?? ''),
  ];
  return { file, output, problems, inputs: Object.keys(result.metafile.inputs).length };
}

const builds = [await bundle(false), await bundle(true)];
const problems = builds.flatMap((b) => b.problems.map((problem) => `${b.file}: ${problem}`));
if (problems.length > 0) {
  console.error(
    `bundle-web: the neutral bundle of ${values.entry} must not depend on Node; found:\n  ${[...new Set(problems)].join('\n  ')}`,
  );
  process.exit(1);
}

await mkdir(resolve(root, values.outdir), { recursive: true });
for (const { output, inputs } of builds) {
  await writeFile(output.path, output.contents);
  if (values.verbose)
    console.log(
      `bundle-web: ${relative(root, output.path)} ${output.contents.length} bytes, ${inputs} modules`,
    );
}
