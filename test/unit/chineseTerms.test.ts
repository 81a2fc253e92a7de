import { describe, expect, it } from 'vitest';
import { notificationStrings } from '../../server/strings/notificationStrings.ts';
import { reportMessageStrings } from '../../server/strings/reportMessageStrings.ts';
import { GLOSSARY } from '../../server/strings/glossary.ts';
import { dictionaries } from '../../server/strings/translate.ts';

// Every Chinese string a person reads: the console, report messages and event messages.
const zhStrings: Array<[string, string]> = [
  ...Object.entries(dictionaries.zh),
  ...Object.entries(reportMessageStrings.zh),
  ...Object.entries(notificationStrings.zh),
];

describe('Chinese wording', () => {
  it('the glossary gives each term one translation, and no two terms the same', () => {
    const en = GLOSSARY.map((g) => g.en.toLowerCase());
    const zh = GLOSSARY.map((g) => g.zh);
    expect(new Set(en).size).toBe(en.length);
    expect(new Set(zh).size).toBe(zh.length);
    for (const g of GLOSSARY) expect(g.avoid, g.en).not.toContain(g.zh);
  });

  it('no Chinese string uses a word the glossary replaced', () => {
    const offending = zhStrings.flatMap(([key, value]) =>
      GLOSSARY.flatMap((g) => g.avoid.filter((word) => value.includes(word)).map((word) => `${key}: “${word}” (say ${g.zh})`)),
    );
    expect(offending).toEqual([]);
  });

  it('the status words are the glossary terms wherever they are shown', () => {
    const zh = dictionaries.zh;
    expect(zh['event.status.suppressed']).toBe('已抑制');
    expect(zh['event.status.digested']).toBe('已合并发送');
    expect(zh['dashboard.outcome.digested']).toBe('已合并发送');
    expect(reportMessageStrings.zh['report.delivery.suppressed']).toMatch(/^已抑制/);
    expect(reportMessageStrings.zh['report.delivery.digested']).toMatch(/^已合并发送/);
  });

  it('uses full-width punctuation next to Chinese text', () => {
    // A half-width , ; : ! ? ( ) touching a Chinese character; code, URLs and times (09:00) stay as they are.
    const halfWidth = /[\u4e00-\u9fff][,;:!?()]|[,;!?()][\u4e00-\u9fff]/;
    const offending = zhStrings.filter(([, value]) => halfWidth.test(value)).map(([key, value]) => `${key}: ${value}`);
    expect(offending).toEqual([]);
  });
});
