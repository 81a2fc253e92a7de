import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../db/queries/audit.ts';
import { listMessageTemplates } from '../../db/queries/messageTemplates.ts';
import { insertApiToken } from '../../db/queries/tokens.ts';
import { deliveries } from '../../db/schema.ts';
import { eq } from 'drizzle-orm';
import { defaultTemplate } from '../../server/render/messageTemplate.ts';
import { sha256 } from '../../server/security/tokens.ts';
import { DEFAULT_DELIVERY } from '../../server/settings/settingsStore.ts';
import { translator } from '../../server/strings/translate.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f';
const API_TOKEN = 'scn_message-templates-test-token-0000000000';

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function contentOf(body: Record<string, unknown>): string {
  const inner = (body.markdown ?? body.markdown_v2 ?? body.text) as { content: string } | undefined;
  return inner?.content ?? '';
}

const unescape = (html: string) => html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

describe('message templates over real HTTP', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let client: ConsoleClient;

  const postJson = (path: string, body: unknown) =>
    fetch(`${app.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  /** Posts the event and waits until its message was sent; returns what the fake WeCom received, and the event id. */
  async function send(body: Record<string, unknown>): Promise<{ content: string; id: number }> {
    const res = await postJson('/api/v1/events', body);
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: number };
    await until(() => deliveryOf(id)?.status === 'sent');
    const payload = JSON.parse(deliveryOf(id).payload) as Record<string, unknown>;
    expect(fake.received.map((m) => m.body)).toContainEqual(payload);
    return { content: contentOf(payload), id };
  }

  const deliveryOf = (eventId: number) => app.deps.db.select().from(deliveries).where(eq(deliveries.eventId, eventId)).get()!;
  const save = (fields: Record<string, string>) => client.submit('/notifications/templates', { action: 'save', ...fields });
  const templateAudits = () => listAudit(app.deps.db, { limit: 1000 }).filter((a) => a.action.startsWith('template.'));

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, wecomTimeoutMs: 1000 });
    client = new ConsoleClient(app.url);
    await client.signIn('correct horse battery');
    expect((await client.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);
    insertApiToken(app.deps.db, { name: 'test', tokenHash: sha256(API_TOKEN), prefix: API_TOKEN.slice(0, 8), createdAt: Date.now() });
    app.deps.settings.setDelivery({ ...DEFAULT_DELIVERY, language: 'en', format: 'markdown' });
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('opens with the built-in template written out, its placeholders listed, and a preview with the byte count', async () => {
    const page = await client.get('/notifications/templates?kind=alert&category=all&lang=en');
    expect(page.status).toBe(200);
    const textarea = /<textarea[^>]*id="t-body"[^>]*>([\s\S]*?)<\/textarea>/.exec(page.body)?.[1];
    expect(unescape(textarea ?? '')).toBe(defaultTemplate('alert', 'en', 'markdown'));
    expect(textOf(page.body)).toContain('Showing the built-in template');
    expect(page.body).toContain('{{severity.colour}}');
    expect(page.body).toContain('{{fields.&lt;name&gt;}}');
    expect(page.body).toMatch(/data-bytes="\d+"/);
    expect(textOf(page.body)).toMatch(/\d+ \/ 4096 bytes/);
    // The sample alert as the built-in renders it.
    expect(textOf(page.body)).toContain('Low stock: Ceramic pour-over kettle');
    // Every field of the forms has a label.
    for (const id of ['t-kind', 't-category', 't-lang', 't-body']) expect(page.body).toContain(`<label for="${id}">`);
    expect((await client.get('/notifications/templates?kind=report')).status).toBe(400);
    expect((await client.get('/notifications/templates?kind=alert&category=nope')).status).toBe(400);
  });

  it('refuses a template with a problem, names it in the user’s language, and writes nothing', async () => {
    const cases: Array<{ body: string; en: string; zh: string }> = [
      { body: 'Hi {{titel}}', en: '{{titel}} is not a placeholder of this message', zh: '{{titel}} 不是此类消息的占位符' },
      { body: 'Hi {{title', en: '“{{title” opens a placeholder that is never closed', zh: '“{{title”开始了一个占位符，但没有用 }} 结束' },
      { body: '   ', en: 'The template is empty', zh: '模板为空' },
      { body: 'x'.repeat(4001), en: 'The template has 4001 characters; at most 4000 are allowed.', zh: '模板有 4001 个字符，最多允许 4000 个' },
      { body: '{{digest.count}}', en: '{{digest.count}} is not a placeholder of this message', zh: '{{digest.count}} 不是此类消息的占位符' },
      // Renders for the sample, but to nothing for an alert without the optional fields: refused, not "saved" and then skipped.
      { body: '{{store}}\n{{summary}}', en: 'It renders to nothing for an event without a summary, store, fields or link', zh: '对于没有摘要、店铺、字段或链接的事件，此模板渲染结果为空' },
      // Renders to nothing even for the sample.
      { body: '{{fields.Colour}}', en: 'it rendered to nothing', zh: '渲染结果为空' },
    ];
    for (const c of cases) {
      const en = await save({ kind: 'alert', category: 'inventory', lang: 'en', body: c.body });
      expect(en.status, c.body).toBe(422);
      expect(textOf(en.body)).toContain('The template was not saved');
      expect(textOf(en.body)).not.toContain('Template saved');
      expect(textOf(en.body)).toContain(c.en);
      expect(en.body).toContain('aria-invalid="true"');
      const zhPage = await client.postForm('/notifications/templates', { action: 'save', kind: 'alert', category: 'inventory', lang: 'en', body: c.body }, { 'accept-language': 'zh-CN' });
      expect(zhPage.status).toBe(422);
      expect(textOf(zhPage.body)).toContain(c.zh);
    }
    // The typed text stays in the form.
    const kept = await save({ kind: 'alert', category: 'all', lang: 'en', body: 'Keep me {{nope}}' });
    expect(kept.body).toContain('Keep me {{nope}}');
    expect(listMessageTemplates(app.deps.db)).toEqual([]);
    expect(templateAudits()).toEqual([]);
    // A kind, category or language outside the lists is refused too.
    expect((await save({ kind: 'report', category: 'all', lang: 'en', body: '{{title}}' })).status).toBe(400);
    expect((await save({ kind: 'alert', category: 'weather', lang: 'en', body: '{{title}}' })).status).toBe(400);
    expect((await save({ kind: 'alert', category: 'all', lang: 'fr', body: '{{title}}' })).status).toBe(400);
    // No CSRF token: refused before anything is looked at.
    const noCsrf = await client.request('POST', '/notifications/templates', {
      body: new URLSearchParams({ kind: 'alert', category: 'all', lang: 'en', body: '{{title}}' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(noCsrf.status).toBe(403);
    expect(listMessageTemplates(app.deps.db)).toEqual([]);
  });

  it('the live preview renders the typed text through the real renderer, or lists its problems', async () => {
    const ok = await client.postForm('/notifications/templates/preview', { kind: 'alert', category: 'orders', lang: 'zh', body: '<font color="{{severity.colour}}">{{title}}</font>\r\n{{category}}' });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('id="template-preview"');
    expect(textOf(ok.body)).toContain('库存不足：陶瓷手冲壶');
    expect(textOf(ok.body)).toContain('订单'); // the chosen category, in the chosen language
    const bytes = Number(/data-bytes="(\d+)"/.exec(ok.body)?.[1]);
    expect(bytes).toBe(Buffer.byteLength('<font color="warning">库存不足：陶瓷手冲壶（SKU KT-1024）</font>\n订单'));
    expect(textOf(ok.body)).toContain(`${bytes} / 4096 bytes`);
    const bad = await client.postForm('/notifications/templates/preview', { kind: 'digest', category: 'all', lang: 'en', body: '{{title}}' });
    expect(bad.status).toBe(200);
    expect(textOf(bad.body)).toContain('{{title}} is not a placeholder of this message');
    expect(bad.body).not.toContain('data-bytes');
    const digest = await client.postForm('/notifications/templates/preview', { kind: 'digest', category: 'all', lang: 'en', body: '{{digest.heading}} / {{digest.count}}' });
    expect(textOf(digest.body)).toContain('37 inventory alerts in 5 min / 37');
    expect((await client.postForm('/notifications/templates/preview', { kind: 'nope', lang: 'en', body: '' })).status).toBe(400);
    // The Preview button without JavaScript: the whole page with the typed text and its preview, nothing saved.
    const noJs = await client.postForm('/notifications/templates', { action: 'preview', kind: 'task_result', category: 'all', lang: 'en', body: 'T {{task.name}} {{task.duration}}' });
    expect(noJs.status).toBe(200);
    expect(noJs.body).toContain('T {{task.name}} {{task.duration}}</textarea>');
    expect(textOf(noJs.body)).toContain('T Nightly price sync 2 min 5 s');
    const noJsBad = await client.postForm('/notifications/templates', { action: 'preview', kind: 'task_result', category: 'all', lang: 'en', body: 'T {{task.nam}}' });
    expect(noJsBad.status).toBe(200);
    expect(textOf(noJsBad.body)).toContain('This template cannot be used yet: {{task.nam}} is not a placeholder of this message');
    expect(listMessageTemplates(app.deps.db)).toEqual([]);
  });

  it('a saved template renders the next messages; the category’s own beats the one for all; the language picks', async () => {
    const generic = await save({ kind: 'alert', category: 'all', lang: 'en', body: 'ALL {{severity}} · {{title}} · {{fields.sku}}' });
    expect(generic.redirectedTo).toBe('/notifications/templates?kind=alert&category=all&lang=en');
    expect(textOf(generic.body)).toContain('Template saved: Alert · All categories · English.');
    expect(textOf(generic.body)).toContain('This is a custom template.');
    const inv = await save({ kind: 'alert', category: 'inventory', lang: 'en', body: 'INV <font color="{{severity.colour}}">{{title}}</font>\r\n{{summary}}' });
    expect(inv.status).toBe(200);
    await save({ kind: 'alert', category: 'inventory', lang: 'zh', body: '中文 {{title}}' });
    expect(listMessageTemplates(app.deps.db).map((r) => [r.kind, r.category, r.lang, r.body])).toEqual([
      ['alert', '', 'en', 'ALL {{severity}} · {{title}} · {{fields.sku}}'],
      ['alert', 'inventory', 'en', 'INV <font color="{{severity.colour}}">{{title}}</font>\n{{summary}}'],
      ['alert', 'inventory', 'zh', '中文 {{title}}'],
    ]);
    expect(templateAudits().map((a) => [a.action, JSON.parse(a.detail!)])).toContainEqual(['template.save', { kind: 'alert', category: 'inventory', lang: 'en', chars: 'INV <font color="{{severity.colour}}">{{title}}</font>\n{{summary}}'.length }]);

    const stock = await send({ kind: 'alert', category: 'inventory', severity: 'critical', title: 'KT-1024 low <@all>', summary: 'Only 3 left' });
    expect(stock.content).toBe('INV <font color="warning">KT-1024 low ＜@all></font>\nOnly 3 left');
    expect(JSON.parse(deliveryOf(stock.id).template!)).toEqual({ kind: 'alert', category: 'inventory', lang: 'en' });
    const orders = await send({ kind: 'alert', category: 'orders', severity: 'warning', title: 'Refund spike', fields: { sku: 'A-1' } });
    expect(orders.content).toBe('ALL Warning · Refund spike · A-1');

    app.deps.settings.setDelivery({ ...DEFAULT_DELIVERY, language: 'zh', format: 'markdown' });
    const zh = await send({ kind: 'alert', category: 'inventory', title: 'ZH stock' });
    expect(zh.content).toBe('中文 ZH stock');
    // No zh template for orders: the built-in, in Chinese.
    const zhOrders = await send({ kind: 'alert', category: 'orders', title: 'ZH orders' });
    expect(zhOrders.content).toContain('**ZH orders**');
    expect(zhOrders.content).toContain('订单');
    expect(deliveryOf(zhOrders.id).template).toBeNull();
    app.deps.settings.setDelivery({ ...DEFAULT_DELIVERY, language: 'en', format: 'markdown' });

    // The Notifications page lists what is custom.
    const notifications = await client.get('/notifications');
    expect(textOf(notifications.body)).toContain('Alert · Inventory · 简体中文');
    expect(notifications.body).toContain('href="/notifications/templates?kind=alert&amp;category=all&amp;lang=en"');
  });

  it('a resolved Alertmanager alert uses the resolved template; a task result its own', async () => {
    await save({ kind: 'resolved', category: 'all', lang: 'en', body: '✅ OK again: {{title}} at {{store}}' });
    await save({ kind: 'task_result', category: 'all', lang: 'en', body: '{{task.status.emoji}} {{task.name}} {{task.status}} in {{task.duration}} #{{fields.run}}#' });
    const res = await postJson('/api/v1/alertmanager', {
      version: '4',
      status: 'resolved',
      alerts: [{ status: 'resolved', labels: { alertname: 'DiskFull', store: 'shop-1' }, startsAt: '2026-11-25T00:00:00Z', endsAt: '2026-11-25T01:00:00Z' }],
    });
    expect(res.status).toBe(202);
    await until(() => fake.received.some((m) => contentOf(m.body).startsWith('✅ OK again')));
    expect(fake.received.map((m) => contentOf(m.body))).toContain('✅ OK again: [RESOLVED] DiskFull at shop-1');
    const task = await send({ kind: 'task_result', task_name: 'Price sync', status: 'failed', duration_ms: 65_000, fields: { run: 88 }, title: 'Price sync' });
    expect(task.content).toBe('❌ Price sync Failed in 1 min 5 s #88#');
  });

  it('a template that fails at send time falls back to the built-in, and the send log says so and why', async () => {
    // Saved around the form's checks (an older version, an edited database): the send still goes out.
    app.deps.settings.saveTemplate({ kind: 'alert', category: 'ads', lang: 'en' }, 'Broken {{nope}}');
    app.deps.settings.saveTemplate({ kind: 'alert', category: 'store', lang: 'en' }, '{{store}}');
    const broken = await send({ kind: 'alert', category: 'ads', severity: 'warning', title: 'Budget out' });
    expect(broken.content).toContain('**Budget out**'); // the built-in layout
    expect(broken.content).not.toContain('Broken');
    expect(JSON.parse(deliveryOf(broken.id).template!)).toEqual({ kind: 'alert', category: 'ads', lang: 'en', failed: { code: 'problem', problem: { code: 'unknown', placeholder: '{{nope}}' } } });
    const empty = await send({ kind: 'alert', category: 'store', title: 'No store given' });
    expect(empty.content).toContain('**No store given**');

    const id = deliveryOf(broken.id).id;
    const detail = await client.get(`/send-log/${id}`);
    expect(textOf(detail.body)).toContain('The custom template (Alert · Ads · English) has a problem, so the built-in template was sent instead: {{nope}} is not a placeholder of this message. Use one from the list.');
    const zhDetail = await client.get(`/send-log/${deliveryOf(empty.id).id}`, { 'accept-language': 'zh-CN' });
    expect(textOf(zhDetail.body)).toContain('自定义模板（告警 · 店铺 · English）无法使用：渲染结果为空。已改用内置模板发送。');
    const list = await client.get('/send-log');
    expect(textOf(list.body)).toContain('Budget out built-in template used');
    // A message made by a working custom template says which one.
    const ok = await client.get(`/send-log/${deliveryOf((await send({ kind: 'alert', category: 'orders', title: 'Fine one' })).id).id}`);
    expect(textOf(ok.body)).toContain('Custom template: Alert · All categories · English');
  });

  it('the send log on a Chinese console says why a stored custom template could not be used in Chinese, not "unknown placeholder …"; a note an earlier version stored shows as it was', async () => {
    // A template stored before a placeholder was renamed, or changed outside the console (docs/integrations.md).
    app.deps.settings.saveTemplate({ kind: 'alert', category: 'products', lang: 'en' }, '{{title}} {{oops}}');
    const id = deliveryOf((await send({ kind: 'alert', category: 'products', severity: 'warning', title: '退款率过高', store: '杭州店' })).id).id;
    const reason = async () => textOf(/<dd id="delivery-template"[^>]*>([\s\S]*?)<\/dd>/.exec((await client.get(`/send-log/${id}`, { 'accept-language': 'zh-CN' })).body)?.[1] ?? '');
    expect(await reason()).toBe('自定义模板（告警 · 商品 · English）有问题，已改用内置模板发送：{{oops}} 不是此类消息的占位符。请使用列表中的占位符。');
    // Noted by an earlier version: the problem in English, shown as it is.
    const older = { kind: 'alert', category: 'products', lang: 'en', failed: { code: 'problem', detail: 'unknown placeholder {{oops}}' } };
    app.deps.db.update(deliveries).set({ template: JSON.stringify(older) }).where(eq(deliveries.id, id)).run();
    expect(await reason()).toBe('自定义模板（告警 · 商品 · English）无法使用：模板有问题（unknown placeholder {{oops}}）。已改用内置模板发送。');
  });

  it('the audit log on a Chinese console names a template’s kind, category and language in words, not "resolved", "all", "zh"', async () => {
    const zh = translator('zh');
    const saved = await save({ kind: 'resolved', category: 'all', lang: 'zh', body: '已恢复：{{title}}' });
    expect(saved.redirectedTo).toBe('/notifications/templates?kind=resolved&category=all&lang=zh');
    const page = await client.get('/audit', { 'accept-language': 'zh-CN' });
    const row = page.body.split('<tr>').map(textOf).find((r) => r.includes(zh('audit.action.template.save')));
    expect(row!.match(/: (resolved|all|zh)\b/g) ?? []).toEqual([]);
    expect(row).toContain(zh('templates.kind.resolved'));
    expect(row).toContain(zh('templates.category.all'));
    expect(row).toContain(zh('settings.language.zh'));
  });

  it('restores the built-in in one click: the custom row goes, the next message is built-in, the audit log says so', async () => {
    const editor = await client.get('/notifications/templates?kind=alert&category=orders&lang=en');
    expect(textOf(editor.body)).toContain('No template of its own');
    expect(editor.body).not.toContain('action="/notifications/templates/restore"');
    const generic = await client.get('/notifications/templates?kind=alert&category=all&lang=en');
    expect(generic.body).toContain('action="/notifications/templates/restore"');
    const restored = await client.submit('/notifications/templates/restore', { kind: 'alert', category: 'all', lang: 'en' });
    expect(restored.redirectedTo).toBe('/notifications/templates?kind=alert&category=all&lang=en');
    expect(textOf(restored.body)).toContain('The built-in template is back for Alert · All categories · English.');
    expect(textOf(restored.body)).toContain('Showing the built-in template');
    expect(listMessageTemplates(app.deps.db).some((r) => r.kind === 'alert' && r.category === '' && r.lang === 'en')).toBe(false);
    expect(templateAudits()[0]).toMatchObject({ action: 'template.restore' });
    expect(JSON.parse(templateAudits()[0]!.detail!)).toEqual({ kind: 'alert', category: 'all', lang: 'en' });

    const after = await send({ kind: 'alert', category: 'orders', title: 'Back to built-in' });
    expect(after.content).toContain('**Back to built-in**');
    expect(deliveryOf(after.id).template).toBeNull();

    expect((await client.postForm('/notifications/templates/restore', { kind: 'alert', category: 'all', lang: 'de' })).status).toBe(400);
    expect((await client.postForm('/notifications/templates/restore', { kind: 'report', category: 'all', lang: 'en' })).status).toBe(400);
    const again = await client.submit('/notifications/templates/restore', { kind: 'alert', category: 'all', lang: 'en' });
    expect(textOf(again.body)).toContain('There was no custom template to remove.');
    // Saving the built-in text unchanged writes nothing.
    const count = listMessageTemplates(app.deps.db).length;
    const same = await save({ kind: 'alert', category: 'all', lang: 'en', body: defaultTemplate('alert', 'en', 'markdown') });
    expect(textOf(same.body)).toContain('Nothing changed.');
    expect(listMessageTemplates(app.deps.db)).toHaveLength(count);
  });
});
