// `npm run fake-wecom` as a user runs it (its own process), restarted between a connect and a test
// send: the demo bot must survive the restart, or the appliance would pause sending on 93000.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { channelStatus, connectBot, sendTestNotification } from '../../server/channel/wecomChannel.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

type Running = { origin: string; url: string; output: () => string; stop: () => Promise<number | null> };

/** Starts the CLI and resolves once it printed its instructions (or rejects with what it printed). */
function startCli(env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fakeWecomCli.ts'], {
    env: { ...process.env, FAKE_WECOM_PORT: '', FAKE_WECOM_KEYS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const origin = /WECOM_API_ORIGIN=(http:\/\/127\.0\.0\.1:\d+) npm start/.exec(out)?.[1];
      const url = /(https:\/\/qyapi\.weixin\.qq\.com\/cgi-bin\/webhook\/send\?key=\S+)/.exec(out)?.[1];
      if (origin && url && out.includes('Ctrl+C')) {
        resolve({ origin, url, output: () => out, stop: () => (child.kill('SIGTERM'), exited) });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => reject(new Error(`fake-wecom exited ${code}: ${out}`)));
  });
}

describe('npm run fake-wecom keeps its demo bot across restarts', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fake-wecom-cli-'));
  let app: TestAppliance | undefined;
  const started: Running[] = [];
  const start = async (env: Record<string, string>) => {
    const cli = await startCli(env);
    started.push(cli);
    return cli;
  };
  afterAll(async () => {
    await app?.stop();
    await Promise.all(started.map((cli) => cli.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the same webhook URL and origin after a restart, and the connected key still works', async () => {
    // Port 0: a free port this time; the saved port is what the restart must reuse.
    const first = await start({ DATA_DIR: dataDir, FAKE_WECOM_PORT: '0' });
    expect(first.url).toMatch(/key=[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    app = await startTestAppliance({ wecomOrigin: first.origin });
    expect(await connectBot(app.deps, first.url, { ip: null })).toMatchObject({ ok: true });
    expect(await first.stop()).toBe(0);

    const second = await start({ DATA_DIR: dataDir });
    expect({ origin: second.origin, url: second.url }).toEqual({ origin: first.origin, url: first.url });
    expect(JSON.parse(readFileSync(join(dataDir, 'fake-wecom.json'), 'utf8'))).toEqual({
      port: Number(new URL(first.origin).port),
      keys: [new URL(first.url).searchParams.get('key')],
    });

    expect(await sendTestNotification(app.deps, { ip: null })).toEqual({ ok: true });
    expect(channelStatus(app.deps).state).toBe('connected');
    await expect.poll(() => second.output()).toMatch(/for key …[0-9a-f]{4}/);
    // It names the group page, which shows the test notification (the full check is the browser test).
    expect(second.output()).toContain(`${second.origin}/\n`);
    const page = await fetch(`${second.origin}/`, { headers: { 'accept-language': 'en' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('class="wx-bubble"');
    // Two tsx start-ups of the CLI: seconds each on a busy 2-core machine.
  }, 60_000);

  it('refuses a FAKE_WECOM_KEYS entry the console would refuse, saying why', async () => {
    await expect(startCli({ DATA_DIR: dataDir, FAKE_WECOM_PORT: '0', FAKE_WECOM_KEYS: 'demo-key' })).rejects.toThrow(
      /exited 1: fake-wecom: FAKE_WECOM_KEYS: "demo-key" is not a WeCom key/,
    );
  });
});
