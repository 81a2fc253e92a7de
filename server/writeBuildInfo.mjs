// `npm run build` ends with this: dist/build-info.json says which version and commit dist/ was built
// from, so a build without .git (the image: .dockerignore leaves it out) still knows its commit.
// The commit comes from BUILD_COMMIT (the image's build argument), else from git, else "unknown".
// Plain JavaScript: it runs with node alone. Usage: node server/writeBuildInfo.mjs [out-dir]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.resolve(process.argv[2] ?? path.join(root, 'dist'));

function commit() {
  const given = (process.env.BUILD_COMMIT ?? '').trim().toLowerCase();
  if (/^[0-9a-f]{7,40}$/.test(given)) return given;
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const info = { version, commit: commit() };
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'build-info.json'), JSON.stringify(info) + '\n');
process.stdout.write(`build-info.json: ${info.version} (${info.commit})\n`);
