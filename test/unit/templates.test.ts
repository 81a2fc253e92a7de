import { describe, expect, it } from 'vitest';
import { CATEGORIES, parseEvent, type Category, type InboundEvent } from '../../server/events/schema.ts';
import { describeMentions, mentionLists, MESSAGE_FORMATS, planMentions, type MessageFormat } from '../../server/render/mentionPlacement.ts';
import { notificationStrings } from '../../server/strings/notificationStrings.ts';
import { translator as notificationTranslator } from '../../server/strings/translate.ts';
import { digestFollowUpHeading, humaniseDuration, renderDigest, renderEvent, sampleEvents } from '../../server/render/builtInRender.ts';
import { BYTE_LIMITS, utf8Bytes, type TextMessage } from '../../server/wecom/messages.ts';
import { contentOf, event, options, RECEIVED_AT } from '../helpers/renderFixtures.ts';

const LANGS = ['en', 'zh'] as const;

const CATEGORY_LABEL = {
  en: { orders: 'Orders', inventory: 'Inventory', ads: 'Ads', products: 'Products', store: 'Store', task: 'Tasks', other: 'Other' },
  zh: { orders: '订单', inventory: '库存', ads: '广告', products: '商品', store: '店铺', task: '任务', other: '其他' },
} as const;
const VIEW_LINK = { en: 'View in StoreClaw', zh: '在 StoreClaw 中查看' } as const;
const MARKER = { en: '… truncated', zh: '…（已截断）' } as const;

function isWellFormed(s: string): boolean {
  return Buffer.from(s, 'utf8').toString('utf8') === s;
}

const KIND_BODIES = {
  alert: { kind: 'alert', title: 'Low stock on KT-1024', severity: 'critical' },
  task_result: { kind: 'task_result', title: 'Price sync finished', task_name: 'Nightly price sync', status: 'failed', duration_ms: 125_000 },
  report: { kind: 'report', title: 'Daily sales summary', severity: 'info' },
} as const;

function fullEvent(kind: keyof typeof KIND_BODIES, category: Category): InboundEvent {
  return event({
    ...KIND_BODIES[kind],
    category,
    summary: 'Something happened that needs a look.',
    fields: { sku: 'KT-1024', on_hand: 3 },
    url: 'https://storeclaw.example.com/events/42',
    store: 'Lakeside Tmall',
    occurred_at: '2025-03-14T01:30:00Z',
  });
}

describe('renderEvent: every kind × category × language × format', () => {
  const cases = (['alert', 'task_result', 'report'] as const).flatMap((kind) =>
    CATEGORIES.flatMap((category) => LANGS.map((lang) => ({ kind, category, lang }))),
  );

  describe.each(MESSAGE_FORMATS.map((format) => ({ format })))('$format', ({ format }) => {
    it.each(cases)('$kind / $category / $lang', ({ kind, category, lang }) => {
      const messages = renderEvent(fullEvent(kind, category), options(format, { lang }));
      expect(messages).toHaveLength(1);
      const [message] = messages;
      expect(message!.msgtype).toBe(format);
      const content = contentOf(message!);
      const title = KIND_BODIES[kind].title;
      expect(content).toContain(title);
      expect(content).toContain(CATEGORY_LABEL[lang][category]);
      expect(content).toContain('Lakeside Tmall');
      expect(content).toContain('sku: KT-1024');
      expect(content).toContain('on_hand: 3');
      expect(content).toContain('2025'); // occurred_at, formatted
      expect(content).toContain('09:30:00'); // 01:30 UTC in Asia/Shanghai
      const url = 'https://storeclaw.example.com/events/42';
      expect(content).toContain(format === 'text' ? `${VIEW_LINK[lang]}: ${url}` : `[${VIEW_LINK[lang]}](${url})`);
      if (format === 'markdown') expect(content).toMatch(/<font color="(warning|info|comment)">/);
      if (format !== 'markdown') expect(content).not.toContain('<font');
      if (format === 'text') {
        expect(content).not.toMatch(/\*\*|\]\(|^#/m);
      }
    });
  });
});

describe('renderEvent: severity and status colours', () => {
  function markdownOf(body: Record<string, unknown>, lang: 'en' | 'zh' = 'en'): string {
    return contentOf(renderEvent(event(body), options('markdown', { lang }))[0]!);
  }

  it('colours alert severities, telling critical from warning by label', () => {
    expect(markdownOf({ kind: 'alert', title: 'x', severity: 'critical' })).toContain('<font color="warning">Critical</font>');
    expect(markdownOf({ kind: 'alert', title: 'x', severity: 'warning' })).toContain('<font color="warning">Warning</font>');
    expect(markdownOf({ kind: 'alert', title: 'x', severity: 'info' })).toContain('<font color="comment">Info</font>');
    expect(markdownOf({ kind: 'alert', title: 'x', severity: 'critical' }, 'zh')).toContain('<font color="warning">严重</font>');
  });

  it('colours task results by status, green for success', () => {
    const task = { kind: 'task_result', task_name: 'Sync' };
    expect(markdownOf({ ...task, status: 'succeeded' })).toContain('<font color="info">Succeeded</font>');
    expect(markdownOf({ ...task, status: 'failed' })).toContain('<font color="warning">Failed</font>');
    expect(markdownOf({ ...task, status: 'partial' })).toContain('<font color="warning">Partially succeeded</font>');
    expect(markdownOf({ ...task, status: 'partial' }, 'zh')).toContain('部分成功');
  });

  it('a resolved alert has its own heading and colour, whatever the severity it fired with', () => {
    const resolved = { ...event({ kind: 'alert', title: '[RESOLVED] DiskFull', severity: 'critical' }), resolved: true as const };
    const markdown = contentOf(renderEvent(resolved, options('markdown'))[0]!);
    expect(markdown).toMatch(/^### <font color="info">Resolved<\/font> · /);
    expect(markdown).not.toContain('Critical');
    expect(contentOf(renderEvent(resolved, options('markdown', { lang: 'zh' }))[0]!)).toContain('<font color="info">已恢复</font>');
    expect(contentOf(renderEvent(resolved, options('text', { lang: 'zh' }))[0]!)).toMatch(/^✅ 已恢复 · /);
  });

  it('uses emoji and no colour in markdown_v2 and text', () => {
    for (const format of ['markdown_v2', 'text'] as const) {
      const content = contentOf(renderEvent(event({ kind: 'alert', title: 'x', severity: 'critical' }), options(format))[0]!);
      expect(content).toContain('🔴 Critical');
      expect(content).not.toContain('<font');
    }
  });
});

describe('renderEvent: task results', () => {
  it('shows task name, status and a humanised duration', () => {
    const e = event({ kind: 'task_result', title: 'Prices synced', task_name: 'Nightly price sync', status: 'succeeded', duration_ms: 125_000 });
    const en = contentOf(renderEvent(e, options('text'))[0]!);
    expect(en).toContain('Task: Nightly price sync');
    expect(en).toContain('Duration: 2 min 5 s');
    expect(en).toContain('✅ Succeeded');
    const zh = contentOf(renderEvent(e, options('text', { lang: 'zh' }))[0]!);
    expect(zh).toContain('耗时: 2 分钟 5 秒');
  });

  it.each([
    [350, '350 ms', '350 毫秒'],
    [5_000, '5 s', '5 秒'],
    [125_000, '2 min 5 s', '2 分钟 5 秒'],
    [120_000, '2 min', '2 分钟'],
    [3_600_000 + 5_000, '1 h', '1 小时'],
    [90_061_000, '1 d 1 h', '1 天 1 小时'],
  ])('%i ms → %s / %s', (ms, en, zh) => {
    expect(humaniseDuration(ms, notificationTranslator('en'))).toBe(en);
    expect(humaniseDuration(ms, notificationTranslator('zh'))).toBe(zh);
  });
});

describe('renderEvent: time, repeats, links', () => {
  it('formats occurred_at in the time zone, else the receive time', () => {
    const withTime = event({ kind: 'alert', title: 'x', occurred_at: '2025-03-14T01:30:00Z' });
    expect(contentOf(renderEvent(withTime, options('text', { timeZone: 'UTC' }))[0]!)).toContain('01:30:00');
    expect(contentOf(renderEvent(withTime, options('text', { timeZone: 'America/New_York' }))[0]!)).toContain('21:30:00');
    const without = event({ kind: 'alert', title: 'x' });
    expect(contentOf(renderEvent(without, options('text', { timeZone: 'UTC' }))[0]!)).toContain('02:00:00');
  });

  it('shows ×N only for repeats', () => {
    const e = event({ kind: 'alert', title: 'Low stock' });
    expect(contentOf(renderEvent(e, options('markdown', { repeatCount: 3 }))[0]!)).toContain('**Low stock** ×3');
    expect(contentOf(renderEvent(e, options('markdown', { repeatCount: 1 }))[0]!)).not.toContain('×');
  });

  it('keeps a link with parentheses or spaces intact', () => {
    const e = event({ kind: 'alert', title: 'x', url: 'https://e.com/a (b)/c' });
    expect(contentOf(renderEvent(e, options('markdown'))[0]!)).toContain('[View in StoreClaw](https://e.com/a%20%28b%29/c)');
  });

  it('renders no message for a metric', () => {
    expect(renderEvent(sampleEvents().metric, options('markdown'))).toEqual([]);
  });

  it('refuses a mention plan made for another format', () => {
    expect(() => renderEvent(sampleEvents().alert, options('text', { mentions: planMentions('all', 'markdown') }))).toThrow(RangeError);
  });
});

describe('renderEvent: user content cannot mention or colour', () => {
  // A store with a line break is refused at intake now; one stored before is still neutralised.
  const hostile = {
    ...event({
      kind: 'alert',
      title: 'Hi <@all> and < @alice> <font color="info">green</font>',
      summary: 'line one\n<@all>\n<FONT color=warning>red</FONT>\n< / font>',
      fields: { note: '<@bob>', '<@k>': '</font >' },
      url: 'https://e.com/<@all>',
    }),
    store: '<@all>\nShop',
  };

  it.each(MESSAGE_FORMATS)('%s', (format) => {
    for (const message of renderEvent(hostile, options(format))) {
      const content = contentOf(message).replace(/^### <font color="\w+">\w+<\/font>/, '');
      expect(content).not.toMatch(/<\s*@/);
      expect(content).not.toMatch(/<\s*\/?\s*font/i);
      expect(content).toContain('＜@all>'); // still readable
    }
  });

  it('keeps a multi-line title on one line', () => {
    const content = contentOf(renderEvent(event({ kind: 'alert', title: 'a\n# b' }), options('markdown'))[0]!);
    expect(content).toContain('**a # b**');
  });
});

describe('renderEvent: byte limits', () => {
  const heavy = '库存不足😀🇨🇳👨‍👩‍👧'; // 12 code points, 35 bytes
  const big = (kind: 'alert' | 'task_result') =>
    event({
      ...(kind === 'alert' ? { kind: 'alert', title: heavy.repeat(16) } : { kind: 'task_result', task_name: heavy.repeat(16), status: 'failed' }),
      summary: heavy.repeat(166),
      fields: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`字段${i}`, heavy.repeat(41)])),
      url: 'https://storeclaw.example.com/events/42',
      store: '湖畔咖啡天猫旗舰店',
    });

  for (const format of MESSAGE_FORMATS) {
    for (const lang of LANGS) {
      it(`${format} / ${lang}: cut on a boundary, marked, heading and link kept`, () => {
        for (const kind of ['alert', 'task_result'] as const) {
          const [message] = renderEvent(big(kind), options(format, { lang }));
          const content = contentOf(message!);
          expect(utf8Bytes(content)).toBeLessThanOrEqual(BYTE_LIMITS[format]);
          expect(utf8Bytes(content)).toBeGreaterThan(BYTE_LIMITS[format] - 40);
          expect(isWellFormed(content)).toBe(true);
          expect(content).toContain(MARKER[lang]);
          expect(content).toContain(CATEGORY_LABEL[lang][kind === 'alert' ? 'other' : 'task']);
          expect(content).toContain('https://storeclaw.example.com/events/42');
        }
      });
    }
  }

  it('links the console next to the marker when given', () => {
    const [message] = renderEvent(big('alert'), options('markdown', { consoleUrl: 'http://localhost:8080/events/7' }));
    expect(contentOf(message!)).toContain(`${MARKER.en} · [Open the console](http://localhost:8080/events/7)`);
  });

  it('does not mark content that fits', () => {
    expect(contentOf(renderEvent(sampleEvents().alert, options('text'))[0]!)).not.toContain(MARKER.en);
  });

  it('keeps every inline mention when even the parts never cut do not fit', () => {
    // Every field within the inbound API's limits: 200-character title and task, 100-character store, a 1.9 KB link.
    const ids = Array.from({ length: 20 }, (_, i) => `store-manager.hangzhou-flagship.${String(i).padStart(2, '0')}`);
    const parsed = parseEvent({
      kind: 'task_result',
      status: 'failed',
      title: '库存同步失败：'.repeat(28),
      task_name: '天猫旗舰店夜间库存与价格同步任务'.repeat(12),
      store: '杭州西湖区旗舰店'.repeat(12),
      summary: '同步被平台拒绝。',
      url: `https://storeclaw.example.com/tasks/runs/8812?trace=${'a'.repeat(1900)}`,
      mention: ids,
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const messages = renderEvent(parsed.event, { ...options('markdown', { lang: 'zh' }), mentions: planMentions(ids, 'markdown') });
    expect(messages).toHaveLength(1);
    const content = contentOf(messages[0]!);
    expect(utf8Bytes(content)).toBeLessThanOrEqual(BYTE_LIMITS.markdown);
    expect(content).toContain(MARKER.zh);
    expect(ids.filter((id) => content.includes(`<@${id}>`))).toEqual(ids);
  });
});

describe('renderEvent: long reports are split into numbered parts', () => {
  const summary = Array.from({ length: 40 }, (_, i) => `第${i}段：销售额与退款明细 😀 line ${i}.`).join('\n');
  const fields = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`metric_${i}`, `${'数据'.repeat(240)}#${i}`]));
  const report = event({ kind: 'report', title: '每周销售报告', summary, fields, url: 'https://storeclaw.example.com/r/1' });

  it.each(MESSAGE_FORMATS)('%s', (format) => {
    const single = renderEvent(report, options(format, { mentions: planMentions('none', format) }));
    expect(single.length).toBeGreaterThan(2);
    const n = single.length;
    const bodies = single.map((message, i) => {
      const content = contentOf(message);
      expect(utf8Bytes(content)).toBeLessThanOrEqual(BYTE_LIMITS[format]);
      expect(isWellFormed(content)).toBe(true);
      const [header, ...rest] = content.split('\n');
      expect(header).toContain(`(${i + 1}/${n})`);
      expect(header).toContain('每周销售报告');
      return rest.join('\n');
    });
    for (const line of summary.split('\n')) expect(bodies.join('')).toContain(line);
    for (const [key, value] of Object.entries(fields)) expect(bodies.join('')).toContain(`${key}: ${value}`);
    expect(bodies.join('')).toContain('https://storeclaw.example.com/r/1');
    expect(bodies.join('')).not.toContain(MARKER.en);
  });

  it('sends a short report as one message without numbering', () => {
    const messages = renderEvent(sampleEvents().report, options('markdown'));
    expect(messages).toHaveLength(1);
    expect(contentOf(messages[0]!)).not.toMatch(/\(1\/1\)/);
  });

  it('keeps the numbering header within the limit with two-digit part counts', () => {
    const huge = event({
      kind: 'report',
      title: '报'.repeat(200),
      summary: '数'.repeat(2000),
      fields: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, '据'.repeat(500)])),
    });
    const parts = renderEvent(huge, options('text'));
    expect(parts.length).toBeGreaterThanOrEqual(10);
    parts.forEach((p, i) => {
      expect(utf8Bytes(contentOf(p))).toBeLessThanOrEqual(BYTE_LIMITS.text);
      expect(contentOf(p).startsWith(`(${i + 1}/${parts.length}) `)).toBe(true);
    });
  });
});

describe('mentions', () => {
  const alert = sampleEvents().alert;
  const mixed = ['alice', '+8613800138000'];

  function render(format: MessageFormat, requested: 'none' | 'all' | string[]) {
    return renderEvent(alert, options(format, { mentions: planMentions(requested, format) }));
  }

  it('markdown: user ids inline, mobiles in one follow-up text', () => {
    const [main, followUp, ...rest] = render('markdown', mixed);
    expect(rest).toEqual([]);
    expect(contentOf(main!)).toContain('<@alice>');
    expect(followUp).toEqual({
      msgtype: 'text',
      text: { content: `⚠ ${alert.title}`, mentioned_mobile_list: ['+8613800138000'] },
    } satisfies TextMessage);
  });

  it('markdown: user ids only need no follow-up', () => {
    const messages = render('markdown', ['alice', 'bob']);
    expect(messages).toHaveLength(1);
    expect(contentOf(messages[0]!)).toContain('<@alice> <@bob>');
  });

  it('markdown: @all goes into the follow-up', () => {
    const [main, followUp] = render('markdown', 'all');
    expect(contentOf(main!)).not.toContain('@all');
    expect((followUp as TextMessage).text.mentioned_list).toEqual(['@all']);
  });

  it('markdown_v2: nothing inline, everything in the follow-up', () => {
    const [main, followUp] = render('markdown_v2', mixed);
    expect(contentOf(main!)).not.toContain('<@');
    expect((followUp as TextMessage).text).toMatchObject({ mentioned_list: ['alice'], mentioned_mobile_list: ['+8613800138000'] });
  });

  it('text: everything in the message itself', () => {
    const messages = render('text', [...mixed, 'alice']);
    expect(messages).toHaveLength(1);
    expect((messages[0] as TextMessage).text).toMatchObject({ mentioned_list: ['alice'], mentioned_mobile_list: ['+8613800138000'] });
    expect((render('text', 'all')[0] as TextMessage).text.mentioned_list).toEqual(['@all']);
  });

  it('none: no lists and no follow-up', () => {
    for (const format of MESSAGE_FORMATS) {
      const messages = render(format, 'none');
      expect(messages).toHaveLength(1);
      expect(JSON.stringify(messages)).not.toMatch(/mentioned|<@/);
    }
  });

  it("a digest's follow-up heading in the notification language, from the digest's stored title", () => {
    const storm = '37 × inventory (digest)';
    expect(digestFollowUpHeading(storm, 'en')).toBe('37 inventory alerts (the digest above)');
    expect(digestFollowUpHeading(storm, 'zh')).toBe('37 条库存告警（见上方汇总）');
    expect(digestFollowUpHeading('1 × mixed (quiet hours)', 'en')).toBe('1 notification held during quiet hours');
    expect(digestFollowUpHeading('4 × orders (quiet hours)', 'zh')).toBe('免打扰期间暂存了 4 条订单通知');
    expect(digestFollowUpHeading('Weekly summary', 'zh')).toBe('Weekly summary');
    expect(digestFollowUpHeading('3 × unknown (digest)', 'zh')).toBe('3 × unknown (digest)');
  });

  it('points the follow-up up (↑) when nothing needs attention', () => {
    const info = event({ kind: 'alert', title: 'FYI' });
    const [, followUp] = renderEvent(info, options('markdown_v2', { mentions: planMentions(['alice'], 'markdown_v2') }));
    expect((followUp as TextMessage).text.content).toBe('↑ FYI');
  });

  it('puts the mentions of a split report on its last part, then the follow-up', () => {
    const long = event({ kind: 'report', title: 'R', summary: 'x '.repeat(1000), fields: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}`, 'y'.repeat(500)])) });
    const parts = renderEvent(long, options('text', { mentions: planMentions(mixed, 'text') }));
    expect(parts.length).toBeGreaterThan(1);
    expect((parts.at(-1) as TextMessage).text.mentioned_list).toEqual(['alice']);
    expect((parts[0] as TextMessage).text.mentioned_list).toBeUndefined();
  });

  it('describes what will work for the preview', () => {
    const markdown = describeMentions(planMentions(mixed, 'markdown'), 'en');
    expect(markdown[0]).toBe('alice: mentioned in the message itself.');
    expect(markdown[1]).toContain('+8613800138000: markdown cannot mention by mobile number');
    expect(markdown.some((l) => l.includes('20 messages per minute'))).toBe(true);
    expect(describeMentions(planMentions('all', 'markdown_v2'), 'zh')[0]).toContain('markdown_v2 消息不能提及任何人');
    expect(describeMentions(planMentions('none', 'text'), 'en')).toEqual(['No one is mentioned.']);
    expect(describeMentions(planMentions('all', 'text'), 'en')).toEqual(['@all: mentioned in the message itself.']);
  });
});

describe('renderDigest', () => {
  const since = Date.UTC(2025, 2, 14, 1, 0, 0);
  const until = since + 5 * 60_000;
  const events = Array.from({ length: 2000 }, (_, i) => ({
    title: `SKU-${i} 库存不足 😀 ${'x'.repeat(i % 50)}`,
    severity: (['info', 'warning', 'critical'] as const)[i % 3]!,
    store: i % 2 ? '湖畔咖啡' : null,
    at: since + i * 100,
  }));

  for (const format of MESSAGE_FORMATS) {
    for (const lang of LANGS) {
      it(`${format} / ${lang}: 2000 events within the limit, whole lines only`, () => {
        const message = renderDigest({ category: 'inventory', reason: 'storm', events, total: 2000, since, until, lang, format, timeZone: 'Asia/Shanghai', consoleUrl: 'http://localhost:8080/events', topN: 2000 });
        expect(message.msgtype).toBe(format);
        const content = contentOf(message);
        expect(utf8Bytes(content)).toBeLessThanOrEqual(BYTE_LIMITS[format]);
        expect(content.split('\n')[0]).toContain(lang === 'en' ? '2000 inventory alerts in 5 min' : '5 分钟内 2000 条库存告警');
        const listed = content.split('\n').filter((l) => /^[-•] /.test(l));
        expect(listed.length).toBeGreaterThan(5);
        for (const line of listed) expect(line).toMatch(/\d{2}:\d{2}:\d{2} \(GMT[+-]?\d*\)$/);
        const more = lang === 'en' ? `… and ${2000 - listed.length} more` : `…另有 ${2000 - listed.length} 条`;
        expect(content).toContain(more);
        expect(content).not.toContain(MARKER[lang]);
        if (format === 'text') expect(content).not.toMatch(/\*\*|\]\(|<font|^#/m);
      });
    }
  }

  it('lists the top 10 by severity, then time, with counts and a console link', () => {
    const content = contentOf(
      renderDigest({ category: 'inventory', reason: 'storm', events: events.slice(0, 37), total: 37, since, until, lang: 'en', format: 'markdown', timeZone: 'UTC', consoleUrl: 'http://localhost:8080/events' }),
    );
    expect(content).toContain('<font color="warning">Critical: 12</font>');
    expect(content).toContain('Warning: 12');
    expect(content).toContain('<font color="comment">Info: 13</font>');
    expect(content).toContain('Top 10:');
    const listed = content.split('\n').filter((l) => l.startsWith('- '));
    expect(listed).toHaveLength(10);
    expect(listed.slice(0, 10).every((l) => l.includes('Critical'))).toBe(true);
    expect(listed[0]).toContain('SKU-2 ');
    expect(listed[1]).toContain('SKU-5 ');
    expect(content).toContain('… and 27 more');
    expect(content).toContain('[See the console for all of them](http://localhost:8080/events)');
  });

  it('words quiet-hours, mixed and single digests', () => {
    const one = renderDigest({ category: 'mixed', reason: 'quiet_hours', events: events.slice(0, 1), total: 1, since, until, lang: 'en', format: 'text', timeZone: 'UTC' });
    expect(contentOf(one)).toMatch(/^1 notification held during quiet hours\n/);
    expect(contentOf(one)).toContain('See the console for all of them');
    const zh = renderDigest({ category: 'orders', reason: 'quiet_hours', events: events.slice(0, 4), total: 4, since, until, lang: 'zh', format: 'text', timeZone: 'UTC' });
    expect(contentOf(zh)).toMatch(/^免打扰期间暂存了 4 条订单通知\n/);
    const mixed = renderDigest({ category: 'mixed', reason: 'storm', events: events.slice(0, 4), total: 4, since, until: since + 45_000, lang: 'en', format: 'text', timeZone: 'UTC' });
    expect(contentOf(mixed)).toMatch(/^4 alerts in 45 s\n/);
  });

  it("badges each line as its event's own message: how a task ended, a resolution, else the severity; ×N for a repeat", () => {
    const lines = [
      { title: 'price sync', severity: 'warning', at: since, kind: 'task_result', status: 'failed', repeatCount: 2 },
      { title: 'stock sync', severity: 'warning', at: since + 1, kind: 'task_result', status: 'partial' },
      { title: 'SKU-1 low', severity: 'warning', at: since + 2, kind: 'alert', resolved: true },
      { title: 'SKU-2 low', severity: 'warning', at: since + 3 },
    ] as const;
    const listed = (format: 'markdown' | 'text') =>
      contentOf(renderDigest({ category: 'task', reason: 'storm', events: lines, total: 4, since, until, lang: 'en', format, timeZone: 'UTC' }))
        .split('\n')
        .filter((l) => /^[-•] /.test(l));
    expect(listed('markdown').map((l) => l.split(' · ')[0])).toEqual([
      '- <font color="warning">Failed</font> price sync ×2',
      '- <font color="warning">Partially succeeded</font> stock sync',
      '- <font color="info">Resolved</font> SKU-1 low',
      '- <font color="warning">Warning</font> SKU-2 low',
    ]);
    expect(listed('text').map((l) => l.split(' · ')[0])).toEqual(['• ❌ price sync ×2', '• 🟡 stock sync', '• ✅ SKU-1 low', '• 🟠 SKU-2 low']);
  });
});

describe('notificationStrings', () => {
  it('has the same keys in English and Chinese, none empty, same placeholders', () => {
    expect(Object.keys(notificationStrings.zh).sort()).toEqual(Object.keys(notificationStrings.en).sort());
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [key, en] of Object.entries(notificationStrings.en)) {
      const zh = notificationStrings.zh[key as keyof typeof notificationStrings.zh];
      expect(placeholders(zh), key).toEqual(placeholders(en));
      if (key !== 'duration.separator') expect(en.trim(), key).not.toBe('');
    }
  });
});

describe('sampleEvents', () => {
  it('gives one valid event per kind that renders within the limits', () => {
    const samples = sampleEvents();
    expect(Object.keys(samples).sort()).toEqual(['alert', 'metric', 'report', 'task_result']);
    for (const [kind, sample] of Object.entries(samples)) {
      expect(sample.kind).toBe(kind);
      expect(parseEvent(sample)).toEqual({ ok: true, event: sample });
      for (const format of MESSAGE_FORMATS) {
        const messages = renderEvent(sample, options(format));
        expect(messages).toHaveLength(kind === 'metric' ? 0 : 1);
        for (const m of messages) expect(utf8Bytes(contentOf(m))).toBeLessThanOrEqual(BYTE_LIMITS[format]);
      }
    }
  });
});

describe('mention lists, at most 20 targets a text message', () => {
  it('25 targets, ids and mobiles, go in two lists of 20 and 5, each target once and in order', () => {
    const ids = Array.from({ length: 17 }, (_, i) => `user${i}`);
    const mobiles = Array.from({ length: 8 }, (_, i) => `1380000000${i}`);
    const lists = mentionLists(planMentions([...ids, ...mobiles], 'text'));
    expect(lists.map((l) => l.mentionedList.length + l.mentionedMobileList.length)).toEqual([20, 5]);
    expect(lists.flatMap((l) => l.mentionedList)).toEqual(ids);
    expect(lists.flatMap((l) => l.mentionedMobileList)).toEqual(mobiles);
  });

  it('none listed: no list; @all is one', () => {
    expect(mentionLists(planMentions('none', 'text'))).toEqual([]);
    expect(mentionLists(planMentions('all', 'markdown'))).toEqual([{ mentionedList: ['@all'], mentionedMobileList: [] }]);
  });
});

