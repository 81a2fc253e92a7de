// One renderer for "what the group will see": any WeCom payload → JSX that looks like the chat.
// Everything user-supplied ends up as a JSX text child or a checked attribute, so hono/jsx escapes
// it; only the handful of constructs WeCom itself renders become elements.
import type { Child } from 'hono/jsx';
import type { Translate } from '../../server/strings/translate.ts';

type Flavor = 'markdown' | 'markdown_v2';
type Json = Record<string, unknown>;

const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const str = (x: unknown): string => (typeof x === 'string' ? x : typeof x === 'number' ? String(x) : '');
const strings = (x: unknown): string[] => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : []);

/** Only web links become links; `javascript:` and friends stay text. */
function safeHref(url: string): string | undefined {
  return /^https?:\/\/[^\s<>"]+$/i.test(url) ? url : undefined;
}

function Link({ href, children }: { href: string; children: Child }) {
  const safe = safeHref(href);
  return safe ? (
    <a class="wx-link" href={safe} rel="noopener noreferrer nofollow" target="_blank">
      {children}
    </a>
  ) : (
    <>{children}</>
  );
}

// Inline constructs, earliest match first. Font colours and <@userid> exist only in markdown;
// italics and images only in markdown_v2 (WeCom's own split).
const INLINE: Record<Flavor, RegExp> = {
  markdown:
    /`(?<code>[^`\n]+)`|\*\*(?<bold>.+?)\*\*|\[(?<linkText>[^\]\n]+)\]\((?<linkUrl>[^)\s]+)\)|<font\s+color\s*=\s*["']?(?<color>info|comment|warning)["']?\s*>(?<colored>[\s\S]*?)<\/font\s*>|<@(?<mention>[^<>\s]+)>/gi,
  markdown_v2:
    /`(?<code>[^`\n]+)`|\*\*(?<bold>.+?)\*\*|!\[(?<imageAlt>[^\]\n]*)\]\((?<imageUrl>[^)\s]+)\)|\[(?<linkText>[^\]\n]+)\]\((?<linkUrl>[^)\s]+)\)|(?<![\w*])\*(?<italic>[^*\s][^*\n]*?)\*(?!\*)|(?<![\w_])_(?<italic2>[^_\s][^_\n]*?)_(?![\w_])/g,
};

function inline(src: string, flavor: Flavor, t: Translate): Child[] {
  const out: Child[] = [];
  const re = new RegExp(INLINE[flavor].source, INLINE[flavor].flags);
  let at = 0;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    if (m.index > at) out.push(src.slice(at, m.index));
    at = m.index + m[0].length;
    const g = m.groups ?? {};
    if (g.code !== undefined) out.push(<code class="wx-code-inline">{g.code}</code>);
    else if (g.bold !== undefined) out.push(<strong>{inline(g.bold, flavor, t)}</strong>);
    else if (g.imageUrl !== undefined) out.push(<span class="wx-media">{t('wxPreview.markdownImage', { alt: g.imageAlt || g.imageUrl })}</span>);
    else if (g.linkUrl !== undefined) out.push(<Link href={g.linkUrl}>{inline(g.linkText ?? '', flavor, t)}</Link>);
    else if (g.color !== undefined) out.push(<span class={`wx-font-${g.color.toLowerCase()}`}>{inline(g.colored ?? '', flavor, t)}</span>);
    else if (g.mention !== undefined) out.push(<span class="wx-mention">@{g.mention}</span>);
    else out.push(<em>{inline(g.italic ?? g.italic2 ?? '', flavor, t)}</em>);
  }
  if (at < src.length) out.push(src.slice(at));
  return out;
}

const TABLE_RULE = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;
const cells = (line: string) => line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());

/** Block structure line by line: WeCom keeps every line break. */
function blocks(content: string, flavor: Flavor, t: Translate): Child[] {
  const lines = content.replace(/\r\n?/g, '\n').split('\n');
  const out: Child[] = [];
  const v2 = flavor === 'markdown_v2';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (v2 && /^\s*```/.test(line)) {
      const code: string[] = [];
      while (++i < lines.length && !/^\s*```/.test(lines[i]!)) code.push(lines[i]!);
      out.push(
        <pre class="wx-code">
          <code>{code.join('\n')}</code>
        </pre>,
      );
      continue;
    }
    if (v2 && line.trim().startsWith('|') && TABLE_RULE.test(lines[i + 1] ?? '')) {
      const head = cells(line);
      const rows: string[][] = [];
      for (i += 2; i < lines.length && lines[i]!.trim().startsWith('|'); i++) rows.push(cells(lines[i]!));
      i--;
      out.push(
        <table class="wx-table">
          <thead>
            <tr>
              {head.map((c) => (
                <th>{inline(c, flavor, t)}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr>
                {r.map((c) => (
                  <td>{inline(c, flavor, t)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>,
      );
      continue;
    }
    if (v2 && /^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      out.push(<hr class="wx-rule" />);
      continue;
    }
    const list = v2 ? /^\s*([-*+]|\d+\.)\s+/.exec(line) : null;
    if (list) {
      const ordered = /\d/.test(list[1]!);
      const items: string[] = [];
      for (; i < lines.length; i++) {
        const m = /^\s*([-*+]|\d+\.)\s+(.*)$/.exec(lines[i]!);
        if (!m || /\d/.test(m[1]!) !== ordered) break;
        items.push(m[2]!);
      }
      i--;
      const lis = items.map((item) => <li>{inline(item, flavor, t)}</li>);
      out.push(ordered ? <ol class="wx-list">{lis}</ol> : <ul class="wx-list">{lis}</ul>);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      out.push(<p class={`wx-h wx-h${heading[1]!.length}`}>{inline(heading[2]!, flavor, t)}</p>);
      continue;
    }
    if (/^>/.test(line)) {
      const quoted: string[] = [];
      for (; i < lines.length && /^>/.test(lines[i]!); i++) quoted.push(lines[i]!.replace(/^>\s?/, ''));
      i--;
      out.push(
        <blockquote class="wx-quote">
          {quoted.map((q) => (
            <p class="wx-line">{inline(q, flavor, t)}</p>
          ))}
        </blockquote>,
      );
      continue;
    }
    out.push(line.trim() === '' ? <p class="wx-blank" /> : <p class="wx-line">{inline(line, flavor, t)}</p>);
  }
  return out;
}

function Mentions({ t, users, mobiles }: { t: Translate; users: string[]; mobiles: string[] }) {
  const all = [...users, ...mobiles];
  if (!all.length) return null;
  return (
    <p class="wx-mentions">
      {[...new Set(all)].map((m) => (
        <span class="wx-mention">{m === '@all' ? t('wxPreview.mentionAll') : `@${m}`}</span>
      ))}
    </p>
  );
}

/** Raw size of base64 data, without decoding it. */
export function base64Bytes(b64: string): number {
  const clean = b64.replace(/\s/g, '');
  return Math.floor((clean.length * 3) / 4) - (clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0);
}

function News({ t, news }: { t: Translate; news: Json }) {
  const articles = Array.isArray(news.articles) ? news.articles.filter(isObject) : [];
  return (
    <div class="wx-news">
      {articles.map((a, i) => (
        <div class={i === 0 ? 'wx-news-first' : 'wx-news-item'}>
          <Link href={str(a.url)}>
            <span class="wx-news-title">{str(a.title)}</span>
          </Link>
          {a.description !== undefined ? <p class="wx-news-desc">{str(a.description)}</p> : null}
          {/* External pictures are never loaded from the console (CSP); the link is what WeCom opens. */}
          {a.picurl !== undefined ? <span class="wx-media">{t('wxPreview.newsPicture')}</span> : null}
        </div>
      ))}
    </div>
  );
}

function Card({ card }: { card: Json }) {
  const source = isObject(card.source) ? card.source : {};
  const main = isObject(card.main_title) ? card.main_title : {};
  const emphasis = isObject(card.emphasis_content) ? card.emphasis_content : undefined;
  const quote = isObject(card.quote_area) ? card.quote_area : undefined;
  const rows = Array.isArray(card.horizontal_content_list) ? card.horizontal_content_list.filter(isObject) : [];
  const jumps = Array.isArray(card.jump_list) ? card.jump_list.filter(isObject) : [];
  const action = isObject(card.card_action) ? str(card.card_action.url) : '';
  return (
    <div class="wx-card">
      {source.desc !== undefined ? <p class={`wx-card-source wx-desc-color-${Number(source.desc_color) || 0}`}>{str(source.desc)}</p> : null}
      {main.title !== undefined ? <p class="wx-card-title">{str(main.title)}</p> : null}
      {main.desc !== undefined ? <p class="wx-card-desc">{str(main.desc)}</p> : null}
      {emphasis ? (
        <p class="wx-card-emphasis">
          <span class="wx-card-emphasis-title">{str(emphasis.title)}</span> <span class="wx-card-desc">{str(emphasis.desc)}</span>
        </p>
      ) : null}
      {quote ? (
        <blockquote class="wx-quote">
          {quote.title !== undefined ? <p class="wx-line">{str(quote.title)}</p> : null}
          {quote.quote_text !== undefined ? <p class="wx-line">{str(quote.quote_text)}</p> : null}
        </blockquote>
      ) : null}
      {card.sub_title_text !== undefined ? <p class="wx-card-desc">{str(card.sub_title_text)}</p> : null}
      {rows.length ? (
        <dl class="wx-card-rows">
          {rows.map((r) => (
            <>
              <dt>{str(r.keyname)}</dt>
              <dd>{typeof r.url === 'string' ? <Link href={r.url}>{str(r.value)}</Link> : str(r.value)}</dd>
            </>
          ))}
        </dl>
      ) : null}
      {jumps.length ? (
        <p class="wx-card-jumps">
          {jumps.map((j) => (
            <Link href={str(j.url)}>{str(j.title)}</Link>
          ))}
        </p>
      ) : null}
      {action ? (
        <p class="wx-card-action">
          <Link href={action}>{safeHref(action) ?? action}</Link>
        </p>
      ) : null}
    </div>
  );
}

function Body({ t, message, imageSrc }: { t: Translate; message: Json; imageSrc?: string }) {
  const part = (name: string): Json => (isObject(message[name]) ? (message[name] as Json) : {});
  switch (message.msgtype) {
    case 'markdown':
    case 'markdown_v2':
      return <div class="wx-md">{blocks(str(part(message.msgtype).content), message.msgtype, t)}</div>;
    case 'text': {
      const text = part('text');
      return (
        <div class="wx-text">
          {str(text.content)}
          <Mentions t={t} users={strings(text.mentioned_list)} mobiles={strings(text.mentioned_mobile_list)} />
        </div>
      );
    }
    case 'image': {
      const bytes = base64Bytes(str(part('image').base64));
      return (
        <figure class="wx-image">
          {imageSrc ? <img src={imageSrc} alt={t('wxPreview.image', { bytes })} /> : null}
          <figcaption>{t('wxPreview.image', { bytes })}</figcaption>
        </figure>
      );
    }
    case 'news':
      return <News t={t} news={part('news')} />;
    case 'template_card':
      return <Card card={part('template_card')} />;
    case 'file':
    case 'voice':
      return <p class="wx-media">{t('wxPreview.media', { msgtype: message.msgtype, id: str(part(message.msgtype).media_id) })}</p>;
    default:
      return <p class="wx-media">{t('wxPreview.unknown', { msgtype: str(message.msgtype) || '?' })}</p>;
  }
}

export interface WecomPreviewProps {
  t: Translate;
  /** The payload as sent: the object, or its stored JSON text. */
  payload: unknown;
  /** Where the console serves an image message's picture (never from the payload itself). */
  imageSrc?: string;
}

/** The message as the group sees it, with the exact payload one click away (no script needed). */
export function WecomPreview({ t, payload, imageSrc }: WecomPreviewProps) {
  let message: unknown = payload;
  if (typeof payload === 'string') {
    try {
      message = JSON.parse(payload);
    } catch {
      message = undefined;
    }
  }
  const raw = typeof payload === 'string' && !isObject(message) ? payload : JSON.stringify(message, null, 2);
  return (
    <div class="wx-preview">
      <div class="wx-chat" role="group" aria-label={t('wxPreview.label')}>
        <span class="wx-avatar" aria-hidden="true" />
        <div class="wx-bubble">{isObject(message) ? <Body t={t} message={message} imageSrc={imageSrc} /> : <p class="wx-media">{t('wxPreview.invalid')}</p>}</div>
      </div>
      <details class="wx-raw">
        <summary>{t('wxPreview.raw')}</summary>
        <pre>{raw}</pre>
      </details>
    </div>
  );
}
