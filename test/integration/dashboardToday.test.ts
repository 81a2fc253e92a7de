import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { queueDepth } from '../../server/delivery/store.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { outcomes } from '../helpers/accounting.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const PASSWORD = 'review-dash-pass-1';

/** The five "Today" tiles of the dashboard panel, as the reader sees them. */
function todayTiles(html: string): Record<string, number> {
  const text = textOf(html);
  const m = /Today sent (\d+) digested (\d+) suppressed (\d+) dead (\d+) waiting (\d+)/.exec(text);
  if (!m) throw new Error(`no Today tiles in: ${text.slice(0, 400)}`);
  return { sent: +m[1]!, digested: +m[2]!, suppressed: +m[3]!, dead: +m[4]!, pending: +m[5]! };
}

describe('dashboard Today tiles: events folded into a digest that has not gone out', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let console: ConsoleClient;
  let token: string;
  let offset = 0;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD }, clock: { now: () => Date.now() + offset } });
    console = new ConsoleClient(app.url);
    await console.signIn(PASSWORD);
    token = issueApiToken(app.deps, { name: 'review', requireSignature: false, now: Date.now() }).token;
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('counts the members of a queued (unsent) quiet-hours digest as waiting, as the chart, the API and the accounting do', async () => {
    const tz = 'Asia/Shanghai';
    const hhmm = (ms: number) => new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hour12: false }).format(ms);
    const now = Date.now();
    app.deps.settings.setRules({ ...app.deps.settings.rules(), quietHours: { enabled: true, start: hhmm(now - 3600_000), end: hhmm(now + 60_000), timeZone: tz } });
    for (let i = 0; i < 3; i++) {
      const r = await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'warning', title: `night #${i}` });
      expect(r.json.status).toBe('held');
    }
    // Quiet hours end (still the same local day): the worker releases the three as one digest. No bot
    // is connected, so the digest waits in the queue.
    offset = 120_000;
    app.worker.wake();
    expect(await waitFor(() => queueDepth(app.deps.db) === 1 && outcomes(app.deps.db).pending === 3)).toBe(true);
    const truth = outcomes(app.deps.db);
    expect(truth).toMatchObject({ digested: 0, pending: 3 });

    const panel = await console.get('/dashboard/panel', { 'accept-language': 'en' });
    const tiles = todayTiles(panel.body);
    // Nothing has been sent: the three alerts still wait for their digest.
    expect(tiles).toEqual({ sent: 0, digested: truth.digested, suppressed: 0, dead: 0, pending: truth.pending });
  }, 30_000);
});

describe('dashboard charts on a console whose zone is not a whole hour from UTC (Asia/Kolkata, UTC+5:30)', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let c: ConsoleClient;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: 'kolkata-pass' } });
    app.deps.settings.setGeneral({ ...app.deps.settings.general(), timeZone: 'Asia/Kolkata' });
    c = new ConsoleClient(app.url);
    await c.signIn('kolkata-pass');
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('"Events per hour" puts an event in the column of the local hour it arrived in (it used UTC hours, labelled half an hour early)', async () => {
    const token = issueApiToken(app.deps, { name: 'kolkata', requireSignature: false, now: Date.now() }).token;
    const res = await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'warning', title: 'late order' });
    expect(res.status).toBe(202);
    const id = res.json.id as number;
    // It arrived three hours ago at :45 past a UTC hour, i.e. at :15 past a local hour in India.
    const hour = 3_600_000;
    const now = Date.now();
    const at = now - (now % hour) - 3 * hour + 45 * 60_000;
    app.deps.db.$client.prepare('UPDATE events SET received_at = ? WHERE id = ?').run(at, id);
    const localHour = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Kolkata', hour: '2-digit', hour12: false }).format(at);
    const page = await c.get('/');
    expect(page.status).toBe(200);
    const hours = /<svg[^>]*aria-label="Events per hour[^"]*"[\s\S]*?<\/svg>/.exec(page.body)?.[0] ?? '';
    const bars = [...hours.matchAll(/<rect[^>]*><title>([^<]*)<\/title>/g)].map((m) => m[1]);
    // The event happened at ${localHour}:15 local time: its bar must be the column of hour ${localHour}.
    expect(bars, `event at ${new Date(at).toISOString()} = ${localHour}:15 in Asia/Kolkata`).toContain(`${localHour}: waiting 1`);
  });
});
