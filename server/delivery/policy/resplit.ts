// A message WeCom called too long (40058/45002) becomes numbered parts well under the limit.
import { BYTE_LIMITS, contentOf, isContentMessage, splitUtf8, type WecomMessage } from '../../wecom/messages.ts';

/**
 * The parts, or undefined when the message cannot be split (another msgtype, or already short).
 * A text message's mention lists go on the first part only: one ping per message set, not per part.
 */
export function resplit(message: WecomMessage): WecomMessage[] | undefined {
  if (!isContentMessage(message)) return undefined;
  const parts = splitUtf8(contentOf(message), Math.floor(BYTE_LIMITS[message.msgtype] * 0.7));
  if (parts.length < 2) return undefined;
  return parts.map((part, i): WecomMessage => {
    const numbered = `(${i + 1}/${parts.length})\n${part}`;
    if (message.msgtype === 'text') {
      const { mentioned_list, mentioned_mobile_list, ...rest } = message.text;
      return { msgtype: 'text', text: i === 0 ? { ...rest, mentioned_list, mentioned_mobile_list, content: numbered } : { ...rest, content: numbered } };
    }
    if (message.msgtype === 'markdown') return { msgtype: 'markdown', markdown: { content: numbered } };
    return { msgtype: 'markdown_v2', markdown_v2: { content: numbered } };
  });
}
