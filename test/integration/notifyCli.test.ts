// storeclaw-notify as users run it: compiled by the build's own TypeScript settings and started with
// plain node (no tsx), against a real appliance and the fake WeCom.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDelivery } from '../../server/delivery/store.ts';
import { getEvent } from '../../server/delivery/store.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { waitFor } from '../helpers/api.ts';
import { runNode } from '../helpers/notifyCliBuild.ts';
import { ConsoleClient } from '../helpers/consoleClient.ts';
import { buildNotifyCli } from '../helpers/notifyCliBuild.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d';
const STORM_KEY = '1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d';
const repo = fileURLToPath(new URL('../..', import.meta.url));
const buildDir = join(repo, 'test/artifacts/cli-build');
const cli = join(buildDir, 'server/cli/storeclawNotify.js');

const run = (args: string[], env: Record<string, string> = {}) => runNode([cli, ...args], env);

describe('storeclaw-notify against a running appliance', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let token: string;
  let signed: string;
  let signedSecret: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    expect(buildNotifyCli('cli-build')).toBe(cli);
    fake = await startFakeWecom({ keys: [KEY] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: 'notify-cli-pass' } });
    const admin = new ConsoleClient(app.url);
    await admin.signIn('notify-cli-pass');
    await admin.postForm('/channels/wecom/connect', { url: KEY });
    app.deps.settings.setRules({ ...app.deps.settings.rules(), dedupeWindowMinutes: 0, categories: { ...app.deps.settings.rules().categories, ads: false } });
    token = issueApiToken(app.deps, { name: 'cron', requireSignature: false, now: Date.now() }).token;
    ({ token: signed, signingSecret: signedSecret } = issueApiToken(app.deps, { name: 'ci', requireSignature: true, now: Date.now() }));
    env = { STORECLAW_NOTIFY_URL: app.url, STORECLAW_NOTIFY_TOKEN: token };
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
    await fake?.close();
  });

  it('is the package’s bin, compiled into dist/ by the build the image runs', () => {
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin['storeclaw-notify']).toBe('dist/server/cli/storeclawNotify.js');
    const build = JSON.parse(readFileSync(join(repo, 'tsconfig.build.json'), 'utf8')) as { include: string[]; compilerOptions: { outDir: string } };
    expect(build.include).toContain('server');
    expect(build.compilerOptions.outDir).toBe('dist');
    expect(readFileSync(join(repo, 'Dockerfile'), 'utf8')).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
    expect(readFileSync(cli, 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
  });

  it('--help explains the commands and the exit codes', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('storeclaw-notify alert');
    expect(help.stdout).toMatch(/11\s+suppressed/);
  });

  it('--version says the version and commit: from the build’s build-info.json, else the checkout', async () => {
    rmSync(join(buildDir, 'build-info.json'), { force: true });
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim().slice(0, 12);
    const checkout = await run(['--version']);
    expect(checkout).toEqual({ code: 0, stdout: `storeclaw-notify ${pkg.version} (${head})\n`, stderr: '' });
    // What `npm run build` writes into dist/ (here the CLI's own build dir); BUILD_COMMIT is the image's build argument.
    execFileSync(process.execPath, [join(repo, 'server/writeBuildInfo.mjs'), buildDir], { env: { ...process.env, BUILD_COMMIT: 'ABCDEF0123456789abcdef0123456789abcdef01' } });
    expect((await run(['-V'])).stdout).toBe(`storeclaw-notify ${pkg.version} (abcdef012345)\n`);
    rmSync(join(buildDir, 'build-info.json'));
  });

  it('sends an alert and, with --wait, exits 0 once it is sent', async () => {
    const res = await run(['alert', '--severity', 'critical', '--title', 'Backup failed', '--field', 'host=db-1', '--wait'], env);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const id = Number(/^event (\d+): sent/.exec(res.stdout)?.[1]);
    expect(getEvent(app.deps.db, id)).toMatchObject({ title: 'Backup failed', status: 'sent', severity: 'critical' });
    expect(fake.receivedFor(KEY).some((m) => JSON.stringify(m.body).includes('Backup failed'))).toBe(true);
    expect(res.stdout + res.stderr).not.toContain(token);
  });

  it('without --wait exits 0 as soon as the event is accepted; task and metric too', async () => {
    const task = await run(['task', '--name', 'nightly-sync', '--status', 'succeeded', '--duration-ms', '5400'], env);
    expect(task.code).toBe(0);
    expect(task.stdout).toMatch(/^event \d+: queued/);
    const metric = await run(['metric', '--name', 'gmv', '--value', '1234.5', '--unit', 'CNY', '--wait', '--json'], env);
    expect(metric.code).toBe(0);
    expect(JSON.parse(metric.stdout)).toMatchObject({ status: 'stored', final: true, kind: 'metric' });
  });

  it('exits 11 for an event a rule suppresses and 12 for one that dies', async () => {
    const suppressed = await run(['alert', '--category', 'ads', '--title', 'CPC spike', '--wait'], env);
    expect(suppressed.code).toBe(11);
    expect(suppressed.stdout).toContain('suppressed (category_off)');
    fake.setFailure('errcode', { errcode: 40008, errmsg: 'invalid message type' });
    try {
      const dead = await run(['alert', '--title', 'Will not arrive', '--wait', '--timeout', '30'], env);
      expect(dead.code).toBe(12);
      expect(dead.stdout).toMatch(/: dead/);
    } finally {
      fake.setFailure(null);
    }
  });

  it('exits 10 for an alert folded into a storm digest, once that digest is sent', async () => {
    // Its own appliance with a 2 s rate window and a limit of 2, so a storm folds and its digest
    // goes out while the CLI waits.
    const storm = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: 'notify-cli-pass', WECOM_RATE_WINDOW_MS: '2000' } });
    try {
      const admin = new ConsoleClient(storm.url);
      await admin.signIn('notify-cli-pass');
      // A bot of its own: the fake counts 20 a minute per key, and the tests above used KEY.
      fake.addKey(STORM_KEY);
      await admin.postForm('/channels/wecom/connect', { url: STORM_KEY });
      const { settings, limiter } = storm.deps;
      settings.setRules({ ...settings.rules(), dedupeWindowMinutes: 0 });
      settings.setDelivery({ ...settings.delivery(), rateLimit: 2, digestWindowSeconds: 10 });
      limiter.setLimit(2);
      const stormToken = issueApiToken(storm.deps, { name: 'storm', requireSignature: false, now: Date.now() }).token;
      // The window is kept full until the storm is folded, however slowly the CLI starts: its alert
      // must wait in the queue, not go out alone before the storm arrives.
      const hold = setInterval(() => limiter.record(Date.now()), 100);
      const statusOf = (title: string) => storm.deps.db.$client.prepare('SELECT status FROM events WHERE title = ?').get(title) as { status: string } | undefined;
      let res: Awaited<ReturnType<typeof run>>;
      try {
        limiter.record(Date.now());
        limiter.record(Date.now());
        const cli = run(['alert', '--category', 'inventory', '--title', 'Till 12 offline', '--wait', '--timeout', '30'], { STORECLAW_NOTIFY_URL: storm.url, STORECLAW_NOTIFY_TOKEN: stormToken });
        expect(await waitFor(() => statusOf('Till 12 offline') !== undefined, 20_000)).toBe(true);
        for (let i = 0; i < 12; i++) {
          const posted = await fetch(`${storm.url}/api/v1/events`, {
            method: 'POST',
            headers: { authorization: `Bearer ${stormToken}`, 'content-type': 'application/json' },
            body: JSON.stringify({ kind: 'alert', category: 'inventory', severity: 'warning', title: `Till ${i} offline` }),
          });
          expect(posted.status).toBe(202);
        }
        expect(await waitFor(() => statusOf('Till 12 offline')?.status === 'digested', 10_000)).toBe(true);
        clearInterval(hold);
        res = await cli;
      } finally {
        clearInterval(hold);
      }
      expect(res.code).toBe(10);
      const id = Number(/^event (\d+): digested/.exec(res.stdout)?.[1]);
      const event = getEvent(storm.deps.db, id);
      expect(event).toMatchObject({ status: 'digested' });
      expect(event?.finishedAt).not.toBeNull();
      // The digest that carried it is what WeCom received.
      const digest = getDelivery(storm.deps.db, event!.digestDeliveryId!);
      expect(digest).toMatchObject({ kind: 'digest', status: 'sent' });
      expect(fake.receivedFor(STORM_KEY).map((m) => JSON.stringify(m.body))).toContain(digest!.payload);
    } finally {
      await storm.stop();
    }
  });

  it('exits 3 when the appliance refuses, 2 for a usage error', async () => {
    const wrong = await run(['alert', '--title', 't'], { ...env, STORECLAW_NOTIFY_TOKEN: 'scn_wrong' });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain('401');
    const tooLong = await run(['alert', '--title', 'x'.repeat(201)], env);
    expect(tooLong.code).toBe(3);
    expect(tooLong.stderr).toContain('title: must be at most 200 characters');
    const usage = await run(['alert'], env);
    expect(usage.code).toBe(2);
  });

  it('signs requests (the POST and the --wait polls) when given the signing secret', async () => {
    const dir = join(buildDir, 'secrets');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'token'), signed + '\n');
    writeFileSync(join(dir, 'secret'), signedSecret + '\n'); // this token's signing secret, not the token
    const base = { STORECLAW_NOTIFY_URL: app.url };
    const unsigned = await run(['alert', '--title', 'Deploy done', '--token-file', join(dir, 'token')], base);
    expect(unsigned.code).toBe(3);
    const ok = await run(['alert', '--title', 'Deploy done', '--token-file', join(dir, 'token'), '--signing-secret-file', join(dir, 'secret'), '--wait'], base);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/: sent/);
  });

  it('retries a 503 with backoff, and gives up with 4 when the appliance cannot be reached', async () => {
    let calls = 0;
    const flaky: Server = createServer((req, res) => {
      calls++;
      if (calls === 1) {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' }).end('{"error":"storage_unavailable","message":"disk full"}');
      } else {
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"id":7,"status":"queued"}');
      }
    });
    await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`;
    try {
      const res = await run(['alert', '--title', 't'], { STORECLAW_NOTIFY_URL: url, STORECLAW_NOTIFY_TOKEN: 'scn_x' });
      expect(res.code).toBe(0);
      expect(calls).toBe(2);
      expect(res.stderr).toContain('503 disk full; retrying');
    } finally {
      await new Promise((r) => flaky.close(r));
    }
    const gone = await run(['alert', '--title', 't', '--retries', '1'], { STORECLAW_NOTIFY_URL: url, STORECLAW_NOTIFY_TOKEN: 'scn_x' });
    expect(gone.code).toBe(4);
    expect(gone.stderr).toContain('retrying');
    expect(gone.stderr).toContain('could not reach');
  });
});
