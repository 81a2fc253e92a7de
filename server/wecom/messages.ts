// Message shapes and builders for every msgtype of the WeCom group-bot webhook, plus the UTF-8
// byte helpers they rely on. WeCom counts bytes, not characters (CJK = 3, emoji = 4), and rejects
// over-long content with 40058, so every limit here is in bytes and every cut lands on a boundary.
import { createHash } from 'node:crypto';

/** WeCom's documented limits, in bytes (UTF-8 for text, raw size for media). */
export const BYTE_LIMITS = {
  text: 2048,
  markdown: 4096,
  markdown_v2: 4096,
  newsTitle: 128,
  newsDescription: 512,
  image: 2 * 1024 * 1024,
  fileMin: 5,
  file: 20 * 1024 * 1024,
  voice: 2 * 1024 * 1024,
} as const;

export const NEWS_ARTICLES = { min: 1, max: 8 } as const;
export const CARD_LIMITS = { horizontalContent: 6, jumps: 3 } as const;
export const DEFAULT_TRUNCATION_MARKER = '…(truncated)';

export type TextMessage = {
  msgtype: 'text';
  text: { content: string; mentioned_list?: string[]; mentioned_mobile_list?: string[] };
};
export type MarkdownMessage = { msgtype: 'markdown'; markdown: { content: string } };
export type MarkdownV2Message = { msgtype: 'markdown_v2'; markdown_v2: { content: string } };
export type ImageMessage = { msgtype: 'image'; image: { base64: string; md5: string } };
export type NewsArticle = { title: string; description?: string; url: string; picurl?: string };
export type NewsMessage = { msgtype: 'news'; news: { articles: NewsArticle[] } };
export type FileMessage = { msgtype: 'file'; file: { media_id: string } };
export type VoiceMessage = { msgtype: 'voice'; voice: { media_id: string } };

export type CardHorizontalItem =
  | { keyname: string; value: string }
  | { keyname: string; value: string; type: 1; url: string };
export type CardJump = { type: 1; url: string; title: string };
export type TextNoticeCard = {
  card_type: 'text_notice';
  source?: { icon_url?: string; desc?: string; desc_color?: 0 | 1 | 2 | 3 };
  main_title?: { title?: string; desc?: string };
  emphasis_content?: { title?: string; desc?: string };
  quote_area?: { type?: 0 | 1; url?: string; title?: string; quote_text?: string };
  sub_title_text?: string;
  horizontal_content_list?: CardHorizontalItem[];
  jump_list?: CardJump[];
  card_action: { type: 1; url: string };
};
export type TemplateCardMessage = { msgtype: 'template_card'; template_card: TextNoticeCard };

/** Exactly the JSON object POSTed to /cgi-bin/webhook/send. */
export type WecomMessage =
  | TextMessage
  | MarkdownMessage
  | MarkdownV2Message
  | ImageMessage
  | NewsMessage
  | FileMessage
  | VoiceMessage
  | TemplateCardMessage;

export type MessageErrorCode =
  | 'empty_content' // WeCom would answer 44004
  | 'article_count'
  | 'missing_field'
  | 'image_too_large'
  | 'image_format'
  | 'media_size'
  | 'voice_format'
  | 'card_limits';

/** Thrown by builders for input WeCom would reject; the message never contains the content. */
export class WecomMessageError extends Error {
  override readonly name = 'WecomMessageError';
  constructor(
    readonly code: MessageErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** The msgtypes whose words are one `content`, each within its BYTE_LIMITS entry. */
export type ContentMessage = TextMessage | MarkdownMessage | MarkdownV2Message;

export function isContentMessage(m: WecomMessage): m is ContentMessage {
  return m.msgtype === 'text' || m.msgtype === 'markdown' || m.msgtype === 'markdown_v2';
}

export function contentOf(m: ContentMessage): string {
  if (m.msgtype === 'text') return m.text.content;
  if (m.msgtype === 'markdown') return m.markdown.content;
  return m.markdown_v2.content;
}

/** What a preview counts against WeCom's limit: the content's bytes (for other msgtypes, the JSON's, with no limit). */
export function sizeAgainstLimit(m: WecomMessage): { bytes: number; limit: number } {
  return isContentMessage(m) ? { bytes: utf8Bytes(contentOf(m)), limit: BYTE_LIMITS[m.msgtype] } : { bytes: utf8Bytes(JSON.stringify(m)), limit: Infinity };
}

// Grapheme clusters keep 👨‍👩‍👧 or 🇨🇳 whole; they always start on a code-point boundary.
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * UTF-16 length of the longest prefix of `s` from `start` whose UTF-8 form fits in `maxBytes`, cut
 * between code points. A lone surrogate counts as the 3 bytes of U+FFFD, as Buffer encodes it.
 */
function codePointFit(s: string, start: number, maxBytes: number): number {
  let used = 0;
  let i = start;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (used + size > maxBytes) break;
    used += size;
    i += pair ? 2 : 1;
  }
  return i - start;
}

/**
 * UTF-16 length of the longest prefix of `s` from `start` fitting in `maxBytes`, cut between grapheme
 * clusters; a single cluster larger than the budget is cut between its code points instead.
 * Whether a cluster boundary lies at a position depends only on the text before it and the code
 * point at it, so the segmenter is given the text up to the cut and one code point more, never the
 * whole rest: splitting and truncating stay linear in the length of the text.
 */
function fittingPrefix(s: string, start: number, maxBytes: number): number {
  const fit = codePointFit(s, start, maxBytes);
  const cut = start + fit;
  if (cut >= s.length) return fit;
  const window = s.slice(start, cut + (s.codePointAt(cut)! > 0xffff ? 2 : 1));
  const cluster = graphemes.segment(window).containing(fit)!;
  return cluster.index > 0 ? cluster.index : fit;
}

/**
 * Returns `s` unchanged when it fits, else its longest boundary-safe prefix followed by `marker`,
 * the whole at most `maxBytes` bytes.
 */
export function truncateUtf8(s: string, maxBytes: number, marker: string = DEFAULT_TRUNCATION_MARKER): string {
  if (utf8Bytes(s) <= maxBytes) return s;
  const budget = maxBytes - utf8Bytes(marker);
  if (budget < 0) throw new RangeError(`truncation marker is longer than ${maxBytes} bytes`);
  return s.slice(0, fittingPrefix(s, 0, budget)) + marker;
}

/**
 * Splits `s` into parts of at most `maxBytes` bytes whose concatenation is `s`. A part ends after
 * the last line break in its second half when there is one, else after the last space there, else
 * at the last character boundary. Empty input gives no parts. Each part looks only at the text it
 * can take, so the work is linear in the length of `s`.
 */
export function splitUtf8(s: string, maxBytes: number): string[] {
  // A single code point can take 4 bytes; a smaller budget could never make progress.
  if (!Number.isInteger(maxBytes) || maxBytes < 4) throw new RangeError('maxBytes must be an integer ≥ 4');
  const parts: string[] = [];
  let start = 0;
  while (start < s.length) {
    const fit = fittingPrefix(s, start, maxBytes);
    const end = start + fit === s.length ? s.length : start + preferredBreak(s.slice(start, start + fit));
    parts.push(s.slice(start, end));
    start = end;
  }
  return parts;
}

/** Where to end a part that must stop at or before the end of `fitting`: after a line break, else a space. */
function preferredBreak(fitting: string): number {
  const half = Math.floor(fitting.length / 2);
  for (const sep of ['\n', ' ']) {
    const at = fitting.lastIndexOf(sep);
    if (at >= half) return at + 1;
  }
  return fitting.length;
}

function requireContent(content: string): void {
  if (content.trim() === '') throw new WecomMessageError('empty_content', 'message content is empty');
}

function nonEmpty(list: readonly string[] | undefined): string[] | undefined {
  const kept = (list ?? []).filter((s) => s.trim() !== '');
  return kept.length > 0 ? kept : undefined;
}

export type TextOptions = {
  /** WeCom user ids, or "@all". */
  mentionedList?: readonly string[];
  /** Mobile numbers, or "@all". */
  mentionedMobileList?: readonly string[];
  marker?: string;
};

export function textMessage(content: string, options: TextOptions = {}): TextMessage {
  requireContent(content);
  const mentioned = nonEmpty(options.mentionedList);
  const mobiles = nonEmpty(options.mentionedMobileList);
  return {
    msgtype: 'text',
    text: {
      content: truncateUtf8(content, BYTE_LIMITS.text, options.marker),
      ...(mentioned && { mentioned_list: mentioned }),
      ...(mobiles && { mentioned_mobile_list: mobiles }),
    },
  };
}

export function markdownMessage(content: string, options: { marker?: string } = {}): MarkdownMessage {
  requireContent(content);
  return { msgtype: 'markdown', markdown: { content: truncateUtf8(content, BYTE_LIMITS.markdown, options.marker) } };
}

export function markdownV2Message(content: string, options: { marker?: string } = {}): MarkdownV2Message {
  requireContent(content);
  return {
    msgtype: 'markdown_v2',
    markdown_v2: { content: truncateUtf8(content, BYTE_LIMITS.markdown_v2, options.marker) },
  };
}

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return magic.every((b, i) => bytes[i] === b);
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];
const AMR_MAGIC = [...'#!AMR'].map((c) => c.charCodeAt(0));

/** Image from the raw JPG/PNG bytes: WeCom wants them base64-encoded plus the md5 of the raw bytes. */
export function imageMessage(bytes: Uint8Array): ImageMessage {
  if (bytes.length === 0) throw new WecomMessageError('empty_content', 'image is empty');
  if (bytes.length > BYTE_LIMITS.image) {
    throw new WecomMessageError('image_too_large', `image is ${bytes.length} bytes; WeCom accepts at most ${BYTE_LIMITS.image}`);
  }
  if (!startsWith(bytes, PNG_MAGIC) && !startsWith(bytes, JPEG_MAGIC)) {
    throw new WecomMessageError('image_format', 'WeCom accepts only JPG or PNG images');
  }
  const raw = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    msgtype: 'image',
    image: { base64: raw.toString('base64'), md5: createHash('md5').update(raw).digest('hex') },
  };
}

export function newsMessage(articles: readonly NewsArticle[], options: { marker?: string } = {}): NewsMessage {
  if (articles.length < NEWS_ARTICLES.min || articles.length > NEWS_ARTICLES.max) {
    throw new WecomMessageError('article_count', `news needs ${NEWS_ARTICLES.min}–${NEWS_ARTICLES.max} articles, got ${articles.length}`);
  }
  return {
    msgtype: 'news',
    news: {
      articles: articles.map((a, i) => {
        if (a.title.trim() === '') throw new WecomMessageError('missing_field', `news article ${i + 1} has no title`);
        if (a.url.trim() === '') throw new WecomMessageError('missing_field', `news article ${i + 1} has no url`);
        // WeCom would cut these itself, silently and possibly mid-character; cut them visibly instead.
        return {
          ...a,
          title: truncateUtf8(a.title, BYTE_LIMITS.newsTitle, options.marker),
          ...(a.description !== undefined && {
            description: truncateUtf8(a.description, BYTE_LIMITS.newsDescription, options.marker),
          }),
        };
      }),
    },
  };
}

function requireMediaId(mediaId: string): void {
  if (mediaId.trim() === '') throw new WecomMessageError('missing_field', 'media_id is empty');
}

export function fileMessage(mediaId: string): FileMessage {
  requireMediaId(mediaId);
  return { msgtype: 'file', file: { media_id: mediaId } };
}

export function voiceMessage(mediaId: string): VoiceMessage {
  requireMediaId(mediaId);
  return { msgtype: 'voice', voice: { media_id: mediaId } };
}

export function textNoticeCardMessage(card: Omit<TextNoticeCard, 'card_type'>): TemplateCardMessage {
  // WeCom requires a main title or a sub-title text, and a card action.
  if (!card.main_title?.title?.trim() && !card.sub_title_text?.trim()) {
    throw new WecomMessageError('empty_content', 'a text_notice card needs main_title.title or sub_title_text');
  }
  if (card.card_action.url.trim() === '') throw new WecomMessageError('missing_field', 'card_action.url is empty');
  if ((card.horizontal_content_list?.length ?? 0) > CARD_LIMITS.horizontalContent) {
    throw new WecomMessageError('card_limits', `at most ${CARD_LIMITS.horizontalContent} horizontal_content_list items`);
  }
  if ((card.jump_list?.length ?? 0) > CARD_LIMITS.jumps) {
    throw new WecomMessageError('card_limits', `at most ${CARD_LIMITS.jumps} jump_list items`);
  }
  return { msgtype: 'template_card', template_card: { card_type: 'text_notice', ...card } };
}

export type MediaType = 'file' | 'voice';

/** Throws unless WeCom's upload_media would take these bytes (file 5 B–20 MB; voice AMR ≤ 2 MB). */
export function assertUploadable(type: MediaType, bytes: Uint8Array): void {
  const max = type === 'voice' ? BYTE_LIMITS.voice : BYTE_LIMITS.file;
  if (bytes.length < BYTE_LIMITS.fileMin || bytes.length > max) {
    throw new WecomMessageError('media_size', `${type} must be ${BYTE_LIMITS.fileMin}–${max} bytes, got ${bytes.length}`);
  }
  if (type === 'voice' && !startsWith(bytes, AMR_MAGIC)) {
    throw new WecomMessageError('voice_format', 'WeCom accepts only AMR voice files');
  }
}
