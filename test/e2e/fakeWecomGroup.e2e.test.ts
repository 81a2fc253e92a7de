import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { encodePng } from '../../server/charts/pngEncode.ts';
import { imageMessage, type WecomMessage } from '../../server/wecom/messages.ts';
import { webhookUrlForKey } from '../../server/wecom/webhookUrl.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { ARTIFACTS, openBrowserPage, type BrowserPage } from '../helpers/browser.ts';

const KEY = '6e7f8a9b-0c1d-4e2f-8a3b-4c5d6e7f8a9b';

/** The trial's "group": what the fake received, shown as WeCom would, in a real Chromium. */
describe('the fake WeCom group page', () => {
  let fake: FakeWecom;
  let browser: BrowserPage;
  let page: Page;
  const post = async (message: WecomMessage | Record<string, unknown>) => {
    const res = await fetch(webhookUrlForKey(KEY).replace('https://qyapi.weixin.qq.com', fake.origin), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
    });
    expect(((await res.json()) as { errcode: number }).errcode).toBe(0);
  };

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY] });
    browser = await openBrowserPage({ locale: 'zh-CN', viewport: { width: 800, height: 900 } });
    page = browser.page;
  });
  afterAll(async () => {
    await browser?.close();
    await fake?.close();
  });

  it('says nothing arrived yet, then shows markdown rendered, mentions marked and the picture, and reloads by itself when a message arrives', async () => {
    await page.goto(fake.origin + '/');
    expect(await page.locator('#group-empty').textContent()).toContain('还没有收到消息');
    const callsBefore = fake.calls.length;

    await post({ msgtype: 'markdown', markdown: { content: '### <font color="warning">严重</font> 订单量骤降\n**天猫旗舰店** 40 单\n<@zhangsan>\n[查看](https://storeclaw.example.com/o/1)' } });
    await post({ msgtype: 'text', text: { content: '请尽快处理', mentioned_list: ['@all'], mentioned_mobile_list: ['13800000000'] } });
    const rgba = new Uint8Array(40 * 20 * 4).fill(200);
    await post(imageMessage(await encodePng(rgba, 40, 20)));

    // No click: the page notices the new messages and reloads.
    await page.locator('li[data-msgtype="image"]').waitFor({ timeout: 10_000 });
    const bubbles = page.locator('.wx-bubble');
    expect(await bubbles.count()).toBe(3);
    const markdown = bubbles.nth(0);
    expect(await markdown.locator('.wx-font-warning').textContent()).toBe('严重');
    expect(await markdown.locator('strong').first().textContent()).toBe('天猫旗舰店');
    expect(await markdown.locator('.wx-mention').textContent()).toBe('@zhangsan');
    expect(await markdown.locator('a.wx-link').getAttribute('href')).toBe('https://storeclaw.example.com/o/1');
    expect(await markdown.textContent()).not.toContain('<font');
    expect(await bubbles.nth(1).locator('.wx-mention').allTextContents()).toEqual(['@所有人', '@13800000000']);
    await expect.poll(() => bubbles.nth(2).locator('img').evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0))).toBe(40);
    await page.screenshot({ path: `${ARTIFACTS}/fake-wecom-group.png`, fullPage: true });

    // Watching the page is no WeCom call: the fake's call log and rate window only hold the three sends.
    expect(fake.calls.length - callsBefore).toBe(3);
    expect(browser.errors).toEqual([]);
  });

  it('speaks English when asked, and a missing picture is a 404, not a crash', async () => {
    await page.goto(fake.origin + '/?lang=en');
    expect(await page.locator('h1').textContent()).toBe('Fake WeCom group');
    expect(await page.locator('.wx-bubble').nth(1).locator('.wx-mention').first().textContent()).toBe('@all');
    expect((await fetch(`${fake.origin}/group/messages/0/image`)).status).toBe(404);
    expect((await fetch(`${fake.origin}/group/messages/99/image`)).status).toBe(404);
  });
});
