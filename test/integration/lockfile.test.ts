/**
 * The lockfile must be accepted by `npm ci` with every npm the README supports: npm 11 (this
 * machine's, which ran `npm ci` before this test), npm 10.8 (bundled with Node 20) and npm 10.9
 * (bundled with Node 22 and the image). npm 11 writes lockfiles npm 10 refuses ("Missing: esbuild@…
 * from lock file"); regenerate with `npx -y npm@10.9.9 install --package-lock-only` when this fails.
 */
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE_IMAGE_NODE, BASE_IMAGE_NPM, NODE20_NPM, npmCiDryRun } from '../dockerfile/baseImageToolchain.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { engines: Record<string, string> };
const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

describe('lockfile accepted by the npm versions users have', () => {
  for (const npm of [NODE20_NPM, BASE_IMAGE_NPM]) {
    it(`npm ${npm}: npm ci --dry-run accepts package-lock.json`, () => {
      const r = npmCiDryRun(repoRoot, npm);
      expect(r.ok, `npm ${npm} refused the lockfile:\n${r.output.slice(0, 4_000)}`).toBe(true);
    }, 240_000);
  }

  it('engines and the README name the versions these tests run with', () => {
    expect(pkg.engines.node).toBe('>=20.11');
    expect(pkg.engines.npm).toBe('>=10.8');
    // The README's support line names what is tested: Node 20 with npm 10.8, Node 22 with npm 10.9, npm 11.
    expect(readme).toMatch(/Node\.js 20\.11\+ \(npm 10\.8\+\) or 22 \(npm 10\.9\), npm 11 also works/);
    expect(NODE20_NPM.startsWith('10.8.')).toBe(true);
    expect(BASE_IMAGE_NPM.startsWith('10.9.')).toBe(true);
    expect(BASE_IMAGE_NODE.startsWith('22.')).toBe(true);
  });
});
