/**
 * `npm start` builds dist/ only when it is missing or older than the sources
 * (server/buildWhenStale.mjs), so a restart of an unchanged checkout does not wait for tsc.
 * Runs in a temp copy of the sources (node_modules linked), never touching this checkout's dist/.
 * The build bundles the appliance's entry into one file; the built appliance is started from it here.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isBuildFresh, sourcesFingerprint } from '../../server/buildWhenStale.mjs';
import { spawnChild, waitReady } from '../helpers/childAppliance.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const COPIED = ['server', 'views', 'db', 'assets', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];

let work: string;

function runScript(): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, ['server/buildWhenStale.mjs'], { cwd: work, encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, stderr: r.stderr };
}

function mtime(rel: string): number {
  return fs.statSync(path.join(work, rel)).mtimeMs;
}

beforeAll(() => {
  work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'npm-start-')));
  for (const f of COPIED) fs.cpSync(path.join(repoRoot, f), path.join(work, f), { recursive: true });
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(work, 'node_modules'));
});

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

describe('npm start: build only when stale', () => {
  it('package.json start runs the staleness check, then the same entry as the image', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe('node server/buildWhenStale.mjs && node dist/server/main.js');
  });

  it('builds when dist/ is missing, then skips the build while nothing changed', () => {
    expect(isBuildFresh(work)).toBe(false);
    const first = runScript();
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/building/);
    expect(fs.existsSync(path.join(work, 'dist/server/main.js'))).toBe(true);
    expect(fs.existsSync(path.join(work, 'dist/db/migrations'))).toBe(true);
    expect(isBuildFresh(work)).toBe(true);
    // The CLI runs through its `bin` path (as `npx storeclaw-notify` and a linked command in cron do), not only as `node dist/…`.
    const pkg = JSON.parse(fs.readFileSync(path.join(work, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    const cli = spawnSync(path.join(work, pkg.bin['storeclaw-notify']!), ['--help'], { cwd: work, encoding: 'utf8' });
    expect(cli.error, String(cli.error)).toBeUndefined();
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/storeclaw-notify/);

    const builtAt = mtime('dist/server/main.js');
    const second = runScript();
    expect(second.status).toBe(0);
    expect(second.stderr).toBe('');
    expect(mtime('dist/server/main.js')).toBe(builtAt);
  }, 300_000);

  it('the built entry is one file (server/bundleMain.mjs) that finds its files where the compiled modules left them', async () => {
    // Runs on the build of the test above.
    const entry = path.join(work, 'dist/server/main.js');
    const text = fs.readFileSync(entry, 'utf8');
    expect(text).not.toMatch(/(?:from|import\()\s*["']\.\.?\//);
    // ASCII, so V8 holds the text one byte a character (server/asciiSource.mjs).
    expect(text).toMatch(/^[\x00-\x7f]*$/);
    const entryUrl = pathToFileURL(entry);
    const own = [...text.matchAll(/new URL\("([^"]+)", import\.meta\.url\)\.href/g)].map((m) => new URL(m[1]!, entryUrl));
    expect(own.map((u) => path.relative(work, fileURLToPath(u))).sort()).toEqual(
      expect.arrayContaining(['dist/db/client.js', 'dist/server/charts/rasterise.js', 'dist/server/reports/reportThread.js', 'dist/server/routes/static.js']),
    );
    for (const u of own) expect(fs.existsSync(u), fileURLToPath(u)).toBe(true);
    for (const m of text.matchAll(/new URL\("([^"]+)", new URL\("([^"]+)", import\.meta\.url\)\.href\)/g)) {
      // The report thread's TypeScript loader is used only when it runs from the sources.
      if (m[1] === './tsWorker.mjs') continue;
      const target = new URL(m[1]!, new URL(m[2]!, entryUrl));
      expect(fs.existsSync(target), fileURLToPath(target)).toBe(true);
    }
    expect(fs.readdirSync(path.join(work, 'dist/assets/fonts')).length).toBeGreaterThan(0);

    // And it runs: migrations applied, the console's files served from dist/.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npm-start-data-'));
    const child = await spawnChild({ DATA_DIR: dataDir }, { args: ['dist/server/main.js'], cwd: work });
    try {
      await waitReady(child);
      const { url } = child;
      const css = await fetch(url + '/static/app.css');
      expect(css.status).toBe(200);
      expect(await css.text()).toBe(fs.readFileSync(path.join(repoRoot, 'views/static/app.css'), 'utf8'));
      const login = await fetch(url + '/login');
      expect(login.status).toBe(200);
      expect(await login.text()).toMatch(/<form/);
      // The escaped Chinese still reads as Chinese.
      expect(await (await fetch(url + '/login', { headers: { 'accept-language': 'zh-CN' } })).text()).toContain('登录');
    } finally {
      child.process.kill('SIGTERM');
      await child.exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('the fingerprint changes when a source is edited, added or deleted, and not otherwise', () => {
    const before = sourcesFingerprint(work);
    expect(sourcesFingerprint(work)).toBe(before);

    const file = path.join(work, 'server/config.ts');
    const later = new Date(Date.now() + 5_000);
    fs.utimesSync(file, later, later);
    const edited = sourcesFingerprint(work);
    expect(edited).not.toBe(before);
    expect(isBuildFresh(work)).toBe(false);

    const added = path.join(work, 'views/extra.ts');
    fs.writeFileSync(added, 'export {};\n');
    const withAdded = sourcesFingerprint(work);
    expect(withAdded).not.toBe(edited);
    fs.rmSync(added);
    expect(sourcesFingerprint(work)).toBe(edited);

    // Files outside the build's inputs (tests, data, docs) do not make dist/ stale.
    fs.mkdirSync(path.join(work, 'test'), { recursive: true });
    fs.writeFileSync(path.join(work, 'test/new.test.ts'), '');
    expect(sourcesFingerprint(work)).toBe(edited);
  });
});
