// The running version where people look for it: the console footer, /healthz, /metrics; and where it
// comes from (dist/build-info.json written by the build, else the checkout's package.json and git).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBuildInfo } from '../../server/buildInfo.ts';
import { startFakeWecom } from '../fakeWecom.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { parsePrometheus } from '../helpers/prometheus.ts';
import { startTestAppliance } from '../helpers/testAppliance.ts';

const scratch = mkdtempSync(join(tmpdir(), 'version-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('where the version comes from', () => {
  it('a build: dist/build-info.json, found from any module below it', () => {
    const dist = join(scratch, 'app/dist');
    mkdirSync(join(dist, 'server/cli'), { recursive: true });
    writeFileSync(join(scratch, 'app/package.json'), JSON.stringify({ version: '0.0.0-not-this' }));
    writeFileSync(join(dist, 'build-info.json'), JSON.stringify({ version: '1.4.2', commit: '89ABCDEF0123456789abcdef0123456789abcdef' }));
    expect(readBuildInfo(join(dist, 'server/cli'))).toEqual({ version: '1.4.2', commit: '89abcdef0123' });
    // A commit that is not a hash (an unset build argument) is "unknown", not whatever was passed.
    writeFileSync(join(dist, 'build-info.json'), JSON.stringify({ version: '1.4.2', commit: '$BUILD_COMMIT' }));
    expect(readBuildInfo(join(dist, 'server'))).toEqual({ version: '1.4.2', commit: 'unknown' });
  });

  it('the sources: package.json and git, "unknown" outside a checkout', () => {
    const repo = process.cwd();
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim().slice(0, 12);
    expect(readBuildInfo(join(repo, 'server'))).toEqual({ version: pkg.version, commit: head });
    const loose = join(scratch, 'loose');
    mkdirSync(join(loose, 'server'), { recursive: true });
    writeFileSync(join(loose, 'package.json'), JSON.stringify({ version: '2.0.0' }));
    expect(readBuildInfo(join(loose, 'server'))).toEqual({ version: '2.0.0', commit: 'unknown' });
  });

  it('npm run build writes it (BUILD_COMMIT, as the image passes it)', () => {
    const out = join(scratch, 'written');
    execFileSync(process.execPath, ['server/writeBuildInfo.mjs', out], { env: { ...process.env, BUILD_COMMIT: '0123456789abcdef0123456789abcdef01234567' } });
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string; scripts: Record<string, string> };
    expect(JSON.parse(readFileSync(join(out, 'build-info.json'), 'utf8'))).toEqual({ version: pkg.version, commit: '0123456789abcdef0123456789abcdef01234567' });
    expect(pkg.scripts.build).toMatch(/&& node server\/writeBuildInfo\.mjs$/);
  });
});

describe('where the version shows', () => {
  it('the console footer (EN and ZH), /healthz and storeclaw_build_info on /metrics', async () => {
    const fake = await startFakeWecom();
    const build = { version: '1.4.2', commit: '89abcdef0123' };
    const app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: 'version-test-pass' }, build });
    try {
      expect(await (await fetch(app.url + '/healthz')).json()).toEqual({ status: 'ok', version: '1.4.2', commit: '89abcdef0123' });
      const families = parsePrometheus(await (await fetch(app.url + '/metrics')).text());
      const info = families.get('storeclaw_build_info')!;
      expect(info.type).toBe('gauge');
      expect(info.samples).toEqual([{ name: 'storeclaw_build_info', labels: { version: '1.4.2', commit: '89abcdef0123' }, value: 1 }]);

      const c = new ConsoleClient(app.url);
      await c.signIn('version-test-pass');
      for (const path of ['/', '/channels', '/settings']) {
        expect(textOf((await c.get(path)).body)).toContain('Version 1.4.2 · commit 89abcdef0123');
      }
      expect(textOf((await c.get('/', { 'accept-language': 'zh-CN' })).body)).toContain('版本 1.4.2 · 提交 89abcdef0123');
    } finally {
      await app.stop();
      await fake.close();
    }
  });
});

describe('/healthz?verbose with METRICS_TOKEN', () => {
  it('answers the self-watch only with the token, like /metrics; plain /healthz stays public', async () => {
    const fake = await startFakeWecom();
    const token = 'metrics-token-for-verbose';
    const app = await startTestAppliance({ wecomOrigin: fake.origin, env: { METRICS_TOKEN: token } });
    try {
      await app.deps.selfWatch!.check();
      expect((await fetch(app.url + '/healthz')).status).toBe(200);
      const refused = await fetch(app.url + '/healthz?verbose');
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ status: 'ok', error: expect.stringContaining('METRICS_TOKEN') });
      const ok = await fetch(app.url + '/healthz?verbose', { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ status: 'ok', watch: { status: 'ok', problems: [], fallback: false } });
    } finally {
      await app.stop();
      await fake.close();
    }
  });
});
