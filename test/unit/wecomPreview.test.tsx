import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WecomPreview } from '../../views/components/wecomPreview.tsx';
import { translator } from '../../server/strings/translate.ts';

const en = translator('en');
const zh = translator('zh');

const render = (payload: unknown, opts: { imageSrc?: string; lang?: 'en' | 'zh' } = {}) =>
  String(<WecomPreview t={opts.lang === 'zh' ? zh : en} payload={payload} imageSrc={opts.imageSrc} />);

/** The elements WeCom's own formatting maps to, and the attributes the renderer itself sets. */
const TAGS = new Set(['div', 'span', 'p', 'strong', 'em', 'code', 'pre', 'a', 'blockquote', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'ul', 'ol', 'li', 'hr', 'figure', 'figcaption', 'img', 'details', 'summary', 'dl', 'dt', 'dd']);
const ATTRS = new Set(['class', 'href', 'rel', 'target', 'role', 'aria-label', 'aria-hidden', 'src', 'alt']);

/** Every tag in the HTML is allow-listed, with only allow-listed, quoted attributes and web links. */
function expectOnlyOwnMarkup(html: string): void {
  for (const [, name, attrs] of html.matchAll(/<\/?([a-zA-Z][\w-]*)([^>]*)>/g)) {
    expect(TAGS, `tag <${name}>`).toContain(name!.toLowerCase());
    const rest = attrs!.replace(/\s([\w-]+)="([^"]*)"/g, (_, attr: string, value: string) => {
      expect(ATTRS, `attribute ${attr}`).toContain(attr);
      if (attr === 'href') expect(value).toMatch(/^https?:\/\//);
      if (attr === 'src') expect(value).toMatch(/^\/send-log\/\d+\/image$|^data:image\/png;base64,/);
      return '';
    });
    expect(rest.trim(), `stray attribute text in <${name}${attrs}>`).toMatch(/^\/?$/);
  }
}

function textOf(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

const HOSTILE =
  '<script>alert(1)</script> <img src=x onerror=alert(1)> <>&*_`#[] <font color="red" onclick="x">红</font> <font color=info onmouseover=x>绿</font> [x](javascript:alert(1)) " \' 杭州旗舰店 订单数 👨‍👩‍👧 🇨🇳';

describe('WeCom-look preview: user content never becomes markup', () => {
  const payloads: Record<string, unknown> = {
    text: { msgtype: 'text', text: { content: HOSTILE, mentioned_list: [HOSTILE, '@all'], mentioned_mobile_list: ['<b>13800001111</b>'] } },
    markdown: { msgtype: 'markdown', markdown: { content: `# ${HOSTILE}\n> ${HOSTILE}\n**${HOSTILE}**\n[${HOSTILE}](https://example.com/"><script>)\n<@${HOSTILE}>` } },
    markdown_v2: {
      msgtype: 'markdown_v2',
      markdown_v2: { content: `| ${HOSTILE} | b |\n| --- | --- |\n| ${HOSTILE} | *${HOSTILE}* |\n- ${HOSTILE}\n1. ${HOSTILE}\n\`\`\`\n${HOSTILE}\n\`\`\`\n---\n![${HOSTILE}](javascript:x)` },
    },
    news: { msgtype: 'news', news: { articles: [{ title: HOSTILE, description: HOSTILE, url: 'javascript:alert(1)', picurl: 'https://evil.example/x.png' }] } },
    template_card: {
      msgtype: 'template_card',
      template_card: {
        card_type: 'text_notice',
        source: { desc: HOSTILE, desc_color: '"><script>' },
        main_title: { title: HOSTILE, desc: HOSTILE },
        emphasis_content: { title: HOSTILE, desc: HOSTILE },
        quote_area: { title: HOSTILE, quote_text: HOSTILE },
        sub_title_text: HOSTILE,
        horizontal_content_list: [{ keyname: HOSTILE, value: HOSTILE, type: 1, url: 'javascript:x' }],
        jump_list: [{ type: 1, url: 'data:text/html,<script>', title: HOSTILE }],
        card_action: { type: 1, url: HOSTILE },
      },
    },
    image: { msgtype: 'image', image: { base64: HOSTILE, md5: HOSTILE } },
    unknown: { msgtype: HOSTILE },
    notJson: HOSTILE,
  };

  for (const [name, payload] of Object.entries(payloads)) {
    it(`${name}: only the renderer's own elements, the hostile text shown as text`, () => {
      const html = render(typeof payload === 'string' ? payload : JSON.stringify(payload), { imageSrc: '/send-log/7/image' });
      expectOnlyOwnMarkup(html);
      expect(html).not.toMatch(/<script|<font|<img src=x/i);
      // Nothing is lost either: the user's characters are all there to read (in the bubble or the raw payload).
      const text = textOf(html);
      for (const piece of ['<script>alert(1)</script>', '杭州旗舰店', '订单数', '👨‍👩‍👧', '🇨🇳']) expect(text).toContain(piece);
    });
  }

  it('arbitrary content in every text format keeps to the allow-list (fast-check)', () => {
    const alphabet = fc.constantFrom(...'<>&*_`#[]()|-!@/="\' \nabc杭州😀'.split(''), '<font color="info">', '</font>', '<@', '```', '<script>');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }).map((a) => a.join('')), fc.constantFrom('text', 'markdown', 'markdown_v2'), (content, msgtype) => {
        const html = render({ msgtype, [msgtype]: { content } });
        expectOnlyOwnMarkup(html);
        expect(html).not.toMatch(/<script|<font/i);
      }),
      { numRuns: 300 },
    );
  });
});

/** Every fragment is in the rendered HTML; a failure names the first missing one. */
function expectFragments(html: string, fragments: readonly string[]): void {
  for (const fragment of fragments) expect(html, fragment).toContain(fragment);
}

describe('WeCom-look preview: what WeCom formats, formatted', () => {
  it('markdown: headings, bold, links, quotes, inline code, the three font colours and <@userid>', () => {
    const html = render({
      msgtype: 'markdown',
      markdown: {
        content: '### 📊 日报\n**告警: 2** · <font color="warning">严重 1</font> · <font color="info">正常</font> · <font color="comment">备注</font>\n> 引用 `code`\n[详情](https://storeclaw.example/a?b=1&c=2) <@zhangsan>',
      },
    });
    expectOnlyOwnMarkup(html);
    expectFragments(html, [
      '<p class="wx-h wx-h3">📊 日报</p>',
      '<strong>告警: 2</strong>',
      '<span class="wx-font-warning">严重 1</span>',
      '<span class="wx-font-info">正常</span>',
      '<span class="wx-font-comment">备注</span>',
      '<blockquote class="wx-quote"><p class="wx-line">引用 <code class="wx-code-inline">code</code></p></blockquote>',
      'href="https://storeclaw.example/a?b=1&amp;c=2"',
      '<span class="wx-mention">@zhangsan</span>',
    ]);
  });

  it('markdown_v2: tables, lists, fenced code, rules, italics; no font colours or <@userid> (WeCom shows them as typed)', () => {
    const html = render({ msgtype: 'markdown_v2', markdown_v2: { content: '| 门店 | 订单数 |\n|:--|--:|\n| 杭州旗舰店 | 12 |\n- 一\n- 二\n2. 三\n```\nx < y\n```\n---\n*斜体* <font color="info">绿</font> <@u1>' } });
    expectOnlyOwnMarkup(html);
    expectFragments(html, [
      '<table class="wx-table"><thead><tr><th>门店</th><th>订单数</th></tr></thead><tbody><tr><td>杭州旗舰店</td><td>12</td></tr></tbody></table>',
      '<ul class="wx-list"><li>一</li><li>二</li></ul><ol class="wx-list"><li>三</li></ol>',
      '<pre class="wx-code"><code>x &lt; y</code></pre>',
      '<hr class="wx-rule"/>',
      '<em>斜体</em> &lt;font color=&quot;info&quot;&gt;绿&lt;/font&gt; &lt;@u1&gt;',
    ]);
  });

  it('text: its mention list, @all in the reader’s language', () => {
    const payload = { msgtype: 'text', text: { content: '库存告警', mentioned_list: ['wangwu', '@all'], mentioned_mobile_list: ['13800001111'] } };
    expect(render(payload, { lang: 'zh' })).toContain('<span class="wx-mention">@wangwu</span><span class="wx-mention">@所有人</span><span class="wx-mention">@13800001111</span>');
    expect(render(payload)).toContain('<span class="wx-mention">@all</span>');
  });

  it('image: the picture from the console route with its raw size; the raw payload one click away', () => {
    const raw = Buffer.from('\x89PNG\r\n\x1a\nsome bytes');
    const html = render({ msgtype: 'image', image: { base64: raw.toString('base64'), md5: 'x' } }, { imageSrc: '/send-log/9/image' });
    expect(html).toContain(`<img src="/send-log/9/image" alt="Image, ${raw.length} bytes"/>`);
    expect(html).toMatch(/<details class="wx-raw"><summary>Raw payload \(exactly what is sent\)<\/summary><pre>\{\n {2}&quot;msgtype&quot;: &quot;image&quot;/);
  });

  it('news and template cards: titles, descriptions, rows and links; no external picture is loaded', () => {
    const news = render({ msgtype: 'news', news: { articles: [{ title: '周报', description: '上周概览', url: 'https://s.example/w', picurl: 'https://s.example/p.png' }] } });
    expect(news).toContain('<a class="wx-link" href="https://s.example/w" rel="noopener noreferrer nofollow" target="_blank"><span class="wx-news-title">周报</span></a>');
    expect(news).not.toContain('p.png"');
    const card = render({
      msgtype: 'template_card',
      template_card: { card_type: 'text_notice', main_title: { title: '任务失败', desc: '价格同步' }, horizontal_content_list: [{ keyname: '门店', value: '杭州旗舰店' }], card_action: { type: 1, url: 'https://s.example/t' } },
    });
    expect(card).toContain('<p class="wx-card-title">任务失败</p>');
    expect(card).toContain('<dt>门店</dt><dd>杭州旗舰店</dd>');
  });
});
