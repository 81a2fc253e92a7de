import { execFile, execFileSync } from 'node:child_process';
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

export type CliRun = { code: number; stdout: string; stderr: string };

/** Runs node with these arguments and only PATH plus `env` in its environment, as a cron job would; never rejects. */
export function runNode(args: string[], env: Record<string, string> = {}, cwd = repo): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}
