/**
 * The core must run on any runtime with Web APIs: no `node:` imports, no Buffer, no process outside
 * src/node, src/cli and src/emulator. Checked three ways: a source scan, a typecheck of the core
 * without Node types (tsconfig.core.json, run by `npm test`), and a bundle of the public entry for
 * esbuild's neutral platform, which fails to resolve any Node built-in.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const NODE_ONLY = /^src\/(node|cli|emulator)\//;

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

const FORBIDDEN: readonly [string, RegExp][] = [
  ['a node: import', /from\s+['"]node:|import\(\s*['"]node:|require\(/],
  ['Buffer', /\bBuffer\b/],
  ['process', /\bprocess\./],
  [
    'a bare Node built-in import',
    /from\s+['"](fs|path|crypto|os|util|url|stream|worker_threads|child_process)['"]/,
  ],
];

describe('runtime neutrality of the core', () => {
  const core = sourceFiles(join(root, 'src'))
    .map((path) => relative(root, path).replaceAll('\\', '/'))
    .filter((path) => !NODE_ONLY.test(path));

  it('the core has source files to check', () => {
    expect(core.length).toBeGreaterThan(5);
  });

  it.each(FORBIDDEN)('no core file uses %s', (_what, pattern) => {
    const offenders = core.filter((path) => pattern.test(readFileSync(join(root, path), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('the public entry bundles for a neutral platform with no Node built-in', async () => {
    const result = await build({
      entryPoints: [join(root, 'src/index.ts')],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      minify: true,
      logLevel: 'silent',
      metafile: true,
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((path) => NODE_ONLY.test(path) || path.startsWith('node:'))).toEqual([]);
    const code = result.outputFiles[0]?.text ?? '';
    const references = [...code.matchAll(/["']node:[\w/]*/g)].map((match) =>
      code.slice(Math.max(0, match.index - 60), match.index + 40),
    );
    expect(references).toEqual([]);
    console.log(`neutral bundle of src/index.ts: ${code.length} bytes minified, ${inputs.length} modules`);
  });

  it('the scan itself catches a planted node: import', () => {
    const planted = "import { readFile } from 'node:fs/promises';";
    expect(FORBIDDEN.some(([, pattern]) => pattern.test(planted))).toBe(true);
  });
});
