import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../db/queries/audit.ts';
import { getEvent } from '../../server/delivery/store.ts';
import { getSetting } from '../../db/queries/settings.ts';
import { insertApiToken } from '../../db/queries/tokens.ts';
import { sha256 } from '../../server/security/tokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '3f2a9c4e-1b7d-4e8a-9c0f-5d6e7f8a1b2c';
const API_TOKEN = 'scn_notifications-page-test-token-000000000';

/** The form as the page renders it with the default settings; `undefined` leaves a field out (an unchecked box). */
function form(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const all: Record<string, string | undefined> = {
    cat_orders: 'on',
    cat_inventory: 'on',
    cat_ads: 'on',
    cat_products: 'on',
    cat_store: 'on',
    cat_task: 'on',
    cat_other: 'on',
    minSeverity: 'info',
    quietStart: '22:00',
    quietEnd: '08:00',
    quietTimeZone: 'Asia/Shanghai',
    mentionMode: 'none',
    mentionTargets: '',
    dedupeWindowMinutes: '10',
    language: 'zh',
    format: 'markdown',
    rateLimit: '20',
    digestWindowSeconds: '60',
    maxAgeHours: '24',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined));
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the Notifications page over real HTTP', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let client: ConsoleClient;

  const stored = () => JSON.stringify([getSetting(app.deps.db, 'rules', null), getSetting(app.deps.db, 'delivery', null), app.deps.settings.rules(), app.deps.settings.delivery()]);
  const postEvent = (body: Record<string, unknown>) =>
    fetch(`${app.url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, wecomTimeoutMs: 1000 });
    client = new ConsoleClient(app.url);
    await client.signIn('correct horse battery');
    const connected = await client.postForm('/channels/wecom/connect', { url: KEY });
    expect(connected.status).toBe(303);
    insertApiToken(app.deps.db, { name: 'test', tokenHash: sha256(API_TOKEN), prefix: API_TOKEN.slice(0, 8), createdAt: Date.now() });
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('shows the rules with a real label for every field, the suppression note, and a preview of the exact payloads', async () => {
    const page = await client.get('/notifications');
    expect(page.status).toBe(200);
    const ids = [...page.body.matchAll(/<(?:input|select|textarea)\b[^>]*\bid="([^"]+)"/g)].map((m) => m[1]!);
    expect(ids.length).toBeGreaterThanOrEqual(20);
    for (const id of ids) expect(page.body, id).toContain(`<label for="${id}"`);
    for (const input of page.body.match(/<input\b[^>]*>/g) ?? []) {
      if (!/type="hidden"/.test(input)) expect(input).toMatch(/\bid="/);
    }
    const text = textOf(page.body);
    for (const words of ['Orders', 'Inventory', 'Ads', 'Products', 'Store', 'Tasks', 'Other', 'Minimum severity', 'Quiet hours start (HH:MM)', 'Rate limit (messages per minute)']) {
      expect(text).toContain(words);
    }
    expect(text).toContain('still stored');
    expect(text).toContain('unsupported message type');
    // The preview: the JSON that would be POSTed, with its size against WeCom's limit.
    expect(page.body).toContain('&quot;msgtype&quot;: &quot;markdown&quot;');
    expect(text).toMatch(/\d+ of 4096 bytes allowed by WeCom for markdown/);
    expect(text).toContain('Sample alert (Critical)');
    expect(text).toContain('Sample task result, partly failed (Warning)');
    // A failed task with no severity of its own is a warning: the preview shows one too.
    expect(text).toContain('Sample task result, failed (Warning)');
    expect(text).toContain('Sample report (Info)');
    expect(text).toContain('Mentions');
    expect(page.body).toContain('value="Asia/Shanghai"');

    const zh = await client.get('/notifications', { 'accept-language': 'zh-CN' });
    expect(textOf(zh.body)).toContain('免打扰开始时间');
    expect(textOf(zh.body)).toContain('通知规则');
  });

  it('saves the rules, and a category turned off suppresses its events (stored, never sent)', async () => {
    const res = await client.submit('/notifications', form({ cat_ads: undefined, rateLimit: '15' }));
    expect(res.status).toBe(200);
    expect(res.redirectedTo).toBe('/notifications');
    expect(textOf(res.body)).toContain('Saved.');
    expect(textOf(res.body)).toContain('From now on these are suppressed');
    expect(textOf(res.body)).toContain('every event in Ads (category switched off)');
    // A reload is a GET of the page: nothing saved again, no stale notice.
    const audits = listAudit(app.deps.db, { limit: 1000 }).length;
    const reload = await client.get('/notifications');
    expect(textOf(reload.body)).not.toContain('Saved.');
    expect(listAudit(app.deps.db, { limit: 1000 })).toHaveLength(audits);
    expect(res.body).toMatch(/<input id="n-cat-ads"[^>]*>/);
    expect(/<input id="n-cat-ads"[^>]*>/.exec(res.body)![0]).not.toContain('checked');
    expect(/<input id="n-cat-inventory"[^>]*>/.exec(res.body)![0]).toContain('checked');
    expect(app.deps.settings.rules().categories.ads).toBe(false);
    expect(app.deps.settings.rules().categories.inventory).toBe(true);
    expect(app.deps.settings.delivery().rateLimit).toBe(15);
    expect(app.deps.limiter.limit()).toBe(15);
    const [delivery, rules] = listAudit(app.deps.db, { limit: 2 });
    expect(rules).toMatchObject({ action: 'rules.update' });
    expect(JSON.parse(rules!.detail!)).toEqual({ changed: { categories: { ads: false } } });
    expect(delivery).toMatchObject({ action: 'settings.delivery.update' });
    expect(JSON.parse(delivery!.detail!)).toEqual({ changed: { rateLimit: 15 } });

    const before = fake.received.length;
    const ads = await postEvent({ kind: 'alert', category: 'ads', severity: 'critical', title: 'Ad budget exhausted' });
    expect(ads.status).toBe(202);
    const adsAnswer = (await ads.json()) as { id: number; status: string };
    expect(adsAnswer.status).toBe('suppressed');
    expect(getEvent(app.deps.db, adsAnswer.id)).toMatchObject({ status: 'suppressed', reason: 'category_off' });
    // A control event goes out; the suppressed one never does.
    const stock = await postEvent({ kind: 'alert', category: 'inventory', severity: 'warning', title: 'SKU-1024 low stock' });
    expect(stock.status).toBe(202);
    await until(() => fake.received.length > before);
    await new Promise((r) => setTimeout(r, 200));
    const sent = fake.received.slice(before).map((m) => JSON.stringify(m.body));
    expect(sent.some((s) => s.includes('SKU-1024 low stock'))).toBe(true);
    expect(sent.some((s) => s.includes('Ad budget exhausted'))).toBe(false);

    // Saving the same values again changes nothing and logs nothing.
    const auditCount = listAudit(app.deps.db, { limit: 1000 }).length;
    const again = await client.submit('/notifications', form({ cat_ads: undefined, rateLimit: '15' }));
    expect(again.status).toBe(200);
    expect(textOf(again.body)).toContain('Nothing had changed');
    expect(listAudit(app.deps.db, { limit: 1000 })).toHaveLength(auditCount);
  });

  const invalid: Array<{ name: string; fields: Record<string, string>; en: string[]; zh: string[] }> = [
    { name: 'bad HH:MM', fields: { quietStart: '25:00' }, en: ['Quiet hours start (HH:MM)', 'Enter a time as HH:MM'], zh: ['免打扰开始时间（HH:MM）', '请按 HH:MM'] },
    {
      name: 'rate 21',
      fields: { rateLimit: '21' },
      en: ['Rate limit (messages per minute)', 'Enter a whole number from 1 to 20.'],
      zh: ['发送频率上限（条/分钟）', '请输入 1 到 20 之间的整数。'],
    },
    { name: "rate ''", fields: { rateLimit: '' }, en: ['Rate limit (messages per minute)', 'This field is required.'], zh: ['发送频率上限（条/分钟）', '此项必填。'] },
    {
      name: 'dedupe -1',
      fields: { dedupeWindowMinutes: '-1' },
      en: ['Duplicate window (minutes)', 'Enter a whole number from 0 to 1440.'],
      zh: ['去重时间窗口（分钟）', '请输入 0 到 1440 之间的整数。'],
    },
    {
      name: 'a bad mention target',
      fields: { mentionMode: 'list', mentionTargets: 'zhangsan, 张三' },
      en: ['WeCom user ids or mobile numbers', '“张三” is not a WeCom user id'],
      zh: ['企业微信用户 ID 或手机号', '“张三”不是企业微信用户 ID'],
    },
    {
      name: '21 mention targets',
      fields: { mentionMode: 'list', mentionTargets: Array.from({ length: 21 }, (_, i) => `user${i + 1}`).join('\n') },
      en: ['WeCom user ids or mobile numbers', 'List at most 20 user ids or mobile numbers (this list has 21).'],
      zh: ['企业微信用户 ID 或手机号', '最多填写 20 个用户 ID 或手机号（当前 21 个）。'],
    },
    { name: 'an unknown time zone', fields: { quietTimeZone: 'Mars/Olympus' }, en: ['Time zone of quiet hours', 'Unknown time zone'], zh: ['免打扰时段的时区', '未知的时区'] },
    {
      name: 'a list without anyone',
      fields: { mentionMode: 'list', mentionTargets: ' , ' },
      en: ['WeCom user ids or mobile numbers', 'List at least one'],
      zh: ['企业微信用户 ID 或手机号', '请至少填写一个'],
    },
    { name: 'an unknown format', fields: { format: 'html' }, en: ['Message format', 'Choose one of the options.'], zh: ['消息格式', '请选择一个选项。'] },
  ];

  for (const c of invalid) {
    it(`refuses ${c.name} with 422, names the field in EN and ZH, and saves nothing`, async () => {
      const before = stored();
      const audits = listAudit(app.deps.db, { limit: 1000 }).length;
      // Another field changed alongside the bad one must not be saved either.
      const fields = form({ cat_ads: undefined, rateLimit: '15', minSeverity: 'critical', ...c.fields });
      const en = await client.postForm('/notifications', fields);
      expect(en.status).toBe(422);
      const enText = textOf(en.body);
      expect(enText).toContain('Nothing was saved');
      for (const words of c.en) expect(enText).toContain(words);
      // What the person typed stays in the form.
      expect(en.body).toContain('<option value="critical" selected');

      const zh = await client.postForm('/notifications', fields, { 'accept-language': 'zh-CN' });
      expect(zh.status).toBe(422);
      const zhText = textOf(zh.body);
      expect(zhText).toContain('未保存任何内容');
      for (const words of c.zh) expect(zhText).toContain(words);

      expect(stored()).toBe(before);
      expect(app.deps.limiter.limit()).toBe(15);
      expect(listAudit(app.deps.db, { limit: 1000 })).toHaveLength(audits);
    });
  }

  it('answers htmx with the fragment only, errors included', async () => {
    const bad = await client.postForm('/notifications', form({ cat_ads: undefined, rateLimit: '15', digestWindowSeconds: '5' }), { 'hx-request': 'true' });
    expect(bad.status).toBe(422);
    expect(bad.body).not.toContain('<html');
    expect(bad.body).toContain('id="notifications"');
    expect(textOf(bad.body)).toContain('Enter a whole number from 10 to 3600.');
    expect(bad.body).toContain('aria-invalid="true"');
    const ok = await client.postForm('/notifications', form({ cat_ads: undefined, rateLimit: '15', digestWindowSeconds: '120' }), { 'hx-request': 'true' });
    expect(ok.status).toBe(200);
    expect(ok.body).not.toContain('<html');
    expect(app.deps.settings.delivery().digestWindowSeconds).toBe(120);
  });

  it('previews the new format and mentions after saving: text limit 2048, @all on critical as a follow-up for markdown', async () => {
    const text = await client.submit('/notifications', form({ cat_ads: undefined, rateLimit: '15', digestWindowSeconds: '120', format: 'text', language: 'en' }));
    expect(text.status).toBe(200);
    expect(text.body).toContain('&quot;msgtype&quot;: &quot;text&quot;');
    expect(textOf(text.body)).toMatch(/\d+ of 2048 bytes allowed by WeCom for text/);
    expect(app.deps.settings.delivery()).toMatchObject({ format: 'text', language: 'en' });

    const all = await client.submit(
      '/notifications',
      form({ cat_ads: undefined, rateLimit: '15', digestWindowSeconds: '120', mentionMode: 'all', quietEnabled: 'on', quietStart: '23:30', quietEnd: '07:00', quietTimeZone: '' }),
    );
    expect(all.status).toBe(200);
    const rules = app.deps.settings.rules();
    expect(rules.criticalMention).toEqual({ mode: 'all', targets: [] });
    // An empty time zone means the appliance's own.
    expect(rules.quietHours).toEqual({ enabled: true, start: '23:30', end: '07:00', timeZone: app.deps.config.timezone });
    const t = textOf(all.body);
    // The critical sample alert: the markdown message, then one text message carrying @all.
    expect(t).toContain('Message 1 of 2 (markdown)');
    expect(t).toContain('Message 2 of 2 (text)');
    expect(all.body).toContain('@all');

    const list = await client.submit('/notifications', form({ mentionMode: 'list', mentionTargets: 'zhangsan\n+8613800000000, lisi；zhangsan' }));
    expect(list.status).toBe(200);
    expect(app.deps.settings.rules().criticalMention).toEqual({ mode: 'list', targets: ['zhangsan', '+8613800000000', 'lisi'] });
    expect(list.body).toContain('zhangsan\n+8613800000000\nlisi</textarea>');
  });

  it('an empty quiet-hours zone is the appliance zone when the form is saved, also one changed since the start', async () => {
    const before = app.deps.settings.general();
    app.deps.settings.setGeneral({ ...before, timeZone: 'Europe/Berlin' });
    try {
      const res = await client.submit('/notifications', form({ quietEnabled: 'on', quietStart: '22:00', quietEnd: '06:00', quietTimeZone: '' }));
      expect(res.status).toBe(200);
      expect(app.deps.settings.rules().quietHours.timeZone).toBe('Europe/Berlin');
    } finally {
      app.deps.settings.setGeneral(before);
    }
  });

  it('says quiet hours hold messages back once they are on, never that every alert is sent', async () => {
    const off = textOf((await client.submit('/notifications', form({ language: 'en' }), { 'accept-language': 'en' })).body);
    expect(off).toContain('Nothing is suppressed by these rules: every alert, task result and report is sent.');
    const on = textOf((await client.submit('/notifications', form({ quietEnabled: 'on' }), { 'accept-language': 'en' })).body);
    expect(on).toContain('Nothing is suppressed by these rules, but quiet hours hold some messages back:');
    expect(on).toContain('from 22:00 to 08:00 (Asia/Shanghai), warning and info alerts and task results wait');
    expect(on).not.toContain('every alert, task result and report is sent');
    const zh = textOf((await client.submit('/notifications', form({ quietEnabled: 'on', minSeverity: 'warning' }), { 'accept-language': 'zh-CN' })).body);
    expect(zh).toContain('从现在起，以下事件将被抑制');
    expect(zh).toContain('22:00 至 08:00（Asia/Shanghai）之间，警告和提示级别的告警与任务结果会暂缓');
    // Quiet all day on non-workdays holds messages too, with or without the nightly window.
    const days = textOf((await client.submit('/notifications', form({ quietNonWorkdays: 'on' }), { 'accept-language': 'en' })).body);
    expect(days).toContain('Nothing is suppressed by these rules, but quiet hours hold some messages back:');
    expect(days).toContain("all day on weekends, China's public holidays and your own days off (Asia/Shanghai;");
    expect(days).not.toContain('from 22:00 to 08:00');
    const both = textOf((await client.submit('/notifications', form({ quietEnabled: 'on', quietNonWorkdays: 'on' }), { 'accept-language': 'zh-CN' })).body);
    expect(both).toContain('22:00 至 08:00（Asia/Shanghai）之间');
    expect(both).toContain('周末、中国法定节假日和你自定义的休息日全天（Asia/Shanghai；调休上班日除外）');
  });

  it('refuses a post without the CSRF token (403) and saves nothing', async () => {
    const before = stored();
    const token = client.csrf;
    client.csrf = undefined;
    const res = await client.postForm('/notifications', form({ minSeverity: 'critical' }));
    client.csrf = token;
    expect(res.status).toBe(403);
    expect(stored()).toBe(before);
  });
});

describe('minimum severity and what it suppresses', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let client: ConsoleClient;
  const post = async (body: Record<string, unknown>) =>
    (await (
      await fetch(`${app.url}/api/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    ).json()) as { id: number; status: string };

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY] });
    app = await startTestAppliance({ wecomOrigin: fake.origin });
    client = new ConsoleClient(app.url);
    await client.signIn('correct horse battery');
    insertApiToken(app.deps.db, { name: 'test', tokenHash: sha256(API_TOKEN), prefix: API_TOKEN.slice(0, 8), createdAt: Date.now() });
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('at Warning, a failed task and a StoreClaw report still go out; a succeeded task is suppressed, and saving said so in both languages', async () => {
    const en = await client.submit('/notifications', form({ minSeverity: 'warning', cat_other: undefined }));
    const enText = textOf(en.body);
    expect(enText).toContain('alerts and task results at Info, below the minimum severity');
    expect(enText).toContain('task results that succeeded when the sender sets no severity');
    expect(enText).toContain('every event in Other (category switched off)');
    expect(enText).toContain('Reports (written by StoreClaw or scheduled here) are never held back by the minimum severity.');
    const zh = await client.submit('/notifications', form({ minSeverity: 'warning', cat_other: undefined }), { 'accept-language': 'zh-CN' });
    const zhText = textOf(zh.body);
    expect(zhText).toContain('严重级别为 提示 的告警和任务结果');
    expect(zhText).toContain('发送方未指定严重级别时，成功的任务结果');
    expect(zhText).toContain('报表（StoreClaw 撰写的或本设备定时生成的）永远不会因最低严重级别而被抑制。');

    expect(await post({ kind: 'task_result', task_name: 'price sync', status: 'failed' })).toMatchObject({ status: 'queued' });
    expect(await post({ kind: 'task_result', task_name: 'price sync', status: 'partial', title: 'partial sync' })).toMatchObject({ status: 'queued' });
    expect(await post({ kind: 'task_result', task_name: 'stock sync', status: 'succeeded' })).toMatchObject({ status: 'suppressed' });
    expect(await post({ kind: 'report', category: 'orders', title: 'Daily sales' })).toMatchObject({ status: 'queued' });
    // The category switch still applies to reports.
    expect(await post({ kind: 'report', title: 'Misc report' })).toMatchObject({ status: 'suppressed' });
  });
});
