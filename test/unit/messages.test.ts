import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  assertUploadable,
  BYTE_LIMITS,
  DEFAULT_TRUNCATION_MARKER,
  fileMessage,
  imageMessage,
  markdownMessage,
  markdownV2Message,
  newsMessage,
  splitUtf8,
  textMessage,
  textNoticeCardMessage,
  truncateUtf8,
  utf8Bytes,
  voiceMessage,
  WecomMessageError,
  type MessageErrorCode,
  type NewsArticle,
} from '../../server/wecom/messages.ts';

/** Lone surrogates would mean a pair was split; a valid string round-trips through UTF-8. */
function isWellFormed(s: string): boolean {
  return Buffer.from(s, 'utf8').toString('utf8') === s;
}

function expectCode(fn: () => unknown, code: MessageErrorCode): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WecomMessageError);
    expect((error as WecomMessageError).code).toBe(code);
    return;
  }
  throw new Error(`expected WecomMessageError ${code}`);
}

// Text whose characters take 1, 2, 3 and 4 bytes, plus clusters of several code points.
const mixedChar = fc.constantFrom('a', 'é', '中', '文', '😀', '👍🏽', '👨‍👩‍👧', '🇨🇳', 'e\u0301', '\n', ' ', '\r\n');
const mixedText = fc.array(mixedChar, { maxLength: 400 }).map((chars) => chars.join(''));

describe('utf8Bytes', () => {
  it('counts UTF-8 bytes: CJK 3, emoji 4', () => {
    expect(utf8Bytes('abc')).toBe(3);
    expect(utf8Bytes('é')).toBe(2);
    expect(utf8Bytes('中文')).toBe(6);
    expect(utf8Bytes('😀')).toBe(4);
  });
});

describe('truncateUtf8', () => {
  it('returns content that fits unchanged, with no marker', () => {
    const s = '中'.repeat(682) + 'ab'; // 2048 bytes exactly
    expect(utf8Bytes(s)).toBe(2048);
    expect(truncateUtf8(s, 2048)).toBe(s);
  });

  it('cuts 3-byte Chinese one byte over the limit on a character boundary, with the marker', () => {
    const s = '中'.repeat(683); // 2049 bytes
    const out = truncateUtf8(s, 2048);
    expect(out.endsWith(DEFAULT_TRUNCATION_MARKER)).toBe(true);
    expect(utf8Bytes(out)).toBeLessThanOrEqual(2048);
    const kept = out.slice(0, -DEFAULT_TRUNCATION_MARKER.length);
    expect(kept).toBe('中'.repeat(kept.length));
    // As many characters as fit: one more would not.
    expect(utf8Bytes(kept) + utf8Bytes(DEFAULT_TRUNCATION_MARKER) + 3).toBeGreaterThan(2048);
  });

  it('never splits a 4-byte emoji (surrogate pair) at any limit', () => {
    const s = '😀'.repeat(600);
    for (let limit = 14; limit <= 2048; limit += 1) {
      const out = truncateUtf8(s, limit);
      expect(utf8Bytes(out)).toBeLessThanOrEqual(limit);
      expect(isWellFormed(out)).toBe(true);
      expect(out.slice(0, -DEFAULT_TRUNCATION_MARKER.length)).toMatch(/^(😀)*$/u);
    }
  });

  it('keeps multi-code-point characters (family emoji, flags) whole', () => {
    const family = '👨‍👩‍👧'; // 18 bytes
    // Room for 'ab', the 3-byte marker and 14 of the family's 18 bytes: the family goes whole.
    expect(truncateUtf8(`ab${family}`, 2 + 3 + 14, '…')).toBe('ab…');
    expect(truncateUtf8(`ab${family}`, 2 + 18, '…')).toBe(`ab${family}`);
    // A flag is two 4-byte regional indicators: never keep just one of them.
    expect(truncateUtf8('ab🇨🇳x', 2 + 3 + 4, '…')).toBe('ab…');
  });

  it('cuts inside a single cluster that alone is larger than the budget, still on code points', () => {
    const zalgo = `a${'\u0301'.repeat(50)}`; // one grapheme of 101 bytes
    const out = truncateUtf8(zalgo, 20, '…');
    expect(utf8Bytes(out)).toBeLessThanOrEqual(20);
    expect(out.startsWith('a\u0301')).toBe(true);
    expect(out.endsWith('…')).toBe(true);
  });

  it('uses a custom marker', () => {
    expect(truncateUtf8('abcdefghijklmn', 12, '… 截断')).toBe('ab… 截断');
  });

  it('rejects a marker that cannot fit', () => {
    expect(() => truncateUtf8('abcdefghij', 3, '…(truncated)')).toThrow(RangeError);
  });

  it('property: result ≤ limit, well formed, a prefix of the input plus the marker when cut', () => {
    fc.assert(
      fc.property(mixedText, fc.integer({ min: 14, max: 1200 }), (s, limit) => {
        const out = truncateUtf8(s, limit);
        expect(utf8Bytes(out)).toBeLessThanOrEqual(limit);
        expect(isWellFormed(out)).toBe(true);
        if (utf8Bytes(s) <= limit) {
          expect(out).toBe(s);
        } else {
          expect(out.endsWith(DEFAULT_TRUNCATION_MARKER)).toBe(true);
          expect(s.startsWith(out.slice(0, -DEFAULT_TRUNCATION_MARKER.length))).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('splitUtf8', () => {
  it('gives no parts for empty input and one part when it fits', () => {
    expect(splitUtf8('', 100)).toEqual([]);
    expect(splitUtf8('short', 100)).toEqual(['short']);
  });

  it('prefers to end parts after a line break', () => {
    const lines = ['line one', 'line two', 'line three', 'line four'].join('\n');
    expect(splitUtf8(lines, 15)).toEqual(['line one\n', 'line two\n', 'line three\n', 'line four']);
    expect(splitUtf8(lines, 20)).toEqual(['line one\nline two\n', 'line three\nline four']);
  });

  it('falls back to a space, then to a hard cut, without splitting characters', () => {
    expect(splitUtf8('aaaa bbbb cccc', 10)).toEqual(['aaaa bbbb ', 'cccc']);
    expect(splitUtf8('中文中文中文', 7)).toEqual(['中文', '中文', '中文']);
    expect(splitUtf8('😀😀😀', 7)).toEqual(['😀', '😀', '😀']);
  });

  it('rejects a budget too small for a 4-byte character', () => {
    expect(() => splitUtf8('abc', 3)).toThrow(RangeError);
  });

  it('property: every part ≤ limit and well formed, and the parts join back to the input', () => {
    fc.assert(
      fc.property(mixedText, fc.integer({ min: 4, max: 300 }), (s, limit) => {
        const parts = splitUtf8(s, limit);
        expect(parts.join('')).toBe(s);
        for (const part of parts) {
          expect(part).not.toBe('');
          expect(utf8Bytes(part)).toBeLessThanOrEqual(limit);
          expect(isWellFormed(part)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('splits a long Chinese report at the markdown limit', () => {
    const report = Array.from({ length: 400 }, (_, i) => `第${i}行：库存预警 😀`).join('\n');
    const parts = splitUtf8(report, BYTE_LIMITS.markdown);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.join('')).toBe(report);
    for (const part of parts.slice(0, -1)) expect(part.endsWith('\n')).toBe(true);
  });
});

/**
 * The splitter as it was before it looked at one window per part: it segmented the whole rest of the
 * text for every part (quadratic). The windowed splitter must cut exactly where this one did.
 */
function splitSegmentingTheRest(s: string, maxBytes: number): string[] {
  const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  const prefix = (rest: string): number => {
    let used = 0;
    let end = 0;
    for (const { segment } of graphemes.segment(rest)) {
      const size = utf8Bytes(segment);
      if (used + size > maxBytes) {
        if (end > 0) return end;
        let cpEnd = 0;
        let cpUsed = 0;
        for (const cp of segment) {
          cpUsed += utf8Bytes(cp);
          if (cpUsed > maxBytes) break;
          cpEnd += cp.length;
        }
        return cpEnd;
      }
      used += size;
      end += segment.length;
    }
    return end;
  };
  const parts: string[] = [];
  let rest = s;
  while (rest !== '') {
    const fit = prefix(rest);
    let end = fit;
    if (fit !== rest.length) {
      for (const sep of ['\n', ' ']) {
        const at = rest.lastIndexOf(sep, fit - 1);
        if (at >= Math.floor(fit / 2)) {
          end = at + 1;
          break;
        }
      }
    }
    parts.push(rest.slice(0, end));
    rest = rest.slice(end);
  }
  return parts;
}

/** UTF-16 units handed to the grapheme segmenter while `run` runs: the splitter's work. */
function segmentedUnits(run: () => void): number {
  const spy = vi.spyOn(Intl.Segmenter.prototype, 'segment');
  try {
    run();
    return spy.mock.calls.reduce((n, [input]) => n + String(input).length, 0);
  } finally {
    spy.mockRestore();
  }
}

// Clusters that reach across a window's edge: joiners, modifiers, flags, Hangul jamo, an Indic
// conjunct, long runs of combining marks, a lone surrogate.
const edgeChar = fc.constantFrom(
  ...['a', '中', '😀', '👍🏽', '👨‍👩‍👧', '🇨🇳', '🇨', 'e\u0301', '\u0301', '\u200d', '\ufe0f', '\u1100\u1161\u11a8', 'क्‍ष', 'x' + '\u0300'.repeat(40), '\ud83d', '\n', ' ', '\r\n'],
);
const edgeText = fc.array(edgeChar, { maxLength: 600 }).map((chars) => chars.join(''));

describe('splitting is linear in the text', () => {
  it('property: cuts exactly where segmenting the whole rest did, and the parts join back to the input', () => {
    fc.assert(
      fc.property(edgeText, fc.integer({ min: 4, max: 200 }), (s, limit) => {
        const parts = splitUtf8(s, limit);
        expect(parts.join('')).toBe(s);
        expect(parts).toEqual(splitSegmentingTheRest(s, limit));
      }),
      { numRuns: 400 },
    );
  });

  it('property: the segmenter sees at most 4 units per unit of text', () => {
    fc.assert(
      fc.property(edgeText, fc.integer({ min: 4, max: 64 }), (s, limit) => {
        const units = segmentedUnits(() => expect(splitUtf8(s, limit).join('')).toBe(s));
        expect(units).toBeLessThanOrEqual(4 * s.length);
      }),
      { numRuns: 300 },
    );
  });

  it('splitting N KB costs the same per KB from 4 KB to 256 KB (a report of Chinese, emoji and ASCII lines)', () => {
    const line = (i: number) => `- 规则 ${i} · 门店 ${i} 😀 since 2026-12-01 09:00\n`;
    const text = (kb: number) => {
      const lines: string[] = [];
      for (let bytes = 0, i = 0; bytes < kb * 1024; i++) {
        lines.push(line(i));
        bytes += utf8Bytes(line(i));
      }
      return lines.join('');
    };
    const perUnit = [4, 16, 64, 256].map((kb) => {
      const s = text(kb);
      let parts: string[] = [];
      const units = segmentedUnits(() => (parts = splitUtf8(s, BYTE_LIMITS.markdown)));
      expect(parts.join('')).toBe(s);
      return units / s.length;
    });
    expect(Math.max(...perUnit)).toBeLessThan(3);
    expect(Math.max(...perUnit) / Math.min(...perUnit)).toBeLessThan(1.5);
  });

  it('truncating looks at one window, however long the text', () => {
    const s = '库存预警 '.repeat(200_000);
    const units = segmentedUnits(() => expect(utf8Bytes(truncateUtf8(s, BYTE_LIMITS.markdown))).toBeLessThanOrEqual(BYTE_LIMITS.markdown));
    expect(units).toBeLessThanOrEqual(BYTE_LIMITS.markdown + 2);
  });
});

describe('text, markdown and markdown_v2 builders', () => {
  it('build the exact JSON shape', () => {
    expect(textMessage('hello')).toEqual({ msgtype: 'text', text: { content: 'hello' } });
    expect(markdownMessage('**hi**')).toEqual({ msgtype: 'markdown', markdown: { content: '**hi**' } });
    expect(markdownV2Message('| a |')).toEqual({ msgtype: 'markdown_v2', markdown_v2: { content: '| a |' } });
  });

  it('carry mentions, dropping empty entries and empty lists', () => {
    expect(textMessage('x', { mentionedList: ['zhangsan', '@all', ''], mentionedMobileList: ['13800001111'] })).toEqual({
      msgtype: 'text',
      text: { content: 'x', mentioned_list: ['zhangsan', '@all'], mentioned_mobile_list: ['13800001111'] },
    });
    expect(textMessage('x', { mentionedList: [' '], mentionedMobileList: [] })).toEqual({ msgtype: 'text', text: { content: 'x' } });
  });

  it.each([
    ['text', (s: string) => textMessage(s).text.content, BYTE_LIMITS.text],
    ['markdown', (s: string) => markdownMessage(s).markdown.content, BYTE_LIMITS.markdown],
    ['markdown_v2', (s: string) => markdownV2Message(s).markdown_v2.content, BYTE_LIMITS.markdown_v2],
  ] as const)('%s content is cut to its byte limit with the marker', (_type, contentOf, limit) => {
    const content = contentOf('库存😀'.repeat(1000));
    expect(utf8Bytes(content)).toBeLessThanOrEqual(limit);
    expect(utf8Bytes(content)).toBeGreaterThan(limit - 20);
    expect(content.endsWith(DEFAULT_TRUNCATION_MARKER)).toBe(true);
  });

  it('uses the marker passed in', () => {
    const content = markdownMessage('x'.repeat(5000), { marker: '\n… 已截断' }).markdown.content;
    expect(content.endsWith('\n… 已截断')).toBe(true);
    expect(utf8Bytes(content)).toBe(BYTE_LIMITS.markdown);
  });

  it('reject empty or blank content (WeCom 44004)', () => {
    expectCode(() => textMessage(''), 'empty_content');
    expectCode(() => markdownMessage(' \n '), 'empty_content');
    expectCode(() => markdownV2Message(''), 'empty_content');
  });
});

describe('image builder', () => {
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('pixels')]);

  it('base64-encodes the raw bytes and gives their md5', () => {
    expect(imageMessage(png)).toEqual({
      msgtype: 'image',
      image: { base64: png.toString('base64'), md5: createHash('md5').update(png).digest('hex') },
    });
  });

  it('encodes only the viewed bytes of a Uint8Array that is a slice of a larger buffer', () => {
    const backing = Buffer.concat([Buffer.from('junk'), png, Buffer.from('junk')]);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 4, png.length);
    expect(imageMessage(view).image.md5).toBe(createHash('md5').update(png).digest('hex'));
  });

  it('accepts JPEG and exactly 2 MB', () => {
    const jpeg = Buffer.alloc(BYTE_LIMITS.image);
    jpeg.set([0xff, 0xd8, 0xff]);
    expect(imageMessage(jpeg).image.md5).toHaveLength(32);
  });

  it('rejects empty, over 2 MB, and non-JPG/PNG images', () => {
    expectCode(() => imageMessage(new Uint8Array()), 'empty_content');
    const big = Buffer.alloc(BYTE_LIMITS.image + 1);
    big.set([0xff, 0xd8, 0xff]);
    expectCode(() => imageMessage(big), 'image_too_large');
    expectCode(() => imageMessage(Buffer.from('GIF89a....')), 'image_format');
  });
});

describe('news builder', () => {
  const article: NewsArticle = { title: '日报', description: '今日概况', url: 'https://storeclaw.example/r/1', picurl: 'https://x/p.png' };

  it('builds 1 to 8 articles in the exact shape', () => {
    expect(newsMessage([article])).toEqual({ msgtype: 'news', news: { articles: [article] } });
    expect(newsMessage(Array(8).fill(article)).news.articles).toHaveLength(8);
  });

  it('rejects 0 or more than 8 articles', () => {
    expectCode(() => newsMessage([]), 'article_count');
    expectCode(() => newsMessage(Array(9).fill(article)), 'article_count');
  });

  it('rejects an article without title or url', () => {
    expectCode(() => newsMessage([{ ...article, title: ' ' }]), 'missing_field');
    expectCode(() => newsMessage([{ ...article, url: '' }]), 'missing_field');
  });

  it('cuts title to 128 and description to 512 bytes on character boundaries', () => {
    const [out] = newsMessage([{ ...article, title: '标题'.repeat(100), description: '描述😀'.repeat(200) }]).news.articles;
    expect(utf8Bytes(out?.title ?? '')).toBeLessThanOrEqual(BYTE_LIMITS.newsTitle);
    expect(utf8Bytes(out?.description ?? '')).toBeLessThanOrEqual(BYTE_LIMITS.newsDescription);
    expect(out?.title.endsWith(DEFAULT_TRUNCATION_MARKER)).toBe(true);
    expect(isWellFormed(out?.description ?? '')).toBe(true);
  });

  it('omits a missing description rather than sending one', () => {
    const [out] = newsMessage([{ title: 't', url: 'https://x' }]).news.articles;
    expect(out).toEqual({ title: 't', url: 'https://x' });
  });
});

describe('file, voice and template card builders', () => {
  it('build file and voice messages from a media_id', () => {
    expect(fileMessage('MEDIA1')).toEqual({ msgtype: 'file', file: { media_id: 'MEDIA1' } });
    expect(voiceMessage('MEDIA2')).toEqual({ msgtype: 'voice', voice: { media_id: 'MEDIA2' } });
    expectCode(() => fileMessage(''), 'missing_field');
    expectCode(() => voiceMessage(' '), 'missing_field');
  });

  const action = { type: 1, url: 'https://storeclaw.example' } as const;

  it('builds a text_notice card', () => {
    expect(textNoticeCardMessage({ main_title: { title: '任务失败', desc: '同步库存' }, card_action: action })).toEqual({
      msgtype: 'template_card',
      template_card: { card_type: 'text_notice', main_title: { title: '任务失败', desc: '同步库存' }, card_action: action },
    });
    expect(textNoticeCardMessage({ sub_title_text: 'only a sub-title', card_action: action }).template_card.card_type).toBe('text_notice');
  });

  it('rejects a card with neither title nor sub-title, an empty action url, or too many items', () => {
    expectCode(() => textNoticeCardMessage({ main_title: { desc: 'd' }, card_action: action }), 'empty_content');
    expectCode(() => textNoticeCardMessage({ sub_title_text: 's', card_action: { type: 1, url: '' } }), 'missing_field');
    const item = { keyname: 'k', value: 'v' };
    expectCode(() => textNoticeCardMessage({ sub_title_text: 's', card_action: action, horizontal_content_list: Array(7).fill(item) }), 'card_limits');
    const jump = { type: 1, url: 'https://x', title: 'x' } as const;
    expectCode(() => textNoticeCardMessage({ sub_title_text: 's', card_action: action, jump_list: Array(4).fill(jump) }), 'card_limits');
    expect(textNoticeCardMessage({ sub_title_text: 's', card_action: action, jump_list: Array(3).fill(jump) }).template_card.jump_list).toHaveLength(3);
  });
});

describe('assertUploadable', () => {
  it('accepts files of 5 B to 20 MB and AMR voice up to 2 MB', () => {
    expect(() => assertUploadable('file', Buffer.alloc(5))).not.toThrow();
    expect(() => assertUploadable('file', Buffer.alloc(BYTE_LIMITS.file))).not.toThrow();
    expect(() => assertUploadable('voice', Buffer.from('#!AMR\nxxxx'))).not.toThrow();
  });

  it('rejects sizes and formats WeCom refuses', () => {
    expectCode(() => assertUploadable('file', Buffer.alloc(4)), 'media_size');
    expectCode(() => assertUploadable('file', Buffer.alloc(BYTE_LIMITS.file + 1)), 'media_size');
    const bigVoice = Buffer.alloc(BYTE_LIMITS.voice + 1);
    bigVoice.write('#!AMR\n');
    expectCode(() => assertUploadable('voice', bigVoice), 'media_size');
    expectCode(() => assertUploadable('voice', Buffer.from('ID3 mp3 data')), 'voice_format');
  });
});
