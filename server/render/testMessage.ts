// The connect test and "Send test notification": sent in the notification format the admin chose,
// so the test shows what the group will see (the WeChat plugin shows only text, never markdown).
import { translator, type Lang } from '../strings/translate.ts';
import { formatDateTime } from '../time/format.ts';
import type { WecomMessage } from '../wecom/messages.ts';
import { build } from './markup.ts';
import type { MessageFormat } from './mentionPlacement.ts';

export function testMessage(opts: { kind: 'connected' | 'manual'; format: MessageFormat; lang: Lang; timeZone: string; at: number }): WecomMessage {
  const t = translator(opts.lang);
  const title = t(opts.kind === 'connected' ? 'notify.test.connected' : 'notify.test.manual');
  const at = formatDateTime(opts.at, opts.lang, opts.timeZone);
  const sentAt = `${t('notify.test.sentAt')}: ${opts.format === 'markdown' ? `<font color="comment">${at}</font>` : at}`;
  const lines = opts.format === 'text' ? [title, t('notify.test.body'), sentAt] : [`### ${title}`, t('notify.test.body'), `> ${sentAt}`];
  return build(opts.format, lines.join('\n'));
}
