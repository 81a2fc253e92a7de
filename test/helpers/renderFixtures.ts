// What the rendering tests share: a fixed receipt time, events parsed as intake parses them,
// render options, and a message's text whatever its type.
import { parseEvent, type InboundEvent } from '../../server/events/schema.ts';
import { planMentions, type MessageFormat } from '../../server/render/mentionPlacement.ts';
import type { RenderOptions } from '../../server/render/builtInRender.ts';
import { contentOf as contentOfMessage, isContentMessage, type WecomMessage } from '../../server/wecom/messages.ts';

export const RECEIVED_AT = Date.UTC(2025, 2, 14, 2, 0, 0);

export function contentOf(message: WecomMessage): string {
  if (!isContentMessage(message)) throw new Error(`unexpected ${message.msgtype}`);
  return contentOfMessage(message);
}

export function event(body: Record<string, unknown>): InboundEvent {
  const result = parseEvent(body);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.event;
}

export function options(format: MessageFormat, overrides: Partial<RenderOptions> = {}): RenderOptions {
  return { lang: 'en', format, timeZone: 'Asia/Shanghai', mentions: planMentions('none', format), receivedAt: RECEIVED_AT, ...overrides };
}
