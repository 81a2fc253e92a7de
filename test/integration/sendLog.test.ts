import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeliveries } from '../../db/queries/deliveries.ts';
import { deliveries } from '../../db/schema.ts';
import { enqueueMessages } from '../../server/delivery/outbox.ts';
import { digestTitle } from '../../server/delivery/policy/fold.ts';
import { partTitle } from '../../server/delivery/policy/partTitle.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f';
const PASSWORD = 'send-log-pass-1';

/** The title link of a send-log row, as the reader sees it. */
function titleOf(html: string, id: number): string {
  const m = new RegExp(`<a href="/send-log/${id}">([^<]*)</a>`).exec(html);
  if (!m) throw new Error(`row ${id} not on the page`);
  return textOf(m[1]!);
}

describe('send log on a Chinese console: titles of the appliance\'s own digest messages', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let console: ConsoleClient;
  let parts: number[];
  let followUp: number | undefined;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [] });
    // No bot: the rows below stay queued, as they are written by the worker.
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD } });
    console = new ConsoleClient(app.url);
    await console.signIn(PASSWORD);
    const now = Date.now();
    const db = app.deps.db;
    // A storm digest WeCom answered 40058: re-split into three parts, titled as settlement.ts titles them.
    const title = digestTitle({ total: 37 } as Parameters<typeof digestTitle>[0], 'inventory', 'storm');
    const message = { msgtype: 'markdown', markdown: { content: 'part' } } as const;
    parts = enqueueMessages(db, { kind: 'digest', category: 'inventory', severity: 'warning', priority: 1, eventId: null, splitFrom: null, template: null }, [message, message, message], (i, n) => partTitle(title, i, n), now);
    // A quiet-hours digest's mention follow-up, titled as worker.ts queueDigestMentions titles it.
    const quiet = digestTitle({ total: 3 } as Parameters<typeof digestTitle>[0], 'orders', 'quiet_hours');
    [followUp] = enqueueMessages(db, { kind: 'mention', category: 'orders', severity: 'warning', priority: 0, eventId: null, splitFrom: null, template: null }, [{ msgtype: 'text', text: { content: `↑ ${quiet}`, mentioned_list: ['@all'] } } as never], () => `${quiet} · @`, now);
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('the first part of a re-split digest reads in Chinese (sanity)', async () => {
    const page = await console.get('/send-log', { 'accept-language': 'zh-CN' });
    expect(titleOf(page.body, parts[0]!)).not.toContain('(digest)');
  });

  it('parts 2 and 3 of a re-split digest read in Chinese, not as the stored English title', async () => {
    const page = await console.get('/send-log', { 'accept-language': 'zh-CN' });
    expect(titleOf(page.body, parts[1]!)).not.toContain('(digest)');
    expect(titleOf(page.body, parts[2]!)).not.toContain('(digest)');
    expect(titleOf(page.body, parts[1]!)).toBe('37 × 库存（合并发送） · 2/3');
  });

  it("a digest's mention follow-up reads in Chinese, not as the stored English title", async () => {
    const page = await console.get('/send-log', { 'accept-language': 'zh-CN' });
    expect(titleOf(page.body, followUp!)).not.toContain('(quiet hours)');
    expect(titleOf(page.body, followUp!)).toBe('3 × 订单（免打扰时段） · @');
  });
});

describe('send log filters: a date that does not exist, the Kind choices', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let console: ConsoleClient;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD } });
    console = new ConsoleClient(app.url);
    await console.signIn(PASSWORD);
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  for (const path of ['/send-log?from=2026-13-01', '/send-log?to=2026-00-10', '/send-log/rows?from=2026-13-01']) {
    it(`${path} is answered without a server error`, async () => {
      const page = await console.get(path);
      expect(page.status).toBeLessThan(500);
    });
  }

  // Like a bad status or kind: the page starts over unfiltered, the refreshing rows are refused.
  for (const query of ['from=2026-13-01', 'to=2026-00-10', 'from=2026-02-30']) {
    it(`?${query} is a bad filter`, async () => {
      const page = await console.get(`/send-log?${query}`);
      expect(page.status).toBe(302);
      expect(page.location).toBe('/send-log');
      expect((await console.get(`/send-log/rows?${query}`)).status).toBe(400);
    });
  }

  it('the Kind filter offers every kind the send log holds and the route accepts (a digest\'s mention follow-up: kind "mention")', async () => {
    const page = await console.get('/send-log', { 'accept-language': 'en' });
    const select = /<select id="filter-kind"[\s\S]*?<\/select>/.exec(page.body)?.[0] ?? '';
    expect(select).toContain('value="mention"');
  });
});

/** The Result cell of the send-log row whose id is given. */
function resultCell(html: string, id: number, label: string): string {
  const row = new RegExp(`<tr>(?:(?!</tr>).)*href="/send-log/${id}"(?:(?!</tr>).)*</tr>`, 's').exec(html)?.[0];
  if (!row) throw new Error(`row ${id} not on the page`);
  const cell = new RegExp(`data-label="${label}">([^<]*)</td>`).exec(row)?.[1];
  if (cell === undefined) throw new Error(`no ${label} cell in ${row}`);
  return textOf(cell);
}

describe('send log: a message WeCom answered with HTTP 500', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let console: ConsoleClient;
  let id: number;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY] });
    // A long backoff: the message stays queued after its one failed attempt.
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD }, retryBaseMs: 600_000 });
    console = new ConsoleClient(app.url);
    await console.signIn(PASSWORD);
    expect((await console.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);
    const token = issueApiToken(app.deps, { name: 'send-log', requireSignature: false, now: Date.now() }).token;
    fake.setFailure('http500');
    expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'warning', title: 'server error case' })).status).toBe(202);
    expect(await waitFor(() => listDeliveries(app.deps.db, { kind: 'alert' }, { limit: 1 })[0]?.failure != null)).toBe(true);
    const row = listDeliveries(app.deps.db, { kind: 'alert' }, { limit: 1 })[0]!;
    expect(row).toMatchObject({ httpStatus: 500, errcode: null, failure: 'transient' });
    id = row.id;
  }, 30_000);
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('the Chinese send log shows no English failure class in the Result column', async () => {
    const page = await console.get('/send-log', { 'accept-language': 'zh-CN' });
    expect(resultCell(page.body, id, '结果')).not.toMatch(/transient/);
    expect(resultCell(page.body, id, '结果')).toBe('暂时失败 · HTTP 500');
  });

  it('the Result column shows the HTTP status WeCom answered', async () => {
    const page = await console.get('/send-log', { 'accept-language': 'en' });
    expect(resultCell(page.body, id, 'Result')).toContain('HTTP 500');
    expect(resultCell(page.body, id, 'Result')).toBe('Temporary failure · HTTP 500');
  });

  it('the Chinese detail page shows no English failure class', async () => {
    const page = await console.get(`/send-log/${id}`, { 'accept-language': 'zh-CN' });
    expect(textOf(page.body)).not.toMatch(/\btransient\b/);
  });

  it('the detail page explains the HTTP status WeCom answered, in the reader\'s language', async () => {
    expect(textOf((await console.get(`/send-log/${id}`, { 'accept-language': 'en' })).body)).toContain('WeCom had a server problem (HTTP 500): try again shortly');
    expect(textOf((await console.get(`/send-log/${id}`, { 'accept-language': 'zh-CN' })).body)).toContain('企业微信服务器出现问题（HTTP 500）：请稍后重试');
  });
});

/** Stored send-log rows of one status and category, as the worker leaves them once final. */
function insertRows(app: TestAppliance, n: number, row: { status: 'sent' | 'dead'; category: string; at: number }): void {
  const payload = JSON.stringify({ msgtype: 'markdown', markdown: { content: 'x' } });
  for (let i = 0; i < n; i++) {
    app.deps.db
      .insert(deliveries)
      .values({
        createdAt: row.at + i,
        kind: 'alert',
        category: row.category,
        severity: 'warning',
        priority: 1,
        status: row.status,
        title: `${row.category} ${row.status} #${i}`,
        msgtype: 'markdown',
        payload,
        bytes: payload.length,
        attempts: 1,
        queuedAt: row.at + i,
        nextAttemptAt: row.at + i,
        lastAttemptAt: row.at + i,
        ...(row.status === 'sent' ? { sentAt: row.at + i, errcode: 0 } : { errcode: 40008, errmsg: 'bad' }),
      })
      .run();
  }
}

function olderHref(html: string): string | undefined {
  const m = /<a href="([^"]*before=[^"]*)">/.exec(html);
  return m?.[1]?.replace(/&amp;/g, '&');
}

function newestHref(html: string): string | undefined {
  const m = /<div class="actions" id="send-log-pager"[^>]*><a href="([^"]*)">Newest<\/a>/.exec(html);
  return m?.[1]?.replace(/&amp;/g, '&');
}

describe('send log: paging, filters and the mute form (no bot connected, rows as stored)', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let c: ConsoleClient;
  let token: string;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD } });
    c = new ConsoleClient(app.url);
    await c.signIn(PASSWORD);
    token = issueApiToken(app.deps, { name: 'paging', requireSignature: false, now: Date.now() }).token;
    const at = Date.now() - 3_600_000;
    // 60 dead ads messages (more than a page), then 50 sent store messages (exactly a page), then 30 sent orders.
    insertRows(app, 60, { status: 'dead', category: 'ads', at });
    insertRows(app, 50, { status: 'sent', category: 'store', at: at + 1000 });
    insertRows(app, 30, { status: 'sent', category: 'orders', at: at + 2000 });
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  const idsOn = (html: string) => [...html.matchAll(/<a href="\/send-log\/(\d+)">/g)].map((m) => Number(m[1]));

  it('with exactly one page of matching messages there is no "Older"; a page with none says why (it said "Nothing has been sent yet.")', async () => {
    const first = await c.get('/send-log?category=store');
    expect(first.status).toBe(200);
    const storeIds = idsOn(first.body);
    expect(storeIds, 'sanity: 50 store messages on the first page').toHaveLength(50);
    expect(olderHref(first.body), 'nothing is older than these 50: no Older link').toBeUndefined();
    // 60 dead messages are a page and more: Older leads to the other 10.
    const dead = await c.get('/send-log?status=dead');
    expect(idsOn((await c.get(olderHref(dead.body)!)).body)).toHaveLength(10);
    // A page older than the oldest store message, in both languages: 140 messages are in the log.
    for (const [lang, text, untrue] of [
      ['en', 'No older messages.', 'Nothing has been sent yet.'],
      ['zh-CN', '没有更早的消息。', '还没有发送过消息。'],
    ] as const) {
      const older = textOf((await c.get(`/send-log?category=store&before=${Math.min(...storeIds)}`, { 'accept-language': lang })).body);
      expect(older).toContain(text);
      expect(older).not.toContain(untrue);
    }
    const none = await c.get('/send-log?category=products');
    expect(textOf(none.body)).toContain('No message matches these filters.');
    expect(textOf((await c.get('/send-log/rows?category=products')).body)).toContain('No message matches these filters.');
  });

  it('"Newest" on an older page and "Back to the send log" on a message keep the filter (they went back to the whole log)', async () => {
    const first = await c.get('/send-log?status=dead');
    const older = olderHref(first.body);
    expect(older, 'sanity: 60 dead messages are more than one page').toBeDefined();
    const second = await c.get(older!);
    expect(second.status).toBe(200);
    // Newest is the first page of the same list: the dead messages, not every message.
    expect(newestHref(second.body)).toBe('/send-log?status=dead');
    expect(newestHref(first.body)).toBe('/send-log?status=dead');
    expect(newestHref((await c.get('/send-log')).body)).toBe('/send-log');
    // A message opened from that older page leads back to the dead messages' first page.
    const id = idsOn(second.body)[0]!;
    const back = (html: string) => /<a href="([^"]*)">Back to the send log<\/a>/.exec(html)?.[1]?.replace(/&amp;/g, '&');
    expect(back((await c.get(`/send-log/${id}`, { referer: app.url + older! })).body)).toBe('/send-log?status=dead');
    expect(back((await c.get(`/send-log/${id}`)).body)).toBe('/send-log');
    expect(back((await c.get(`/send-log/${id}`, { referer: `${app.url}/send-log?status=nope` })).body)).toBe('/send-log');
  });

  it('the Mute form refused for its date comes back with "until" and the date the admin typed (both were reset)', async () => {
    const res = await postEvent(app.url, token, { kind: 'alert', category: 'inventory', severity: 'warning', title: '库存不足：SKU-1024 🚨', store: '天猫旗舰店' });
    expect(res.status).toBe(202);
    const eventId = res.json.id as number;
    expect(await waitFor(() => listDeliveries(app.deps.db, { eventId }, { limit: 5 }).length > 0)).toBe(true);
    const row = listDeliveries(app.deps.db, { eventId }, { limit: 5 })[0]!;
    await c.get(`/send-log/${row.id}`);
    // A date in the past: refused ("Choose a date from today to a year ahead").
    const refused = await c.submit(`/send-log/${row.id}/silence`, { duration: 'until', date: '2020-01-01' });
    expect(refused.status).toBe(200);
    expect(textOf(refused.body)).toContain('Choose a date from today to a year ahead');
    const form = /<form[^>]*id="mute"[\s\S]*?<\/form>/.exec(refused.body)?.[0] ?? '';
    // The admin's choice and date are what the error is about: they must still be there to correct.
    expect(form, 'the duration select keeps "until"').toMatch(/<option value="until" selected/);
    expect(form, 'the date input keeps the typed date').toMatch(/<input id="mute-date" name="date" type="date" value="2020-01-01"/);
  });
});

describe('send log with JavaScript: the first page refreshes its rows and its pager', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let c: ConsoleClient;
  let token: string;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD } });
    c = new ConsoleClient(app.url);
    await c.signIn(PASSWORD);
    token = issueApiToken(app.deps, { name: 'paging', requireSignature: false, now: Date.now() }).token;
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  const idsOn = (html: string) => [...html.matchAll(/<a href="\/send-log\/(\d+)">/g)].map((m) => Number(m[1]));

  it('after the rows refreshed with new messages, "Older" continues after them (it skipped the messages pushed off page 1)', async () => {
    insertRows(app, 60, { status: 'sent', category: 'orders', at: Date.now() - 60_000 });
    const page = await c.get('/send-log');
    const refreshHref = /<tbody hx-get="([^"]+)" hx-trigger="every 5s"/.exec(page.body)?.[1]?.replace(/&amp;/g, '&');
    expect(refreshHref, 'sanity: page 1 refreshes its rows (htmx)').toBeDefined();
    // Ten new messages go out while the page is open; the next refresh (every 5 s) swaps the rows in.
    insertRows(app, 10, { status: 'sent', category: 'orders', at: Date.now() });
    const refresh = (await c.get(refreshHref!, { 'hx-request': 'true' })).body;
    const refreshed = idsOn(refresh);
    // The pager comes with the rows, out of band: the Older link the admin then clicks.
    const pager = /<template><div class="actions" id="send-log-pager" hx-swap-oob="true">[\s\S]*?<\/div><\/template>/.exec(refresh)?.[0] ?? '';
    const older = olderHref(pager);
    expect(older, 'the refreshed pager has an Older link').toBeDefined();
    const olderIds = idsOn((await c.get(older!)).body);
    const all = listDeliveries(app.deps.db, {}, { limit: 1000 }).map((d) => d.id);
    const seen = new Set([...refreshed, ...olderIds]);
    const skipped = all.filter((id) => !seen.has(id) && id <= Math.max(...refreshed) && id >= Math.min(...olderIds));
    expect(skipped, 'messages shown on neither the refreshed page 1 nor the page its Older link opens').toEqual([]);
    expect(olderIds).toHaveLength(20);
  });
});
