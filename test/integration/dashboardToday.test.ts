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
