/**
 * scripts/bundle-web.mjs, the build step that writes dist/web: the real entry bundles into two
 * self-contained ESM files that run without Node, and an entry that reaches for Node fails the build
 * with a message naming each offender.
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const script = join(root, 'scripts/bundle-web.mjs');
const directory = mkdtempSync(join(tmpdir(), 'kms-verify-bundle-web-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function run(...args: string[]) {
  return spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
}

describe('scripts/bundle-web.mjs', () => {
  it('bundles src/index.ts into kms-verify.js and kms-verify.min.js with the public API', async () => {
    const outdir = join(directory, 'web');
    const result = run('--outdir', outdir, '--verbose');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/kms-verify\.min\.js \d+ bytes/);
    for (const file of ['kms-verify.js', 'kms-verify.min.js']) {
      const code = readFileSync(join(outdir, file), 'utf8');
      expect(code).not.toMatch(/["']node:|\brequire\(|\bprocess\./);
      // Self-contained: no import statement or import() of another file survives.
      expect(code).not.toMatch(/\bfrom\s*["']|\bimport\s*\(\s*["']/);
      const bundle = await import(join(outdir, file));
      expect(typeof bundle.verify).toBe('function');
      expect(typeof bundle.KeyRing).toBe('function');
      expect(typeof bundle.aliyunKmsFetcher).toBe('function');
    }
  });

  it('fails with a clear message when an entry imports Node built-ins or uses process', () => {
    const entry = join(directory, 'planted.ts');
    writeFileSync(
      entry,
      [
        "import { readFileSync } from 'node:fs';",
        "import { join } from 'path';",
        "export const read = () => readFileSync(join('a', 'b'));",
        'export const home = () => process.env.HOME;',
      ].join('\n'),
    );
    const outdir = join(directory, 'planted');
    const result = run('--entry', entry, '--outdir', outdir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('must not depend on Node');
    expect(result.stderr).toContain('Node built-in import: node:fs');
    expect(result.stderr).toContain('Node built-in import: path');
    expect(result.stderr).toContain('process.');
    expect(() => readFileSync(join(outdir, 'kms-verify.js'))).toThrow();
  });
});
