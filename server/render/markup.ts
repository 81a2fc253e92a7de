// The markup pieces every rendered message is made of, in each message format: badges, headings,
// label lines, links, and the neutralising of user text (no mentions or colours from event data).
import type { Severity, TaskStatus } from '../events/schema.ts';
import { markdownMessage, markdownV2Message, textMessage, type WecomMessage } from '../wecom/messages.ts';
import type { MessageFormat } from './mentionPlacement.ts';

export type Tone = 'warning' | 'info' | 'comment';
export type Badge = { label: string; tone: Tone; emoji: string };

export const SEVERITY_STYLE: Record<Severity, { tone: Tone; emoji: string }> = {
  critical: { tone: 'warning', emoji: '🔴' },
  warning: { tone: 'warning', emoji: '🟠' },
  info: { tone: 'comment', emoji: '🔵' },
};

/** A resolved alert's own look, whatever the severity it fired with: WeCom's green and a tick. */
export const RESOLVED_STYLE: { tone: Tone; emoji: string } = { tone: 'info', emoji: '✅' };

export const STATUS_STYLE: Record<TaskStatus, { tone: Tone; emoji: string }> = {
  succeeded: { tone: 'info', emoji: '✅' },
  failed: { tone: 'warning', emoji: '❌' },
  partial: { tone: 'warning', emoji: '🟡' },
};

export const BLOCK = '\n\n';

/**
 * WeCom would act on `<@…>` (a mention) and `<font …>` in user text; a full-width ＜ shows the same
 * but is inert. Replacing only the `<` cannot create a new match, so one pass is enough.
 */
export function neutralise(s: string): string {
  return s.replace(/<(?=\s*(?:@|\/?\s*font\b))/gi, '＜');
}

/** Titles, names and field values render on one line: a newline could start a heading or a list. */
export function oneLine(s: string): string {
  return neutralise(s.replace(/\s+/g, ' ').trim());
}

export function multiLine(s: string): string {
  return neutralise(s.replace(/\r\n?/g, '\n').trim());
}

/** Characters that would end a markdown link target early are percent-encoded. */
export function linkTarget(url: string): string {
  return url.replace(/[()<>\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

export function badgeText(format: MessageFormat, badge: Badge): string {
  return format === 'markdown' ? `<font color="${badge.tone}">${badge.label}</font>` : `${badge.emoji} ${badge.label}`;
}

export function headingLine(format: MessageFormat, badge: Badge, labels: string[]): string {
  const line = [badgeText(format, badge), ...labels].join(' · ');
  return format === 'text' ? line : `### ${line}`;
}

export function strong(format: MessageFormat, s: string): string {
  return format === 'text' ? s : `**${s}**`;
}

export function pairLine(format: MessageFormat, label: string, value: string): string {
  return `${format === 'markdown_v2' ? '- ' : ''}${label}: ${value}`;
}

export function linkText(format: MessageFormat, text: string, url: string): string {
  return format === 'text' ? `${text}: ${linkTarget(url)}` : `[${text}](${linkTarget(url)})`;
}

export function joinBlocks(blocks: readonly string[]): string {
  return blocks.filter((b) => b !== '').join(BLOCK);
}

export function build(format: MessageFormat, content: string, mentions?: { mentionedList: string[]; mentionedMobileList: string[] }): WecomMessage {
  if (format === 'markdown') return markdownMessage(content);
  if (format === 'markdown_v2') return markdownV2Message(content);
  return textMessage(content, mentions);
}

