import { describe, expect, it } from 'vitest';
import { createLogger, redact } from '../../server/log.ts';
import { DICTIONARY_PARTS, dictionaries, interpolate, pickLanguage, translator } from '../../server/strings/translate.ts';
import { formatDateTime } from '../../server/time/format.ts';

describe('i18n', () => {
  it('has the same keys in English and Simplified Chinese, none empty', () => {
    const en = Object.keys(dictionaries.en).sort();
    const zh = Object.keys(dictionaries.zh).sort();
    expect(zh).toEqual(en);
    for (const lang of ['en', 'zh'] as const) {
      for (const [key, value] of Object.entries(dictionaries[lang])) expect(value.trim(), `${lang}:${key}`).not.toBe('');
    }
  });

  it('defines each key in exactly one of the dictionary files, so none silently overrides another', () => {
    const all = Object.values(DICTIONARY_PARTS).flatMap((part) => Object.keys(part.en));
    expect(all.length).toBe(new Set(all).size);
    // Every part is merged: the dictionary has exactly the parts' keys.
    expect(new Set(all)).toEqual(new Set(Object.keys(dictionaries.en)));
  });

  it('uses the same placeholders in both languages', () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(dictionaries.en) as Array<keyof typeof dictionaries.en>) {
      expect(names(dictionaries.zh[key]), key).toEqual(names(dictionaries.en[key]));
    }
  });

  it('writes every date one way, with its zone, in both languages', () => {
    const at = Date.parse('2026-11-29T01:02:03Z');
    expect(formatDateTime(at, 'en', 'Asia/Shanghai')).toBe('2026-11-29 09:02:03 (GMT+8)');
    expect(formatDateTime(at, 'zh', 'Asia/Shanghai')).toBe('2026-11-29 09:02:03 (GMT+8)');
    expect(formatDateTime(at, 'en', 'Europe/Berlin')).toBe('2026-11-29 02:02:03 (GMT+1)');
  });

  it('no English string says "1 characters", "1 times", "1 days": a count next to a plural noun picks its form', () => {
    // Every placeholder set to 1 (marked, so the text's own numbers do not count); "other" variants are only used above 1.
    const plural = /§1 (bytes|characters|days|hours|minutes|seconds|times|messages|points|stores|events|alerts|levels|requests|tokens|rules|items|notifications|parts|attempts|runs|entries|lines|fields|weeks|keys|mentions|people|reports|jobs|episodes|reminders|results|tasks|rows|hooks|templates|silences|sessions|categories)\b/;
    const offending = Object.entries(dictionaries.en).flatMap(([key, value]) => {
      if (key.endsWith('.other')) return [];
      const ones = Object.fromEntries([...value.matchAll(/\{(\w+)(?::[^}]*)?\}/g)].map((m) => [m[1]!, 1]));
      const text = interpolate(value.replace(/\{(\w+)\}/g, '§{$1}'), ones);
      return plural.test(text) ? [`${key}: ${value}`] : [];
    });
    expect(offending).toEqual([]);
    const en = translator('en');
    expect(en('reports.housekeeping.help', { zone: 'UTC', days: 1 })).toContain('older than 1 day are deleted');
    expect(en('trouble.rate.warn', { count: 1 })).toContain('45009 (rate limited) 1 time in the last 24 hours');
  });

  it('says "1 message is waiting", never "1 messages"', () => {
    const en = translator('en');
    expect(en('trouble.queue.warn', { queued: 1, time: '09:00' })).toBe('1 message is waiting, the oldest since 09:00.');
    expect(en('trouble.queue.warn', { queued: 3, time: '09:00' })).toBe('3 messages are waiting, the oldest since 09:00.');
    expect(en('reports.notice.ran', { count: 1 })).toContain('as 1 message; the run history and the send log show when it is delivered');
    expect(interpolate('{n:one|other}', {})).toBe('{n:one|other}');
  });

  it('uses the seed words for the core labels', () => {
    const en = translator('en');
    const zh = translator('zh');
    expect([en('nav.channels'), zh('nav.channels')]).toEqual(['Channels', '消息渠道']);
    expect([en('card.title'), zh('card.title')]).toEqual(['WeCom Bot', '企微机器人']);
    expect([en('card.connect'), zh('card.connect')]).toEqual(['Connect WeCom Bot', '连接机器人']);
    expect([en('card.sendTest'), zh('card.sendTest')]).toEqual(['Send test notification', '发送测试通知']);
    expect(en('card.url.label')).toBe('Webhook URL');
  });

  it('picks the language from the switch cookie, then Accept-Language', () => {
    expect(pickLanguage('zh', 'en-US')).toBe('zh');
    expect(pickLanguage(undefined, 'zh-CN,zh;q=0.9,en;q=0.8')).toBe('zh');
    expect(pickLanguage(undefined, 'fr-FR, en;q=0.5, zh;q=0.9')).toBe('zh');
    expect(pickLanguage(undefined, 'de-DE')).toBe('en');
    expect(pickLanguage('xx', undefined)).toBe('en');
    expect(interpolate('{a} and {b}', { a: 1 })).toBe('1 and {b}');
  });
});

describe('JSON logger', () => {
  it('writes one JSON object per line, filters by level, and redacts keys everywhere', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (l) => lines.push(l), now: () => 0 });
    const key = '3f2a9c4e-1b7d-4e8a-9c0f-5d6e7f8a1b2c';
    log.debug('hidden');
    log.addSecret('not-uuid-shaped-secret');
    log.info('send', { url: `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${key}`, note: 'x not-uuid-shaped-secret y' });
    log.error('boom', { error: new Error(`failed for key=${key}`) });
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(() => JSON.parse(line)).not.toThrow();
      expect(line).not.toContain(key);
      expect(line).not.toContain('not-uuid-shaped-secret');
    }
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', msg: 'send', time: '1970-01-01T00:00:00.000Z' });
    expect(redact(`?key=abc&x=1`, [])).toBe('?key=[redacted]&x=1');
  });
});
