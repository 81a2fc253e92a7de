import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DB_FILE } from '../../server/appliance.ts';
import { connectBot, sendTestNotification } from '../../server/channel/wecomChannel.ts';
import { queueDepth } from '../../server/delivery/store.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { outcomes } from '../helpers/accounting.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { sleep } from '../helpers/random.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '8f9a0b1c-2d3e-4f4a-9b5c-6d7e8f9a0b1c';
const PASSWORD = 'disk-trouble-pass';

const count = (app: TestAppliance, sql: string) => (app.deps.db.$client.prepare(sql).get() as { n: number }).n;

/** Nothing half-written: every queued event has its outbox rows, and every outbox row its event. */
function expectConsistent(app: TestAppliance) {
  expect(count(app, "select count(*) as n from events e where e.status = 'queued' and not exists (select 1 from deliveries d where d.event_id = e.id)")).toBe(0);
  expect(count(app, 'select count(*) as n from deliveries d where d.event_id is not null and not exists (select 1 from events e where e.id = d.event_id)')).toBe(0);
  expect(app.deps.db.$client.pragma('quick_check', { simple: true })).toBe('ok');
}

describe('disk trouble: busy, locked, full and read-only databases', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let token: string;
  let console_: ConsoleClient;
  const sqlite = () => app.deps.db.$client;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD }, retryBaseMs: 50, wecomTimeoutMs: 2_000 });
    app.deps.settings.setRules({ ...app.deps.settings.rules(), dedupeWindowMinutes: 0 });
    console_ = new ConsoleClient(app.url);
    await console_.signIn(PASSWORD);
    expect((await console_.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);
    token = issueApiToken(app.deps, { name: 'disk', requireSignature: false, now: Date.now() }).token;
  });
  afterEach(() => {
    sqlite().pragma('busy_timeout = 5000');
    sqlite().pragma('query_only = 0');
    sqlite().pragma('max_page_count = 1073741823');
    fake.setFailure(null);
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('a write lock held past busy_timeout: 503 with a clear message, nothing stored, then 202 again', async () => {
    sqlite().pragma('busy_timeout = 200');
    // A token used for the first time is also touched (last used): that write must not turn into a 500.
    const fresh = issueApiToken(app.deps, { name: 'fresh', requireSignature: false, now: Date.now() }).token;
    const before = count(app, 'select count(*) as n from events');
    const other = new Database(join(app.dataDir, DB_FILE));
    try {
      other.exec('BEGIN EXCLUSIVE');
      for (const t of [token, fresh]) {
        const res = await postEvent(app.url, t, { kind: 'alert', category: 'store', title: 'while locked' });
        expect(res.status, res.text).toBe(503);
        expect(res.json.error).toBe('storage_unavailable');
        expect(res.json.message).toMatch(/cannot write to its database.*Nothing was stored/);
        expect(res.headers.get('retry-after')).toBe('5');
      }
      const alert = await postEvent(app.url, token, { version: '4', status: 'firing', receiver: 'wecom', alerts: [{ status: 'firing', labels: { alertname: 'Disk' }, annotations: {}, startsAt: '2026-01-01T00:00:00Z' }] }, { path: '/api/v1/alertmanager' });
      expect(alert.status, alert.text).toBe(503);
      expect((await fetch(app.url + '/readyz')).status).toBe(503);
      expect((await fetch(app.url + '/healthz')).status).toBe(200);
      // The console says what is wrong too, instead of "something went wrong".
      const page = await console_.postForm('/inbound/tokens', { name: 'made while locked', scope: 'send' });
      expect(page.status).toBe(503);
      expect(textOf(page.body)).toContain('cannot write to its database');
      expect(page.body).not.toContain('scn_');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(count(app, 'select count(*) as n from events')).toBe(before);
    expect(count(app, "select count(*) as n from api_tokens where name = 'made while locked'")).toBe(0);
    const ok = await postEvent(app.url, token, { kind: 'alert', category: 'store', title: 'lock released' });
    expect(ok.status).toBe(202);
    expect((await fetch(app.url + '/readyz')).status).toBe(200);
    expectConsistent(app);
    expect(app.logs.some((l) => l.includes('could not store inbound events'))).toBe(true);
  });

  it('a lock shorter than busy_timeout (held by another process) only delays the answer', async () => {
    const file = join(app.dataDir, DB_FILE);
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(file)}); db.exec('BEGIN EXCLUSIVE'); process.stdout.write('locked\\n');
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 800); process.stdout.write('releasing ' + Date.now() + '\\n'); db.exec('COMMIT'); db.close();`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let said = '';
    await new Promise<void>((resolve) => holder.stdout!.on('data', (d: Buffer) => ((said += d.toString()), said.includes('locked') && resolve())));
    const t0 = Date.now();
    const res = await postEvent(app.url, token, { kind: 'alert', category: 'store', title: 'waited for the lock' });
    const answered = Date.now();
    await new Promise((r) => holder.on('exit', r));
    const released = Number(/releasing (\d+)/.exec(said)?.[1]);
    expect(res.status).toBe(202);
    // The request came while the lock was held, and was answered only after it was released.
    expect(released).toBeGreaterThan(t0);
    expect(answered).toBeGreaterThanOrEqual(released);
  });

  it('a full disk (SQLITE_FULL): 503, whole events or nothing, and intake recovers when space is back', async () => {
    const summary = 'x'.repeat(1900);
    const accepted: string[] = [];
    const refused: string[] = [];
    sqlite().pragma(`max_page_count = ${(sqlite().pragma('page_count', { simple: true }) as number) + 12}`);
    for (let i = 0; i < 400 && refused.length < 3; i++) {
      const title = `full disk #${i}`;
      const res = await postEvent(app.url, token, { kind: 'alert', category: 'inventory', title, summary, fields: { sku: `SKU-${i}` } });
      if (res.status === 202) accepted.push(title);
      else {
        expect(res.status, res.text).toBe(503);
        expect(res.json.message).toMatch(/disk full/);
        refused.push(title);
      }
    }
    expect(refused.length).toBe(3);
    const stored = (app.deps.db.$client.prepare("select title from events where title like 'full disk #%'").all() as Array<{ title: string }>).map((r) => r.title);
    expect(stored.sort()).toEqual([...accepted].sort());
    expectConsistent(app);
    expect((await fetch(app.url + '/readyz')).status).toBe(503); // a full disk still grants the write lock

    sqlite().pragma('max_page_count = 1073741823');
    const ok = await postEvent(app.url, token, { kind: 'alert', category: 'inventory', title: 'space is back', summary });
    expect(ok.status).toBe(202);
    expect((await fetch(app.url + '/readyz')).status).toBe(200);
    expect(await waitFor(() => outcomes(app.deps.db).pending === 0 && app.worker.idle(), 20_000, 50)).toBe(true);
    expect(outcomes(app.deps.db).dead).toBe(0);
    const received = fake.receivedFor(KEY).map((m) => JSON.stringify(m.body));
    for (const title of [...accepted, 'space is back']) expect(received.filter((b) => b.includes(`${title}`)).length, title).toBeGreaterThanOrEqual(1);
    expectConsistent(app);
    console.log(`disk full: ${accepted.length} accepted before the disk filled, ${refused.length} refused with 503, all ${accepted.length} sent after space came back`);
  }, 30_000);

  // README: "GET /readyz (database writable and every migration applied)".
  it('/readyz is not ready while the database refuses every write (disk full), and ready once writes commit again', async () => {
    expect((await fetch(app.url + '/readyz')).status).toBe(200);
    // The database may not grow any more: SQLITE_FULL, as on a full disk.
    sqlite().pragma(`max_page_count = ${sqlite().pragma('page_count', { simple: true }) as number}`);
    let refused: Awaited<ReturnType<typeof postEvent>> | undefined;
    for (let i = 0; i < 50 && !refused; i++) {
      const res = await postEvent(app.url, token, { kind: 'alert', category: 'store', title: `disk full #${i}`, summary: 'x'.repeat(1900) });
      if (res.status !== 202) refused = res;
    }
    expect(refused?.status, refused?.text).toBe(503);
    const again = await postEvent(app.url, token, { kind: 'alert', category: 'store', title: 'still full', summary: 'x'.repeat(1900) });
    expect(again.status, again.text).toBe(503);
    expect(again.json.message).toMatch(/cannot write to its database/);
    const ready = await fetch(app.url + '/readyz');
    expect(`${ready.status} ${await ready.text()}`, '/readyz while every write is refused').toMatch(/^503/);
    expect((await fetch(app.url + '/readyz')).status).toBe(503);
    sqlite().pragma('max_page_count = 1073741823');
    expect((await fetch(app.url + '/readyz')).status).toBe(200);
    expect(sqlite().prepare("select count(*) as n from settings where key = 'readiness_probe'").get()).toEqual({ n: 0 });
  });

  it('a read-only database: 503; a send answered meanwhile is recorded once the disk is writable, never sent twice', async () => {
    fake.setFailure('slow', { delayMs: 400 });
    const title = 'in flight when the disk went read-only';
    expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', title })).status).toBe(202);
    expect(await waitFor(() => fake.inFlight() > 0, 5_000, 2)).toBe(true);
    sqlite().pragma('query_only = 1');
    const refused = await postEvent(app.url, token, { kind: 'alert', category: 'orders', title: 'refused while read-only' });
    expect(refused.status).toBe(503);
    expect(refused.json.error).toBe('storage_unavailable');
    const sentTo = () => fake.receivedFor(KEY).filter((m) => JSON.stringify(m.body).includes(title)).length;
    expect(await waitFor(() => sentTo() === 1, 5_000)).toBe(true);
    await sleep(1_500); // the worker tries to record it, and keeps it while the database refuses
    const row = app.deps.db.$client.prepare('select status from deliveries where title = ?').get(title) as { status: string };
    expect(row.status).toBe('sending');
    sqlite().pragma('query_only = 0');
    fake.setFailure(null);
    expect(await waitFor(() => (app.deps.db.$client.prepare('select status from events where title = ?').get(title) as { status: string }).status === 'sent', 5_000)).toBe(true);
    await sleep(300);
    expect(sentTo()).toBe(1);
    expect(count(app, "select count(*) as n from events where title = 'refused while read-only'")).toBe(0);
    expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', title: 'writable again' })).status).toBe(202);
    expectConsistent(app);
  }, 20_000);
});

// The worker keeps an answered send whose outcome the database refused and writes it once it can;
// the connect/test flow hands it such an outcome, so its row never stays `sending` (the queue depth
// counting it, the worker never idle) to be marked "interrupted by a restart" though WeCom answered.
const SEND_KEY = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b';

describe('a test notification answered while the database refused writes', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  it('is recorded as sent once the database is writable again, not left in `sending`', async () => {
    const fake: FakeWecom = await startFakeWecom({ keys: [SEND_KEY] });
    cleanup.push(() => fake.close());
    const app: TestAppliance = await startTestAppliance({ wecomOrigin: fake.origin });
    cleanup.push(() => app.stop());
    const deps = app.deps as unknown as Parameters<typeof sendTestNotification>[0];
    expect((await connectBot(deps, `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${SEND_KEY}`, { ip: null })).ok).toBe(true);
    expect(await waitFor(() => app.worker.idle(), 5_000)).toBe(true);

    fake.setFailure('slow', { delayMs: 400 });
    const sending = sendTestNotification(deps, { ip: null }).then(
      (r) => ({ ok: true as const, r }),
      (err: unknown) => ({ ok: false as const, err }),
    );
    expect(await waitFor(() => fake.inFlight() > 0, 5_000, 2)).toBe(true);
    const sqlite = app.deps.db.$client;
    sqlite.pragma('query_only = 1'); // the disk goes read-only while the test message is on the wire
    const outcome = await sending;
    expect(outcome.ok).toBe(false); // the admin hears the database trouble
    expect(fake.receivedFor(SEND_KEY)).toHaveLength(2); // the connect message and this test reached WeCom
    sqlite.pragma('query_only = 0');
    fake.setFailure(null);

    // The disk is writable again: the send log must say what WeCom said, and nothing stays in flight.
    const recorded = await waitFor(() => (sqlite.prepare(`SELECT count(*) AS n FROM deliveries WHERE status = 'sending'`).get() as { n: number }).n === 0, 3_000);
    const row = sqlite.prepare(`SELECT title, status, errcode FROM deliveries WHERE kind = 'test' ORDER BY id DESC LIMIT 1`).get();
    expect(recorded, `last test row: ${JSON.stringify(row)}, queue depth ${queueDepth(app.deps.db)}, worker idle ${app.worker.idle()}`).toBe(true);
    expect(row).toMatchObject({ status: 'sent', errcode: 0 });
  }, 20_000);
});
