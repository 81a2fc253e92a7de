import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AlertEvent, InboundEvent } from '../../server/events/schema.ts';
import { renderDigestWithTemplate, renderEventWithTemplate, TemplateRenderError } from '../../server/render/messageTemplateRender.ts';
import { renderDigestForDelivery, renderEventForDelivery, type RenderSettings } from '../../server/render/eventMessages.ts';
import { planMentions, type MessageFormat } from '../../server/render/mentionPlacement.ts';
import {
  defaultTemplate,
  EVENT_PLACEHOLDERS,
  MESSAGE_TEMPLATE_MAX_CHARS,
  parseMessageTemplate,
  placeholdersFor,
  TASK_PLACEHOLDERS,
} from '../../server/render/messageTemplate.ts';
import { NO_TEMPLATES, parseNote, renderWithTemplate, templateKindOf, templateSet, type StoredTemplate } from '../../server/render/messageTemplateChoice.ts';
import { renderDigest, renderEvent, sampleEvents, type DigestInput, type RenderOptions } from '../../server/render/builtInRender.ts';
import { DEFAULT_DELIVERY, DEFAULT_RULES } from '../../server/settings/settingsStore.ts';
import { BYTE_LIMITS, utf8Bytes } from '../../server/wecom/messages.ts';
import { contentOf, event, options, RECEIVED_AT } from '../helpers/renderFixtures.ts';

const FORMATS: MessageFormat[] = ['markdown', 'markdown_v2', 'text'];

const alert = event({
  kind: 'alert',
  category: 'inventory',
  severity: 'critical',
  title: 'Low stock on KT-1024',
  summary: 'Only 3 left.',
  fields: { sku: 'KT-1024', on_hand: 3, '仓库': '上海二号' },
  url: 'https://storeclaw.example.com/a (b)',
  store: 'Lakeside Tmall',
  occurred_at: '2025-03-14T01:30:00Z',
});

const task = event({ kind: 'task_result', title: 'Price sync', task_name: 'Nightly price sync', status: 'failed', duration_ms: 125_000, store: 'Lakeside Tmall' });

function one(e: InboundEvent, body: string, opts: RenderOptions = options('markdown'), kind: 'alert' | 'task_result' | 'resolved' = e.kind === 'task_result' ? 'task_result' : 'alert'): string {
  if (e.kind === 'metric') throw new Error('no metric');
  return contentOf(renderEventWithTemplate(e, opts, kind, body)[0]!);
}

describe('message template placeholders: events', () => {
  const cases: Array<[string, string]> = [
    ['{{title}}', 'Low stock on KT-1024'],
    ['{{summary}}', 'Only 3 left.'],
    ['{{severity}}', 'Critical'],
    ['{{severity.colour}}', 'warning'],
    ['{{severity.emoji}}', '🔴'],
    ['{{badge}}', '<font color="warning">Critical</font>'],
    ['{{category}}', 'Inventory'],
    ['{{kind}}', 'Alert'],
    ['{{store}}', 'Lakeside Tmall'],
    ['{{url}}', 'https://storeclaw.example.com/a%20%28b%29'],
    ['{{link}}', '[View in StoreClaw](https://storeclaw.example.com/a%20%28b%29)'],
    ['{{time}}', '2025-03-14 09:30:00 (GMT+8)'],
    ['{{fields}}', 'sku: KT-1024\non_hand: 3\n仓库: 上海二号'],
    ['{{fields.sku}}', 'KT-1024'],
    ['{{ fields.on_hand }}', '3'],
    ['{{fields.仓库}}', '上海二号'],
  ];
  it.each(cases)('%s gives %s', (template, expected) => {
    expect(one(alert, `x ${template}`)).toBe(`x ${expected}`);
  });

  it('every documented placeholder of an event kind renders (none left as typed)', () => {
    const full = event({ ...alert, kind: 'task_result', task_name: 'n', status: 'partial', duration_ms: 1000 });
    for (const name of placeholdersFor('task_result')) {
      const out = one(full, `[{{${name}}}] end`, options('markdown', { repeatCount: 2 }));
      expect(out).not.toContain('{{');
    }
    expect(placeholdersFor('alert')).toEqual(EVENT_PLACEHOLDERS);
    expect(placeholdersFor('task_result')).toEqual([...EVENT_PLACEHOLDERS, ...TASK_PLACEHOLDERS]);
  });

  it('times follow the settings time zone; the badge and links follow the format; the language the labels', () => {
    expect(one(alert, '{{time}}', options('text', { timeZone: 'UTC' }))).toBe('2025-03-14 01:30:00 (GMT+0)');
    expect(one(alert, '{{badge}}', options('text'))).toBe('🔴 Critical');
    expect(one(alert, '{{link}}', options('text'))).toBe('View in StoreClaw: https://storeclaw.example.com/a%20%28b%29');
    expect(one(alert, '{{severity}} {{category}} {{link}}', options('markdown', { lang: 'zh' }))).toBe('严重 库存 [在 StoreClaw 中查看](https://storeclaw.example.com/a%20%28b%29)');
    expect(one(alert, '{{fields}}', options('markdown_v2'))).toBe('- sku: KT-1024\n- on_hand: 3\n- 仓库: 上海二号');
  });

  it('{{fields}} and the built-in say how many labels an Alertmanager alert left out, in the notification language', () => {
    const many: AlertEvent = { ...(event({ kind: 'alert', title: 'NodeDown', fields: { job: 'node' } }) as AlertEvent), more_labels: 5 };
    expect(one(many, '{{fields}}')).toBe('job: node\n… and 5 more labels');
    expect(one({ ...many, more_labels: 1 }, '{{fields}}')).toBe('job: node\n… and 1 more label');
    expect(one(many, '{{fields}}', options('markdown', { lang: 'zh' }))).toBe('job: node\n…另有 5 个标签');
    expect(contentOf(renderEvent(many, options('markdown', { lang: 'zh' }))[0]!)).toContain('job: node\n…另有 5 个标签');
  });

  it('task results: name, status with its colour, duration; repeat count', () => {
    expect(one(task, '{{task.name}}|{{task.status}}|{{task.status.colour}}|{{task.status.emoji}}|{{task.duration}}')).toBe('Nightly price sync|Failed|warning|❌|2 min 5 s');
    expect(one(task, '{{task.duration}}', options('text', { lang: 'zh' }))).toBe('2 分钟 5 秒');
    expect(one(alert, '{{title}} {{repeat}}', options('markdown', { repeatCount: 3 }))).toBe('Low stock on KT-1024 ×3');
    expect(one(alert, '{{title}} {{repeat}}')).toBe('Low stock on KT-1024');
  });

  it('a line whose placeholders are all empty is left out; blank lines collapse', () => {
    const bare = event({ kind: 'alert', title: 'Bare' });
    expect(one(bare, '{{title}}\n\nStore: {{store}}\nMissing: {{fields.nope}} {{summary}}\n\n\n\nEnd')).toBe('Bare\n\nEnd');
    // A line with one filled placeholder stays whole.
    expect(one(alert, 'Store: {{store}} {{fields.nope}}')).toBe('Store: Lakeside Tmall');
  });
});

describe('message template placeholders: digests', () => {
  const since = Date.UTC(2025, 2, 14, 1, 0, 0);
  const input = (overrides: Partial<DigestInput> = {}): DigestInput => ({
    category: 'inventory',
    reason: 'storm',
    events: Array.from({ length: 12 }, (_, i) => ({ title: `Low stock ${i}`, severity: i === 3 ? 'critical' : 'warning', store: 'S', at: since + i * 1000 })),
    total: 12,
    since,
    until: since + 5 * 60_000,
    lang: 'en',
    format: 'markdown',
    timeZone: 'UTC',
    consoleUrl: 'http://localhost:8080/send-log',
    ...overrides,
  });

  it('heading, count, category, range, counts, list, more, console, severity', () => {
    const out = contentOf(renderDigestWithTemplate(input(), '{{digest.heading}}|{{digest.count}}|{{digest.category}}|{{severity}}|{{severity.colour}}|{{time}}\n{{digest.range}}\n{{digest.counts}}\n{{digest.list}}\n{{digest.more}}\n{{console}}'));
    const lines = out.split('\n');
    expect(lines[0]).toBe('12 inventory alerts in 5 min|12|Inventory|Critical|warning|2025-03-14 01:05:00 (GMT+0)');
    expect(lines[1]).toBe('From 2025-03-14 01:00:00 (GMT+0) to 2025-03-14 01:05:00 (GMT+0)');
    expect(lines[2]).toContain('<font color="warning">Critical: 1</font>');
    expect(lines[3]).toBe('Top 10:');
    expect(lines[4]).toContain('Low stock 3'); // the critical one first
    expect(out).toContain('… and 2 more');
    expect(out).toContain('[See the console for all of them](http://localhost:8080/send-log)');
  });

  it('the default digest template renders what the built-in digest does', () => {
    for (const format of FORMATS) {
      for (const lang of ['en', 'zh'] as const) {
        const i = input({ format, lang });
        expect(contentOf(renderDigestWithTemplate(i, defaultTemplate('digest', lang, format)))).toBe(contentOf(renderDigest(i)));
      }
    }
  });

  it('drops listed events (never cuts them) to fit, and "more" counts what was dropped', () => {
    const long = input({ events: Array.from({ length: 40 }, (_, i) => ({ title: `${'长'.repeat(150)} ${i}`, severity: 'warning' as const, at: since + i })), total: 40, topN: 40, format: 'text' });
    const out = contentOf(renderDigestWithTemplate(long, '{{digest.heading}}\n{{digest.list}}\n{{digest.more}}'));
    expect(utf8Bytes(out)).toBeLessThanOrEqual(BYTE_LIMITS.text);
    const shown = out.split('\n').filter((l) => l.startsWith('•')).length;
    expect(shown).toBeGreaterThan(0);
    expect(out).toContain(`… and ${40 - shown} more`);
  });
});

describe('message templates: user text cannot mention or colour, the template cannot mention', () => {
  // A store with a line break is refused at intake now; one stored before still renders on one line.
  const hostile = {
    ...event({
      kind: 'alert',
      title: 'x <@all> <font color="info">green</font>',
      summary: 'line1\n<@alice> < font color="warning">',
      fields: { '<@bob>': '<@carol>', f: '</font>' },
    }),
    store: '<@dave>\nnext',
  };
  it('values are neutralised and one-line values stay on one line; the template’s own <font> stays', () => {
    for (const format of FORMATS) {
      const out = one(hostile, '<font color="{{severity.colour}}">{{title}}</font> <@eve>\n{{summary}}\n{{fields}}\n{{fields.f}} {{store}}', options(format));
      expect(out.startsWith('<font color="comment">x ＜@all> ＜font')).toBe(true); // an alert is info by default
      expect(out.match(/<font/g)).toHaveLength(1);
      expect(out.match(/<\/font>/g)).toHaveLength(1);
      expect(out).not.toMatch(/<\s*@/);
      expect(out).toContain('＜@dave> next');
    }
  });

  it('mentions come from the mention plan only: inline ids appended, text lists kept, follow-up as built-in', () => {
    const md = renderEventWithTemplate(alert as AlertEvent, options('markdown', { mentions: planMentions(['alice', '13800000000'], 'markdown') }), 'alert', '{{title}}');
    expect(contentOf(md[0]!)).toBe('Low stock on KT-1024\n\n<@alice>');
    expect(md).toHaveLength(2);
    expect(md[1]).toEqual(renderEvent(alert, options('markdown', { mentions: planMentions(['alice', '13800000000'], 'markdown') }))[1]);
    const text = renderEventWithTemplate(alert as AlertEvent, options('text', { mentions: planMentions('all', 'text') }), 'alert', '{{title}}');
    expect(text).toEqual([{ msgtype: 'text', text: { content: 'Low stock on KT-1024', mentioned_list: ['@all'] } }]);
  });
});

describe('message templates: byte limits', () => {
  it('cuts the summary and fields first, keeping the heading and the link', () => {
    const big = event({ kind: 'alert', title: 'Big one', summary: '长'.repeat(1900), fields: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, 'v'.repeat(500)])), url: 'https://e.com/x' });
    for (const format of FORMATS) {
      const out = one(big, '### {{title}}\n{{summary}}\n{{fields}}\n{{link}}', options(format, { consoleUrl: 'http://c/send-log?event=1' }));
      expect(utf8Bytes(out)).toBeLessThanOrEqual(BYTE_LIMITS[format]);
      expect(out.startsWith('### Big one\n')).toBe(true);
      expect(out).toContain('… truncated');
      expect(out.endsWith('https://e.com/x)') || out.endsWith('https://e.com/x')).toBe(true);
    }
  });

  it('property: whatever the event and template, the message fits its format and is well-formed UTF-8', () => {
    const names = [...placeholdersFor('task_result'), 'fields.a', 'fields.b'];
    const text = fc.string({ unit: fc.constantFrom('a', '长', '😀', '\n', ' ', '<', '@', '{', '}'), maxLength: 400 });
    const templateArb = fc.array(fc.oneof(text.map((t) => t.replace(/[{}]/g, '')), fc.constantFrom(...names).map((n) => `{{${n}}}`)), { minLength: 1, maxLength: 30 }).map((parts) => `X\n${parts.join('')}`);
    const eventArb = fc.record({
      title: fc.string({ unit: fc.constantFrom('t', '长', '😀', '<@x>'), minLength: 1, maxLength: 200 }),
      summary: fc.string({ unit: fc.constantFrom('s', '长', '😀', '\n'), maxLength: 2000 }),
      a: fc.string({ unit: fc.constantFrom('a', '长'), maxLength: 500 }),
      b: fc.string({ unit: fc.constantFrom('b', '😀'), maxLength: 500 }),
    });
    fc.assert(
      fc.property(templateArb, eventArb, fc.constantFrom(...FORMATS), fc.constantFrom('en' as const, 'zh' as const), (template, e, format, lang) => {
        const ev = event({ kind: 'task_result', task_name: 'n', status: 'partial', title: e.title.trim() || 't', summary: e.summary, fields: { a: e.a, b: e.b } });
        const out = one(ev, template, options(format, { lang, mentions: planMentions(['alice'], format) }));
        expect(utf8Bytes(out)).toBeLessThanOrEqual(BYTE_LIMITS[format]);
        expect(Buffer.from(out, 'utf8').toString('utf8')).toBe(out);
        expect(out.startsWith('X')).toBe(true); // the heading line survives any cut
      }),
      { numRuns: 150 },
    );
  });
});

describe('message templates: checks', () => {
  it('unknown placeholders, unclosed braces, empty and too long are problems', () => {
    expect(parseMessageTemplate('alert', '{{title}} {{titel}} {{digest.count}}').problems).toEqual([
      { code: 'unknown', placeholder: '{{titel}}' },
      { code: 'unknown', placeholder: '{{digest.count}}' },
    ]);
    expect(parseMessageTemplate('alert', 'a {{title').problems).toEqual([{ code: 'unclosed', snippet: '{{title' }]);
    expect(parseMessageTemplate('alert', '  \n ').problems).toEqual([{ code: 'empty' }]);
    expect(parseMessageTemplate('alert', 'x'.repeat(MESSAGE_TEMPLATE_MAX_CHARS + 1)).problems).toEqual([{ code: 'tooLong', max: MESSAGE_TEMPLATE_MAX_CHARS, length: MESSAGE_TEMPLATE_MAX_CHARS + 1 }]);
    expect(parseMessageTemplate('digest', '{{fields.sku}} {{task.name}}').problems.map((p) => p.code)).toEqual(['unknown', 'unknown']);
    expect(parseMessageTemplate('alert', '{{task.name}}').problems).toEqual([{ code: 'unknown', placeholder: '{{task.name}}' }]);
    expect(parseMessageTemplate('task_result', '{{task.name}} {{fields.x}}').problems).toEqual([]);
    expect(parseMessageTemplate('alert', '{{constructor.constructor("return process")()}}').problems.map((p) => p.code)).toEqual(['unknown']);
  });

  it('a template that cannot be used throws a reason', () => {
    const reason = (body: string) => {
      try {
        one(event({ kind: 'alert', title: 't' }), body);
        return undefined;
      } catch (err) {
        return err instanceof TemplateRenderError ? err.failure : String(err);
      }
    };
    expect(reason('{{nope}}')).toEqual({ code: 'problem', problem: { code: 'unknown', placeholder: '{{nope}}' } });
    expect(reason('{{summary}}\n{{store}}')).toEqual({ code: 'empty', detail: 'the template rendered to nothing' });
    expect(reason('{{title}}')).toBeUndefined();
  });

  it('the default templates render the built-in alert message exactly', () => {
    for (const format of FORMATS) {
      for (const lang of ['en', 'zh'] as const) {
        for (const e of [sampleEvents().alert, alert, event({ kind: 'alert', title: 'Bare' })]) {
          const opts = options(format, { lang, repeatCount: 2 });
          expect(one(e, defaultTemplate('alert', lang, format), opts)).toBe(contentOf(renderEvent(e, opts)[0]!));
        }
      }
    }
  });
});

describe('template choice at send time', () => {
  const settings = (rows: StoredTemplate[], format: MessageFormat = 'markdown', language: 'en' | 'zh' = 'en'): RenderSettings => ({
    rules: DEFAULT_RULES,
    delivery: { ...DEFAULT_DELIVERY, format, language },
    timeZone: 'UTC',
    templates: templateSet(rows),
  });
  const row = (kind: string, category: string, lang: string, body: string): StoredTemplate => ({ kind, category, lang, body, updatedAt: 0 });
  const render = (e: InboundEvent, s: RenderSettings) => renderEventForDelivery(e, s, { receivedAt: RECEIVED_AT });

  it('no custom template: the built-in, and no note', () => {
    expect(render(alert, settings([]))).toEqual({ messages: renderEvent(alert, options('markdown', { timeZone: 'UTC' })) });
  });

  it('the category’s own template beats the one for every category; the language must match', () => {
    const rows = [row('alert', '', 'en', 'ANY {{title}}'), row('alert', 'inventory', 'en', 'INV {{title}}'), row('alert', 'inventory', 'zh', 'ZH {{title}}')];
    const inv = render(alert, settings(rows));
    expect(contentOf(inv.messages[0]!)).toBe('INV Low stock on KT-1024');
    expect(inv.template).toEqual({ kind: 'alert', category: 'inventory', lang: 'en' });
    const orders = render({ ...alert, category: 'orders' }, settings(rows));
    expect(contentOf(orders.messages[0]!)).toBe('ANY Low stock on KT-1024');
    expect(orders.template).toEqual({ kind: 'alert', category: '', lang: 'en' });
    expect(contentOf(render(alert, settings(rows, 'markdown', 'zh')).messages[0]!)).toBe('ZH Low stock on KT-1024');
    expect(render(alert, settings([row('alert', '', 'zh', 'ZH')], 'markdown', 'en')).template).toBeUndefined();
  });

  it('resolved alerts use the resolved template, not the alert one; reports always the built-in', () => {
    const resolved = { ...alert, resolved: true as const };
    expect(templateKindOf(resolved)).toBe('resolved');
    expect(templateKindOf(alert)).toBe('alert');
    expect(templateKindOf(sampleEvents().report)).toBeUndefined();
    const rows = [row('alert', '', 'en', 'FIRING {{title}}'), row('resolved', '', 'en', 'OK {{title}}')];
    expect(contentOf(render(resolved, settings(rows)).messages[0]!)).toBe('OK Low stock on KT-1024');
    expect(contentOf(render(alert, settings(rows)).messages[0]!)).toBe('FIRING Low stock on KT-1024');
    const report = sampleEvents().report;
    expect(render(report, settings([row('alert', '', 'en', 'X')]))).toEqual({ messages: renderEvent(report, options('markdown', { timeZone: 'UTC' })) });
  });

  it('a template that fails falls back to the built-in, with the reason in the note', () => {
    const builtIn = renderEvent(alert, options('markdown', { timeZone: 'UTC' }));
    const unknown = render(alert, settings([row('alert', 'inventory', 'en', 'Hi {{nope}}')]));
    expect(unknown.messages).toEqual(builtIn);
    expect(unknown.template).toEqual({ kind: 'alert', category: 'inventory', lang: 'en', failed: { code: 'problem', problem: { code: 'unknown', placeholder: '{{nope}}' } } });
    const empty = render(event({ kind: 'alert', title: 'No store' }), settings([row('alert', '', 'en', '{{store}}')]));
    expect(empty.template?.failed).toEqual({ code: 'empty', detail: 'the template rendered to nothing' });
    expect(contentOf(empty.messages[0]!)).toContain('No store');
    const unclosed = render(alert, settings([row('alert', '', 'en', '{{title')]));
    expect(unclosed.template?.failed?.code).toBe('problem');
    expect(parseNote(JSON.stringify(unknown.template))).toEqual(unknown.template);
    expect(parseNote('not json')).toBeUndefined();
    expect(parseNote(null)).toBeUndefined();
  });

  it('a renderer that throws anything else is caught too: the built-in, with the error’s message', () => {
    const out = renderWithTemplate(templateSet([row('alert', '', 'en', '{{title}}')]), { kind: 'alert', category: 'orders', lang: 'en' }, () => {
      throw new RangeError('boom');
    }, () => 'built-in');
    expect(out).toEqual({ value: 'built-in', note: { kind: 'alert', category: '', lang: 'en', failed: { code: 'error', detail: 'boom' } } });
    expect(renderWithTemplate(NO_TEMPLATES, { kind: undefined, category: 'orders', lang: 'en' }, () => 'custom', () => 'built-in')).toEqual({ value: 'built-in' });
  });

  it('digests: the category’s digest template, else the built-in; a broken one falls back', () => {
    const input: DigestInput = { category: 'orders', reason: 'storm', events: [{ title: 'a', severity: 'info', at: 0 }], total: 1, since: 0, until: 60_000, lang: 'en', format: 'text', timeZone: 'UTC' };
    expect(renderDigestForDelivery(input, NO_TEMPLATES)).toEqual({ message: renderDigest(input) });
    const custom = renderDigestForDelivery(input, templateSet([row('digest', 'orders', 'en', 'D {{digest.count}}')]));
    expect(custom).toEqual({ message: { msgtype: 'text', text: { content: 'D 1' } }, template: { kind: 'digest', category: 'orders', lang: 'en' } });
    const broken = renderDigestForDelivery(input, templateSet([row('digest', '', 'en', '{{title}}')]));
    expect(broken.message).toEqual(renderDigest(input));
    expect(broken.template?.failed).toEqual({ code: 'problem', problem: { code: 'unknown', placeholder: '{{title}}' } });
  });
});

describe('event text cannot assemble a mention or a colour across placeholder boundaries', () => {
  const render = (e: AlertEvent, body: string) => contentOf(renderEventWithTemplate(e, options('markdown'), 'alert', body)[0]!);

  it('two adjacent values ({{store}}{{title}}) do not form <@all>', () => {
    const e = event({ kind: 'alert', title: '@all> stock is fine', store: 'Shop <' }) as AlertEvent;
    expect(render(e, '{{store}}{{title}}')).not.toMatch(/<\s*@/);
  });

  it('the template’s own "<" next to a value does not become a mention from event text', () => {
    const e = event({ kind: 'alert', title: '@all> pay attention' }) as AlertEvent;
    expect(render(e, 'Alert <{{title}}')).not.toMatch(/<\s*@/);
  });

  it('adjacent values, or the template’s "<" and a value, do not form a <font> tag; the template’s own tag stays', () => {
    const e = event({ kind: 'alert', title: 'font color="info">all good', store: 'Shop <' }) as AlertEvent;
    expect(render(e, '{{store}}{{title}}')).not.toMatch(/<\s*font/i);
    expect(render(e, 'x <{{title}}')).not.toMatch(/<\s*font/i);
    expect(render(event({ kind: 'alert', title: 'ok' }) as AlertEvent, '<font color="warning">{{title}}</font>')).toBe('<font color="warning">ok</font>');
  });

  it('the template’s own <@…> is dropped even when an empty placeholder splits it', () => {
    const e = event({ kind: 'alert', title: 'Low stock' }) as AlertEvent;
    expect(render(e, '<{{repeat}}@eve> {{title}}')).not.toMatch(/<\s*@/);
  });
});

describe('the summary gives way before the whole message is cut', () => {
  it('when the rest fits but leaves less room than the marker, the summary is left out, not the link', () => {
    const body = '{{fields.a}}{{fields.b}}{{fields.c}}{{fields.d}}\n{{summary}}\n{{link}}';
    const e = event({
      kind: 'alert',
      title: 't',
      summary: 's'.repeat(300),
      fields: { a: 'a'.repeat(500), b: 'b'.repeat(500), c: 'c'.repeat(500), d: 'd'.repeat(470) },
      url: 'https://e.com/x',
    }) as AlertEvent;
    const opts = options('text', { consoleUrl: 'http://c/send-log?event=1' });
    const out = contentOf(renderEventWithTemplate(e, opts, 'alert', body)[0]!);
    const withoutSummary = contentOf(renderEventWithTemplate({ ...e, summary: undefined } as AlertEvent, opts, 'alert', body)[0]!);
    expect(utf8Bytes(withoutSummary)).toBeLessThanOrEqual(BYTE_LIMITS.text);
    expect(utf8Bytes(out)).toBeLessThanOrEqual(BYTE_LIMITS.text);
    expect(out).toContain('https://e.com/x');
  });
});
