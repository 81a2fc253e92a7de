// A console restore reopens the core (appliance.ts openCore) and with it a new self-watch: what it
// saw (the outage in progress, the fallback's hourly window, the storeclaw_fallback_* counters) is the
// process's, and outlives it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { downloadBackup as download, uploadBackup } from '../helpers/backupForms.ts';
import { ConsoleClient } from '../helpers/consoleClient.ts';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '4d5e6f70-8192-4a3b-84d5-e6f708192a3b';
const PASSWORD = 'review-restore-pass';
let fake: FakeWecom;
let app: TestAppliance;
let receiver: Server;
const received: Array<{ type: string; problems: Array<{ reason: string }> }> = [];

const metric = async (type: string) => sampleValue(parsePrometheus(await (await fetch(app.url + '/metrics')).text()), 'storeclaw_fallback_notifications_total', { type });

beforeAll(async () => {
  fake = await startFakeWecom({ keys: [KEY] });
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as never);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  app = await startTestAppliance({
    wecomOrigin: fake.origin,
    env: { ADMIN_PASSWORD: PASSWORD, FALLBACK_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook/tok-restore` },
    selfWatch: { intervalMs: 100 },
  });
}, 60_000);
afterAll(async () => {
  await app?.stop();
  await fake?.close();
  await new Promise((r) => receiver?.close(r));
});

describe('self-watch across a console restore', () => {
  it('an outage that a restore ends gets its recovery, and the fallback counters do not go back to 0', async () => {
    const c = new ConsoleClient(app.url);
    await c.signIn(PASSWORD);
    expect((await c.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);
    const backup = await download(c); // the bot connected and working
    const token = issueApiToken(app.deps, { name: 'r', requireSignature: false, now: Date.now() }).token;

    // Outage: the bot answers 93000, the channel is invalid, the fallback hears one alert.
    fake.removeKey(KEY);
    expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', title: 'bot gone' })).status).toBe(202);
    expect(await waitFor(() => received.length === 1, 10_000)).toBe(true);
    expect(received[0]!.type).toBe('alert');
    expect(received[0]!.problems.map((p) => p.reason)).toContain('channel_invalid');
    expect(await metric('alert')).toBe(1);

    // The admin restores the backup of when the bot worked (and the bot works again in WeCom).
    fake.addKey(KEY);
    expect((await uploadBackup(c, backup)).status).toBe(303);
    expect(await waitFor(() => app.deps.selfWatch!.status().checkedAt !== undefined && app.deps.selfWatch!.status().status === 'ok', 10_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));

    // Counters of this process (README: `_total` counters start at 0 with the process) stay monotonic.
    expect.soft(await metric('alert')).toBe(1);
    // The outage is over: the fallback hears its recovery.
    expect.soft(received.map((m) => m.type)).toEqual(['alert', 'recovery']);
  }, 40_000);
});
