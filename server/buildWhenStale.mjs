// `npm start` runs this first: it rebuilds dist/ only when the sources changed since the last
// build, so an unchanged checkout starts at once instead of waiting for tsc (10-30 s on 2 cores).
// Plain JavaScript, so it runs before anything is compiled.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What `npm run build` reads: a change to any of these makes dist/ stale. */
const INPUTS = ['server', 'views', 'db', 'assets', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];
const STAMP = path.join('dist', '.sources-fingerprint');
const ENTRY = path.join('dist', 'server', 'main.js');

/** Hash of every input file's path, size and modification time (a checkout, edit or delete changes it). */
export function sourcesFingerprint(root) {
  const lines = [];
  const visit = (rel) => {
    const abs = path.join(root, rel);
    if (!fs.existsSync(abs)) return;
    const st = fs.statSync(abs);
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(abs).sort()) visit(path.join(rel, name));
    } else {
      lines.push(`${rel}\t${st.size}\t${st.mtimeMs}`);
    }
  };
  for (const input of INPUTS) visit(input);
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/** True when dist/ was built from exactly the sources now on disk. */
export function isBuildFresh(root) {
  const stamp = path.join(root, STAMP);
  if (!fs.existsSync(path.join(root, ENTRY)) || !fs.existsSync(stamp)) return false;
  return fs.readFileSync(stamp, 'utf8').trim() === sourcesFingerprint(root);
}

function main() {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  if (isBuildFresh(root)) return;
  // Fingerprint before building: an edit made during the build leaves dist/ stale, not stamped fresh.
  const fingerprint = sourcesFingerprint(root);
  process.stderr.write('dist/ is missing or older than the sources: building (npm run build)…\n');
  const built = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (built.status !== 0) process.exit(built.status ?? 1);
  fs.writeFileSync(path.join(root, STAMP), `${fingerprint}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
