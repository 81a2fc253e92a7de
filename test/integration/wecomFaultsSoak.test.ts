import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getChannel } from '../../db/queries/channel.ts';
import { getEvent } from '../../server/delivery/store.ts';
import { CATEGORIES } from '../../server/events/schema.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FailureMode, type FailureOptions, type FakeWecom } from '../fakeWecom.ts';
import { outcomes } from '../helpers/accounting.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.ts';
import { seededRandom, sleep } from '../helpers/random.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const STRETCHES = Number(process.env.FAULT_STRETCHES ?? 16);
const SEED = Number(process.env.FAULT_SEED ?? 93_000);
const WINDOW_MS = 2_000;
const KEY = '6d7e8f9a-0b1c-4d2e-9f3a-4b5c6d7e8f9a';
const KEY_NEW = '7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b';
const PASSWORD = 'faults-soak-pass';
const PAUSED = 'Sending is paused';

type Fault =
  | { name: string; mode: FailureMode; options: FailureOptions }
  | { name: 'bot removed (93000)'; mode: 'removed' }
  | { name: 'healthy'; mode: null };

const FAULTS: Fault[] = [
  { name: 'HTTP 500', mode: 'http500', options: {} },
  { name: 'hang', mode: 'hang', options: {} },
  { name: 'reset', mode: 'reset', options: {} },
  { name: 'malformed JSON', mode: 'malformed', options: {} },
  { name: 'errcode 45009', mode: 'errcode', options: { errcode: 45009, errmsg: 'api freq out of limit' } },
  { name: 'errcode 93000', mode: 'errcode', options: { errcode: 93000, errmsg: 'invalid webhook url' } },
  { name: 'bot removed (93000)', mode: 'removed' },
  { name: 'errcode -1', mode: 'errcode', options: { errcode: -1, errmsg: 'system busy' } },
  { name: 'healthy', mode: null },
];

describe('WeCom faults soak: random stretches of every failure, then recovery', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let console_: ConsoleClient;
  let token: string;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY, KEY_NEW], windowMs: WINDOW_MS });
    app = await startTestAppliance({
      wecomOrigin: fake.origin,
      env: { ADMIN_PASSWORD: PASSWORD, WECOM_RATE_WINDOW_MS: String(WINDOW_MS) },
      retryBaseMs: 50,
      wecomTimeoutMs: 300,
    });
    app.deps.settings.setRules({ ...app.deps.settings.rules(), dedupeWindowMinutes: 0 });
    app.deps.settings.setDelivery({ ...app.deps.settings.delivery(), language: 'en', digestWindowSeconds: 10 });
    console_ = new ConsoleClient(app.url);
    await console_.signIn(PASSWORD);
    expect((await console_.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);
    token = issueApiToken(app.deps, { name: 'faults', requireSignature: false, now: Date.now() }).token;
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  /** The dashboard's banner and /metrics agree with the channel row. */
  async function expectChannel(state: 'connected' | 'invalid') {
    expect(getChannel(app.deps.db)?.status).toBe(state);
    const page = textOf((await console_.get('/')).body);
    if (state === 'invalid') expect(page).toContain(PAUSED);
    else expect(page).not.toContain(PAUSED);
    const m = parsePrometheus(await (await fetch(app.url + '/metrics')).text());
    expect(sampleValue(m, 'notifier_channel_state', { state })).toBe(1);
  }

  /** The admin's way back after a 93000: a test notification once the bot works again, or Replace URL. */
  async function recover(how: 'test' | 'replace', key: string): Promise<string> {
    for (let i = 0; i < 40; i++) {
      // With htmx the card answers in place and its status code says how it went.
      const htmx = { 'hx-request': 'true' };
      const res = how === 'test' ? await console_.postForm('/channels/wecom/test', {}, htmx) : await console_.postForm('/channels/wecom/connect', { url: key }, htmx);
      if (res.status === 200) return key;
      // 429: the console will not trip WeCom's limit for a test; 502 (45009 on connect): wait for the window.
      expect([429, 502]).toContain(res.status);
      await sleep(200);
    }
    throw new Error('could not recover the channel');
  }

  it(`delivers every accepted message exactly once after ${STRETCHES} random fault stretches (seed ${SEED})`, async () => {
    const rnd = seededRandom(SEED);
    const accepted = new Map<number, string>();
    let n = 0;
    let activeKey = KEY;
    let invalidStretches = 0;
    const log: string[] = [];
    const started = Date.now();

    const post = async () => {
      const title = `fault-soak-${String(n).padStart(5, '0')}`;
      const severity = n % 11 === 0 ? 'critical' : n % 2 ? 'warning' : 'info';
      const res = await postEvent(app.url, token, { kind: 'alert', category: CATEGORIES[n++ % CATEGORIES.length], severity, title });
      expect(res.status).toBe(202);
      accepted.set(res.json.id as number, title);
    };

    // Every fault at least once, then random ones.
    const order = [...FAULTS.filter((f) => f.mode !== null).map((f) => f), ...Array.from({ length: Math.max(0, STRETCHES - 8) }, () => rnd.pick(FAULTS))];
    for (let i = order.length - 1; i > 0; i--) {
      const j = rnd.int(0, i);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }

    for (const fault of order.slice(0, Math.max(STRETCHES, 8))) {
      const ms = rnd.int(250, 900);
      log.push(`${fault.name} ${ms}ms`);
      if (fault.mode === 'removed') fake.removeKey(activeKey);
      else if (fault.mode) fake.setFailure(fault.mode, fault.options);
      const end = Date.now() + ms;
      const count = rnd.int(2, 6);
      for (let i = 0; i < count; i++) {
        await post();
        await sleep(Math.max(0, (end - Date.now()) / (count - i)) * rnd.next());
      }
      await sleep(Math.max(0, end - Date.now()));

      const invalidates = fault.mode === 'removed' || (fault.mode === 'errcode' && fault.options.errcode === 93000);
      if (invalidates) {
        invalidStretches++;
        expect(await waitFor(() => getChannel(app.deps.db)?.status === 'invalid', 5_000)).toBe(true);
        await expectChannel('invalid');
        // Paused: the fault is over, but nothing goes out until the admin acts; the queue is kept.
        if (fault.mode === 'removed') fake.addKey(activeKey);
        else fake.setFailure(null);
        const before = fake.received.length;
        const pending = outcomes(app.deps.db).pending;
        await sleep(300);
        expect(fake.received.length).toBe(before);
        expect(outcomes(app.deps.db).pending).toBeGreaterThanOrEqual(pending);
        expect(pending).toBeGreaterThan(0);
        const how = invalidStretches % 2 ? 'test' : 'replace';
        activeKey = await recover(how, how === 'replace' ? (activeKey === KEY ? KEY_NEW : KEY) : activeKey);
        await expectChannel('connected');
      } else {
        fake.setFailure(null);
        // Transient faults never mark the bot invalid or show the banner.
        expect(getChannel(app.deps.db)?.status).toBe('connected');
      }
    }
    fake.setFailure(null);
    for (let i = 0; i < 5; i++) await post();

    const settled = await waitFor(() => outcomes(app.deps.db).pending === 0 && app.worker.idle(), 60_000, 50);
    const o = outcomes(app.deps.db);
    expect(settled, JSON.stringify(o)).toBe(true);
    expect(o.dead).toBe(0);
    await expectChannel('connected');

    const bodies = fake.received.map((m) => JSON.stringify(m.body));
    let lost = 0;
    let duplicates = 0;
    for (const [id, title] of accepted) {
      const e = getEvent(app.deps.db, id)!;
      expect(['sent', 'digested']).toContain(e.status);
      if (e.status !== 'sent') continue;
      const copies = bodies.filter((b) => b.includes(`${title}`)).length;
      if (copies === 0) lost++;
      if (copies > 1) duplicates += copies - 1;
    }
    expect(lost).toBe(0);
    expect(duplicates).toBe(0);
    const retried = (app.deps.db.$client.prepare("select count(*) as n from deliveries where attempts > 1 and kind != 'test'").get() as { n: number }).n;
    const m = parsePrometheus(await (await fetch(app.url + '/metrics')).text());
    const figures = {
      seed: SEED,
      stretches: log.length,
      accepted: accepted.size,
      lost,
      duplicates,
      outcomes: o,
      retriedMessages: retried,
      pausedBy93000: invalidStretches,
      errcodes: Object.fromEntries(m.get('notifier_wecom_responses_total')!.samples.map((s) => [s.labels.errcode, s.value])),
      transport: Object.fromEntries(m.get('notifier_wecom_transport_failures_total')!.samples.map((s) => [s.labels.reason, s.value])),
      seconds: Math.round((Date.now() - started) / 1000),
    };
    console.log(`faults soak: ${JSON.stringify(figures)}\n  stretches: ${log.join(', ')}`);
    expect(retried).toBeGreaterThan(5);
  }, 120_000);
});
