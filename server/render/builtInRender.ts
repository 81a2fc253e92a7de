// The built-in render: events and digests as WeCom messages in the chosen format and language, when
// no message template applies (messageTemplateChoice.ts decides). Everything here is pure:
// the same input always gives the same messages, which is what the console preview relies on.
import { formatDateTime } from '../time/format.ts';
import { translator, type Lang, type Translate } from '../strings/translate.ts';
import {
  CATEGORIES,
  parseIsoDateTime,
  SEVERITY_RANK,
  type Category,
  type EventKind,
  type InboundEvent,
  type Severity,
  type TaskStatus,
} from '../events/schema.ts';
import {
  BYTE_LIMITS,
  splitUtf8,
  textMessage,
  truncateUtf8,
  utf8Bytes,
  type WecomMessage,
} from '../wecom/messages.ts';
import { parseDigestTitle } from '../delivery/policy/fold.ts';
import { placeMentionLists, type MentionPlan, type MessageFormat } from './mentionPlacement.ts';
import {
  BLOCK,
  badgeText,
  build,
  headingLine,
  joinBlocks,
  linkText,
  multiLine,
  oneLine,
  pairLine,
  RESOLVED_STYLE,
  SEVERITY_STYLE,
  STATUS_STYLE,
  strong,
  type Badge,
} from './markup.ts';

export type RenderOptions = {
  lang: Lang;
  format: MessageFormat;
  timeZone: string;
  mentions: MentionPlan;
  /** How many times the event arrived (deduplication); shown as ×N when above 1. */
  repeatCount?: number;
  /** Shown as the event's time when it has no occurred_at. */
  receivedAt: number;
  /** Linked next to the truncation marker, where the whole event can be read. */
  consoleUrl?: string;
};

/** "2 min 5 s" / "2 分钟 5 秒": the largest unit and, when not zero, the next one. */
export function humaniseDuration(ms: number, t: Translate): string {
  if (ms < 1000) return t('duration.ms', { n: Math.round(ms) });
  const units = [
    ['duration.d', 86_400],
    ['duration.h', 3_600],
    ['duration.min', 60],
    ['duration.s', 1],
  ] as const;
  let rest = Math.round(ms / 1000);
  const counts = units.map(([key, size]) => {
    const n = Math.floor(rest / size);
    rest -= n * size;
    return { key, n };
  });
  const first = counts.findIndex((c) => c.n > 0);
  const [larger = '', smaller] = counts
    .slice(first, first + 2)
    .filter((c) => c.n > 0)
    .map((c) => t(c.key, { n: c.n }));
  return smaller === undefined ? larger : t('duration.pair', { larger, smaller });
}

/** The digest window: "45 s", "5 min", "3 h" / "5 分钟". */
function humaniseWindow(ms: number, t: Translate): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 60) return t('window.s', { n: seconds });
  const minutes = Math.round(seconds / 60);
  return minutes < 120 ? t('window.min', { n: minutes }) : t('window.h', { n: Math.round(minutes / 60) });
}

/**
 * head + body + tail + mentions within `limit`: only the body (summary and fields) is cut, so the
 * heading, the time and the link survive; if even they do not fit, they are cut, but never the
 * inline mentions (a mention cut off would reach nobody: no follow-up carries it).
 */
function fitContent(parts: { head: string; body: string; tail: string; mentions: string }, limit: number, marker: string): string {
  const { head, body, tail, mentions } = parts;
  const whole = joinBlocks([head, body, tail, mentions]);
  if (utf8Bytes(whole) <= limit) return whole;
  const frame = joinBlocks([head, 'x', tail, mentions]);
  const budget = limit - (utf8Bytes(frame) - 1);
  if (body !== '' && budget >= utf8Bytes(marker)) return joinBlocks([head, truncateUtf8(body, budget, marker), tail, mentions]);
  const room = limit - utf8Bytes(joinBlocks(['x', mentions])) + 1;
  return joinBlocks([truncateUtf8(joinBlocks([head, body, tail]), room, marker), mentions]);
}

/**
 * Splits `content` into parts of at most `limit` bytes, each starting with `header(i, n)`. The
 * header's size depends on the digits of n, so the split is redone until the count's width is stable.
 */
function numberedParts(content: string, limit: number, header: (i: number, n: number) => string): string[] {
  let n = 1;
  for (;;) {
    const chunks = splitUtf8(content, limit - utf8Bytes(header(n, n)));
    if (String(chunks.length).length <= String(n).length) {
      return chunks.map((chunk, i) => header(i + 1, chunks.length) + chunk);
    }
    n = chunks.length;
  }
}

export type RenderableEvent = Exclude<InboundEvent, { kind: 'metric' }>;

/** What an event's badge is read from: the event, or a digest's line of it. */
export type BadgeSource = { kind: EventKind; severity: Severity; status?: TaskStatus; resolved?: boolean };

/** How an event ended or how severe it is: a task result's status, a resolution, or the severity. */
export function eventBadge(event: BadgeSource, t: Translate): Badge {
  if (event.kind === 'task_result' && event.status) return { label: t(`taskStatus.${event.status}`), ...STATUS_STYLE[event.status] };
  // A resolution is good news: its own word and colour, not the critical orange it fired with.
  if (event.kind === 'alert' && event.resolved) return { label: t('messageBadge.resolved'), ...RESOLVED_STYLE };
  return { label: t(`severity.${event.severity}`), ...SEVERITY_STYLE[event.severity] };
}

export function needsAttention(event: RenderableEvent): boolean {
  if (event.kind === 'alert' && event.resolved) return false;
  return event.kind === 'task_result' ? event.status !== 'succeeded' : SEVERITY_RANK[event.severity] > SEVERITY_RANK.info;
}

/** The event's fields as `name: value` lines, then how many labels an Alertmanager alert's fields left out. */
export function fieldLines(event: RenderableEvent, format: MessageFormat, t: Translate): string {
  const lines = Object.entries(event.fields).map(([key, value]) => pairLine(format, oneLine(key), oneLine(String(value))));
  const more = event.kind === 'alert' ? (event.more_labels ?? 0) : 0;
  if (more > 0) lines.push(t(`moreLabels.${more === 1 ? 'one' : 'other'}`, { count: more }));
  return lines.join('\n');
}

/** The three blocks of an event message: what is never cut, what may be, and what comes last. */
function eventSections(event: RenderableEvent, opts: RenderOptions, t: Translate) {
  const { format } = opts;
  const title = oneLine(event.title);
  const repeat = (opts.repeatCount ?? 1) > 1 ? ` ${t('repeat', { count: opts.repeatCount ?? 1 })}` : '';
  const heading = headingLine(format, eventBadge(event, t), [t(`category.${event.category}`), t(`messageKind.${event.kind}`)]);

  const meta: string[] = [];
  if (event.kind === 'task_result') {
    if (oneLine(event.task_name) !== title) meta.push(pairLine(format, t('label.task'), oneLine(event.task_name)));
    if (event.duration_ms !== undefined) meta.push(pairLine(format, t('label.duration'), humaniseDuration(event.duration_ms, t)));
  }
  const store = oneLine(event.store ?? '');
  if (store !== '') meta.push(pairLine(format, t('label.store'), store));
  const at = (event.occurred_at !== undefined ? parseIsoDateTime(event.occurred_at) : undefined) ?? opts.receivedAt;
  meta.push(pairLine(format, t('label.time'), formatDateTime(at, opts.lang, opts.timeZone)));

  const mentionLine = opts.mentions.inlineUserIds.map((id) => `<@${id}>`).join(' ');

  return {
    title,
    head: joinBlocks([`${heading}\n${strong(format, title)}${repeat}`, meta.join('\n')]),
    body: joinBlocks([multiLine(event.summary ?? ''), fieldLines(event, format, t)]),
    tail: event.url !== undefined ? linkText(format, event.link_label ?? t('link.view'), event.url) : '',
    mentions: mentionLine,
  };
}

/** "… truncated", linking the console when its address is known. */
export function truncationMarker(opts: Pick<RenderOptions, 'format' | 'consoleUrl'>, t: Translate): string {
  const consoleLink = opts.consoleUrl !== undefined ? ` · ${linkText(opts.format, t('link.console'), opts.consoleUrl)}` : '';
  return `\n${t('truncated')}${consoleLink}`;
}

/**
 * The messages one event becomes: the main message (a report too long for one message becomes
 * numbered parts) and, when the mention plan needs it, one short text message with the mentions.
 * Metrics are stored for reports and never sent on their own, so a metric renders to no message.
 */
export function renderEvent(event: InboundEvent, opts: RenderOptions): WecomMessage[] {
  if (event.kind === 'metric') return [];
  if (opts.mentions.format !== opts.format) {
    throw new RangeError(`mention plan is for ${opts.mentions.format}, message format is ${opts.format}`);
  }
  const t = translator(opts.lang);
  const { format, mentions } = opts;
  const limit = BYTE_LIMITS[format];
  const sections = eventSections(event, opts, t);
  const { title } = sections;

  let contents: string[];
  if (event.kind === 'report') {
    const whole = joinBlocks([sections.head, sections.body, sections.tail, sections.mentions]);
    const shortTitle = truncateUtf8(title, 120, '…');
    contents =
      utf8Bytes(whole) <= limit
        ? [whole]
        : numberedParts(whole, limit, (i, n) => `${strong(format, `(${i}/${n})`)} ${shortTitle}\n`);
  } else {
    contents = [fitContent(sections, limit, truncationMarker(opts, t))];
  }

  const { inMessage, followUps } = placeMentionLists(mentions);
  const messages = contents.map((content, i) => build(format, content, i === contents.length - 1 ? inMessage : undefined));
  for (const lists of followUps) messages.push(textMessage(`${needsAttention(event) ? '⚠' : '↑'} ${title}`, lists));
  return messages;
}

export type DigestInput = {
  category: Category | 'mixed';
  reason: 'storm' | 'quiet_hours';
  /**
   * The events it lists; `repeatCount`: how many times one arrived (deduplication), ×N above 1, and
   * its kind, task status and resolution: its badge, as its own message shows them (an alert's
   * severity when absent).
   */
  events: ReadonlyArray<{ title: string; severity: Severity; store?: string | null; at: number; repeatCount?: number } & Partial<BadgeSource>>;
  /** How many events the digest stands for (the heading's count). */
  total: number;
  /** Counts by severity of all `total` events; counted from `events` when absent. */
  counts?: Readonly<Record<Severity, number>>;
  since: number;
  until: number;
  lang: Lang;
  format: MessageFormat;
  timeZone: string;
  consoleUrl?: string;
  /** How many events to list; default 10. */
  topN?: number;
};

/** The pieces of a digest message, shared by the built-in layout and custom templates. */
/**
 * What a digest's mention follow-up says before its mentions, in the notification language: the
 * digest's title is stored in English (the send log translates it for its reader). Any other title
 * is used as it is.
 */
export function digestFollowUpHeading(digestTitle: string, lang: Lang): string {
  const digest = parseDigestTitle(digestTitle);
  const mixed = digest?.category === 'mixed';
  const known = CATEGORIES.find((c) => c === digest?.category);
  if (!digest || (!mixed && !known)) return digestTitle;
  const t = translator(lang);
  const plural = digest.count === 1 ? 'one' : 'other';
  const category = known ? t(`categoryNoun.${known}`) : '';
  return t(`digest.${digest.reason === 'storm' ? 'followUp' : 'quiet'}${mixed ? '.mixed' : ''}.${plural}`, { count: digest.count, category });
}

export function digestParts(input: DigestInput) {
  const { format, lang, timeZone } = input;
  const t = translator(lang);
  const reason = input.reason === 'storm' ? 'storm' : 'quiet';
  const mixed = input.category === 'mixed' ? '.mixed' : '';
  const plural = input.total === 1 ? 'one' : 'other';
  const heading = t(`digest.${reason}${mixed}.${plural}`, {
    count: input.total,
    category: input.category === 'mixed' ? '' : t(`categoryNoun.${input.category}`),
    window: humaniseWindow(input.until - input.since, t),
  });
  const range = t('digest.range', {
    since: formatDateTime(input.since, lang, timeZone),
    until: formatDateTime(input.until, lang, timeZone),
  });
  const countOf = (severity: Severity) => (input.counts ? input.counts[severity] : input.events.filter((e) => e.severity === severity).length);
  const counts = (['critical', 'warning', 'info'] as const)
    .map((severity) => {
      const text = t('digest.count', { severity: t(`severity.${severity}`), count: countOf(severity) });
      return format === 'markdown' ? `<font color="${SEVERITY_STYLE[severity].tone}">${text}</font>` : text;
    })
    .join(' · ');
  const ranked = [...input.events]
    .sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.at - b.at)
    .slice(0, input.topN ?? 10);
  const lines = ranked.map((e) => {
    const badge = eventBadge({ ...e, kind: e.kind ?? 'alert' }, t);
    const marker = format === 'markdown' ? badgeText(format, badge) : badge.emoji;
    const store = oneLine(e.store ?? '');
    const repeat = (e.repeatCount ?? 1) > 1 ? ` ${t('repeat', { count: e.repeatCount ?? 1 })}` : '';
    const parts = [truncateUtf8(oneLine(e.title), 160, '…') + repeat, ...(store ? [truncateUtf8(store, 60, '…')] : []), formatDateTime(e.at, lang, timeZone)];
    return `${format === 'text' ? '•' : '-'} ${marker} ${parts.join(' · ')}`;
  });
  const seeConsole =
    input.consoleUrl !== undefined ? linkText(format, t('digest.console'), input.consoleUrl) : t('digest.console');
  const severity: Severity = countOf('critical') ? 'critical' : countOf('warning') ? 'warning' : 'info';
  return {
    heading,
    range,
    counts,
    lines,
    seeConsole,
    severity,
    /** "Top 3:" and the first `shown` lines; nothing when none is shown. */
    list: (shown: number) => (shown > 0 ? `${t('digest.top', { n: shown })}\n${lines.slice(0, shown).join('\n')}` : ''),
    /** "… and 27 more" when fewer than all are shown. */
    more: (shown: number) => (input.total > shown ? t('digest.more', { count: input.total - shown }) : ''),
    /** The longest "Top N:" line, for bounding a frame before lines are counted. */
    topLine: t('digest.top', { n: lines.length }),
  };
}

/**
 * One message for many events: heading with the count, counts by severity, the most severe (then
 * earliest) events, and a pointer to the console. Listed events are dropped, never cut, to fit.
 */
export function renderDigest(input: DigestInput): WecomMessage {
  const { format } = input;
  const p = digestParts(input);
  const head = `${format === 'text' ? p.heading : `### ${p.heading}`}\n${p.range}\n${p.counts}`;
  const compose = (shown: number): string => joinBlocks([head, p.list(shown), [p.more(shown), p.seeConsole].filter((x) => x !== '').join('\n')]);

  // The longest "top" and "more" lines bound the frame, so lines can be counted in one pass.
  const limit = BYTE_LIMITS[format];
  const frame = utf8Bytes(compose(0)) + utf8Bytes(`${p.topLine}\n`) + utf8Bytes(BLOCK);
  let used = frame;
  let shown = 0;
  for (const line of p.lines) {
    used += utf8Bytes(line) + 1;
    if (used > limit) break;
    shown++;
  }
  return build(format, compose(shown));
}

const SAMPLE_AT = '2025-03-14T09:30:00+08:00';

/** One realistic event per kind for the console preview; the metric is there though it is never sent. */
export function sampleEvents(): Record<EventKind, InboundEvent> {
  return {
    alert: {
      kind: 'alert',
      category: 'inventory',
      severity: 'critical',
      title: 'Low stock: Ceramic pour-over kettle (SKU KT-1024)',
      summary: 'Only 3 units left; at the last 7 days’ rate the item sells out in about 9 hours.',
      fields: { sku: 'KT-1024', on_hand: 3, daily_sales: 8, warehouse: 'Shanghai-2' },
      url: 'https://storeclaw.example.com/inventory/KT-1024',
      store: 'Lakeside Coffee Tmall',
      occurred_at: SAMPLE_AT,
      mention: 'none',
    },
    task_result: {
      kind: 'task_result',
      category: 'task',
      severity: 'warning',
      title: 'Nightly price sync',
      task_name: 'Nightly price sync',
      status: 'partial',
      duration_ms: 125_000,
      summary: '1,184 of 1,200 listings updated; 16 were rejected by the marketplace (price below floor).',
      fields: { updated: 1184, rejected: 16 },
      url: 'https://storeclaw.example.com/tasks/price-sync/runs/8812',
      store: 'Lakeside Coffee Tmall',
      occurred_at: SAMPLE_AT,
      mention: 'none',
    },
    report: {
      kind: 'report',
      category: 'orders',
      severity: 'info',
      title: 'Daily sales summary — 13 Mar',
      summary: 'Orders 342 (+12% vs last Thursday), revenue ¥48,230, refunds 4. Best seller: KT-1024.',
      fields: { orders: 342, revenue_cny: 48230, refunds: 4, conversion: '3.8%' },
      url: 'https://storeclaw.example.com/reports/daily/2025-03-13',
      store: 'Lakeside Coffee Tmall',
      occurred_at: SAMPLE_AT,
      mention: 'none',
    },
    metric: {
      kind: 'metric',
      category: 'orders',
      severity: 'info',
      title: 'gmv_daily',
      name: 'gmv_daily',
      value: 48230,
      unit: 'CNY',
      fields: {},
      store: 'Lakeside Coffee Tmall',
      occurred_at: SAMPLE_AT,
      mention: 'none',
    },
  };
}
