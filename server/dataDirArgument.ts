// The start of the data-directory commands (npm run backup, npm run restore): one file argument,
// and DATA_DIR from the environment, each refused with one line and the exit code to use.
import { configuredDataDir } from './config.ts';

export type DataDirArgument = { ok: true; file: string; dataDir: string } | { ok: false; code: number; line: string };

export function dataDirArgument(argv: readonly string[], usage: string, env: Record<string, string | undefined>): DataDirArgument {
  const file = argv[0];
  if (!file || argv.length > 1 || file === '-h' || file === '--help') return { ok: false, code: 2, line: usage };
  const configured = configuredDataDir(env);
  return configured.ok ? { ok: true, file, dataDir: configured.dataDir } : { ok: false, code: 1, line: configured.message };
}
