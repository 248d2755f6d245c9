/**
 * `kms-verify inspect`: in-process through runCli with captured output, and end to end through the
 * built binary (`npm test` builds dist/ first), the way `npm start` runs it.
 */

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { projectRoot, runCommand } from '../helpers/cli.js';

const root = projectRoot;

const run = (args: string[], files: Record<string, string | Uint8Array> = {}) => runCommand(args, files);

const fingerprint = (path: string) =>
  createHash('sha256')
    .update(readFileSync(`${root}/${path}`))
    .digest('hex');
const SPECS = ['RSA_2048', 'RSA_3072', 'EC_P256', 'EC_P256K', 'EC_SM2'];

describe('kms-verify inspect', () => {
  it('lists every key of the sample bundle with spec, size and fingerprint', async () => {
    const { code, stdout, stderr } = await run(['inspect', 'vectors/sample/keys.json']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^KeyId\s+KeyVersionId\s+KeySpec\s+Size\s+SHA-256 fingerprint/);
    expect(lines).toHaveLength(7);
    expect(lines[6]).toBe('5 keys, 0 with errors');
    const sizes = ['2048 bits', '3072 bits', 'P-256', 'secp256k1', 'SM2'];
    SPECS.forEach((spec, index) => {
      const line = lines[index + 1] ?? '';
      expect(line).toContain(spec);
      expect(line).toContain(sizes[index]);
      expect(line).toContain(fingerprint(`vectors/keys/${spec}/public.der`));
    });
  });

  it('--json prints machine-readable rows', async () => {
    const { code, stdout } = await run(['inspect', '--json', 'vectors/sample/keys.json']);
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as { keySpec: string; fingerprint: string; container: string }[];
    expect(rows.map((row) => row.keySpec)).toEqual(SPECS);
    expect(rows[4]?.fingerprint).toBe(fingerprint('vectors/keys/EC_SM2/public.der'));
  });

  it('inspects a single key file in any encoding', async () => {
    for (const file of [
      'EC_SM2/cert.pem',
      'RSA_2048/pkcs1.der',
      'EC_P256K/compressed.pem',
      'RSA_3072/public.b64',
    ]) {
      const { code, stdout } = await run(['inspect', `vectors/keys/${file}`]);
      expect(code, file).toBe(0);
      expect(stdout).toContain(fingerprint(`vectors/keys/${file.split('/')[0]}/public.der`));
    }
  });

  it('accepts one saved GetPublicKey response', async () => {
    const sample = JSON.parse(readFileSync(`${root}/vectors/sample/keys.json`, 'utf8')) as unknown[];
    const { code, stdout } = await run(['inspect', 'one.json'], { 'one.json': JSON.stringify(sample[4]) });
    expect(code).toBe(0);
    expect(stdout).toContain('EC_SM2');
  });

  it('reports a bad key as a row with its code and exits 1, keeping the good ones', async () => {
    const bundle = [
      {
        KeyId: 'good',
        KeyVersionId: 'v1',
        PublicKey: readFileSync(`${root}/vectors/keys/EC_P256/public.pem`, 'utf8'),
      },
      {
        KeyId: 'small',
        KeyVersionId: 'v1',
        PublicKey: readFileSync(`${root}/vectors/keys/other/rsa-1024.pem`, 'utf8'),
      },
      { KeyId: 'junk', KeyVersionId: 'v1', PublicKey: 'not a key' },
    ];
    const { code, stdout } = await run(['inspect', 'b.json'], { 'b.json': JSON.stringify(bundle) });
    expect(code).toBe(1);
    expect(stdout).toMatch(/good\s+v1\s+EC_P256/);
    expect(stdout).toMatch(/small\s+v1\s+ERROR\s+ERR_KEY_UNSUPPORTED/);
    expect(stdout).toMatch(/junk\s+v1\s+ERROR\s+ERR_KEY_FORMAT/);
    expect(stdout).toContain('3 keys, 2 with errors');
  });

  it.each([
    ['a missing file', ['inspect', 'no/such/file.json'], 'cannot read no/such/file.json: ENOENT'],
    ['a directory', ['inspect', 'vectors'], 'cannot read vectors: EISDIR'],
    ['a malformed bundle', ['inspect', 'bad.json'], 'ERR_BUNDLE_FORMAT: key bundle entry 0: KeyId'],
    ['invalid JSON', ['inspect', 'broken.json'], 'ERR_BUNDLE_FORMAT: broken.json: not valid JSON'],
    ['no FILE', ['inspect'], 'inspect takes exactly one FILE'],
    ['an unknown option', ['inspect', '--frobnicate', 'x'], "Unknown option '--frobnicate'"],
    ['an unknown command', ['frobnicate'], 'unknown command "frobnicate"'],
    ['no command', [], 'usage:'],
  ])('exits 2 with a message on %s, printing nothing on stdout', async (_name, args, fragment) => {
    const { code, stdout, stderr } = await run(args, { 'bad.json': '[{}]', 'broken.json': '[{"KeyId":' });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(fragment);
  });
});

describe('the built binary, as npm start runs it', () => {
  const binary = `${root}/dist/cli/main.js`;
  it('prints the sample table and exits 0', () => {
    expect(existsSync(binary), 'dist/ is missing: npm test builds it first (npm run build)').toBe(true);
    const result = spawnSync(process.execPath, [binary, 'inspect', 'vectors/sample/keys.json'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('5 keys, 0 with errors');
    expect(result.stdout).toContain(fingerprint('vectors/keys/EC_SM2/public.der'));
  });

  it('exits 2 on a missing file with the reason on stderr', () => {
    const result = spawnSync(process.execPath, [binary, 'inspect', 'missing.json'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('kms-verify: cannot read missing.json: ENOENT\n');
  });
});
