// Which build is running: the package version and the commit it was built from. `npm run build`
// writes dist/build-info.json (server/writeBuildInfo.mjs: the commit from BUILD_COMMIT, the image's
// build argument, else from git); run from the sources, the checkout's git says. Read once at
// start and passed on; a build without either says "unknown" rather than guessing.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BuildInfo {
  version: string;
  /** The commit's hash (12 characters), or "unknown". */
  commit: string;
}

export const BUILD_INFO_FILE = 'build-info.json';
export const UNKNOWN_COMMIT = 'unknown';

/** A commit hash as written by the build or git, shortened; anything else is "unknown". */
export function commitOf(raw: string | undefined): string {
  const s = raw?.trim().toLowerCase() ?? '';
  return /^[0-9a-f]{7,40}$/.test(s) ? s.slice(0, 12) : UNKNOWN_COMMIT;
}

function gitCommit(root: string): string {
  if (!existsSync(join(root, '.git'))) return UNKNOWN_COMMIT;
  try {
    return commitOf(execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }));
  } catch {
    return UNKNOWN_COMMIT;
  }
}

/**
 * Walks up from this module: dist/build-info.json (a build), else the package.json of the sources
 * (a checkout, run through tsx) with git's HEAD.
 */
export function readBuildInfo(from: string = dirname(fileURLToPath(import.meta.url))): BuildInfo {
  for (let dir = from; ; dir = dirname(dir)) {
    const built = join(dir, BUILD_INFO_FILE);
    if (existsSync(built)) {
      const info = JSON.parse(readFileSync(built, 'utf8')) as Partial<BuildInfo>;
      return { version: String(info.version ?? 'unknown'), commit: commitOf(info.commit) };
    }
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const { version } = JSON.parse(readFileSync(pkg, 'utf8')) as { version?: string };
      return { version: version ?? 'unknown', commit: gitCommit(dir) };
    }
    if (dirname(dir) === dir) return { version: 'unknown', commit: UNKNOWN_COMMIT };
  }
}

/** "0.2.0 (3f2a9c1d0e4b)", as the console footer and the CLI print it. */
export function describeBuild(b: BuildInfo): string {
  return `${b.version} (${b.commit})`;
}
