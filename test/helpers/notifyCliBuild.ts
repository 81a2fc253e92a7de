import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const repo = join(import.meta.dirname, '../..');

/**
 * storeclaw-notify as users run it: compiled with the build's compiler options (tsconfig.build.json),
 * only the CLI and what it imports, into test/artifacts/<name>; started with plain node (no tsx).
 * Returns the compiled entry. Each caller names its own folder, so parallel test files never share one.
 */
export function buildNotifyCli(name: string): string {
  const buildDir = join(repo, 'test/artifacts', name);
  mkdirSync(buildDir, { recursive: true });
  const config = join(buildDir, 'tsconfig.json');
  writeFileSync(config, JSON.stringify({ extends: '../../../tsconfig.build.json', compilerOptions: { outDir: '.' }, include: [], files: ['../../../server/cli/storeclawNotify.ts'] }));
  execFileSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', config], { cwd: repo });
  return join(buildDir, 'server/cli/storeclawNotify.js');
}
