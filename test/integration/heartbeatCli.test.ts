// storeclaw-notify ping and run as users run them: compiled by the build's own TypeScript settings,
// started with plain node, wrapping real commands, against a real appliance and the fake WeCom.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getHeartbeatCheckByKey, recentPings } from '../../db/queries/heartbeats.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { waitFor } from '../helpers/api.ts';
import { runNode } from '../helpers/notifyCliBuild.ts';
import { ConsoleClient } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f';
const repo = fileURLToPath(new URL('../..', import.meta.url));
const buildDir = join(repo, 'test/artifacts/cli-build-heartbeat');
const cli = join(buildDir, 'server/cli/storeclawNotify.js');

const run = (args: string[], env: Record<string, string> = {}) => runNode([cli, ...args], env);

describe('storeclaw-notify ping and run', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let env: Record<string, string>;
  const texts = () => fake.receivedFor(KEY).map((m) => JSON.stringify(m.body));

  beforeAll(async () => {
    mkdirSync(buildDir, { recursive: true });
    const config = join(buildDir, 'tsconfig.json');
    writeFileSync(config, JSON.stringify({ extends: '../../../tsconfig.build.json', compilerOptions: { outDir: '.' }, include: [], files: ['../../../server/cli/storeclawNotify.ts'] }));
    execFileSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', config], { cwd: repo });
    fake = await startFakeWecom({ keys: [KEY] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: 'heartbeat-cli-pass' } });
    const admin = new ConsoleClient(app.url);
    await admin.signIn('heartbeat-cli-pass');
    await admin.postForm('/channels/wecom/connect', { url: KEY });
    app.deps.settings.setRules({ ...app.deps.settings.rules(), dedupeWindowMinutes: 0 });
    app.deps.settings.setDelivery({ ...app.deps.settings.delivery(), language: 'en' });
    await admin.get('/heartbeats/new');
    const created = await admin.postForm('/heartbeats', {
      name: 'Nightly sync', key: 'nightly-sync', scheduleKind: 'cron', cron: '0 2 * * *', timezone: 'Asia/Shanghai', graceMinutes: '30', calendar: 'every_day', category: 'task', severity: 'critical', reminderHours: '4',
    });
    expect(created.status).toBe(303);
    const token = issueApiToken(app.deps, { name: 'cron', requireSignature: false, now: Date.now() }).token;
    env = { STORECLAW_NOTIFY_URL: app.url, STORECLAW_NOTIFY_TOKEN: token };
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
    await fake?.close();
  });

  it('run around a failing command: output passes through, the exit code is kept, the group hears the failure with the last lines', async () => {
    const failing = await run(['run', 'nightly-sync', '--', 'sh', '-c', 'echo "step 1 of 2"; echo "ERROR: upstream 502" >&2; exit 3'], env);
    expect(failing.code).toBe(3);
    expect(failing.stdout).toContain('step 1 of 2');
    expect(failing.stderr).toContain('ERROR: upstream 502');
    expect(await waitFor(() => texts().some((t) => t.includes('Heartbeat down: Nightly sync')))).toBe(true);
    const alert = texts().find((t) => t.includes('Heartbeat down: Nightly sync'))!;
    expect(alert).toContain('exit code 3');
    expect(alert).toContain('ERROR: upstream 502');
    expect(alert).toContain('step 1 of 2');
    const kinds = recentPings(app.deps.db, getHeartbeatCheckByKey(app.deps.db, 'nightly-sync')!.id, 10).map((p) => p.kind);
    expect(kinds.slice(0, 2)).toEqual(['fail', 'start']);

    const ok = await run(['run', 'nightly-sync', '--', 'sh', '-c', 'echo done'], env);
    expect(ok.code).toBe(0);
    expect(await waitFor(() => texts().some((t) => t.includes('[Recovered] Nightly sync')))).toBe(true);
    expect(getHeartbeatCheckByKey(app.deps.db, 'nightly-sync')!.status).toBe('up');
  });

  it('a command that cannot start exits 127 and pings a failure saying so; the job runs when the appliance is unreachable', async () => {
    const missing = await run(['run', 'nightly-sync', '--', '/nonexistent/job.sh'], env);
    expect(missing.code).toBe(127);
    expect(await waitFor(() => texts().some((t) => t.includes('could not start /nonexistent/job.sh: ENOENT')))).toBe(true);

    const offline = await run(['run', 'nightly-sync', '--url', 'http://127.0.0.1:9', '--retries', '0', '--', 'sh', '-c', 'echo ran anyway'], env);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toContain('ran anyway');
    expect(offline.stderr).toContain('storeclaw-notify: heartbeat nightly-sync: could not reach the appliance');
  });

  it('ping records a check-in and says the state; refusals and usage errors have their exit codes', async () => {
    const ok = await run(['ping', 'nightly-sync'], env);
    expect(ok).toMatchObject({ code: 0, stdout: 'heartbeat nightly-sync: success recorded, check is up\n' });
    const unknown = await run(['ping', 'no-such-check'], env);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('No heartbeat check has the key "no-such-check"');
    expect((await run(['run', 'nightly-sync', 'sh'], env)).code).toBe(2);
    expect((await run(['run', 'nightly-sync'], env)).stderr).toContain('run needs a command after --');
    expect((await run(['ping', 'nightly-sync', '--start', '--fail'], env)).stderr).toContain('give --start or --fail, not both');
    expect((await run(['--help'])).stdout).toContain('storeclaw-notify run  KEY [options] -- COMMAND [ARGS...]');
  });

  it('with a token that requires signing, run around a quick command records both start and success (no replay within the second)', async () => {
    const signed = issueApiToken(app.deps, { name: 'cron signed', requireSignature: true, now: Date.now() });
    const signedEnv = { STORECLAW_NOTIFY_URL: app.url, STORECLAW_NOTIFY_TOKEN: signed.token, STORECLAW_NOTIFY_SIGNING_SECRET: signed.signingSecret };
    const id = getHeartbeatCheckByKey(app.deps.db, 'nightly-sync')!.id;
    const before = recentPings(app.deps.db, id, 500).length;
    const quick = await run(['run', 'nightly-sync', '--', 'true'], signedEnv);
    expect(quick.code).toBe(0);
    expect(quick.stderr).toBe('');
    expect(recentPings(app.deps.db, id, 2).map((p) => p.kind)).toEqual(['success', 'start']);
    // Two pings of the same kind in a row, as two cron jobs of one minute would send them.
    expect((await run(['ping', 'nightly-sync'], signedEnv)).code).toBe(0);
    expect((await run(['ping', 'nightly-sync'], signedEnv)).code).toBe(0);
    expect(recentPings(app.deps.db, id, 500).length).toBe(before + 4);
  });
});
