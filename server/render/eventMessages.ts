import type { InboundEvent } from '../events/schema.ts';
import { mentionRequest } from '../delivery/policy/mentions.ts';
import type { DeliverySettings, Rules } from '../settings/settingsStore.ts';
import type { WecomMessage } from '../wecom/messages.ts';
import { planMentions } from './mentions.ts';
import { renderEvent } from './templates.ts';

export interface RenderSettings {
  rules: Rules;
  delivery: DeliverySettings;
  timeZone: string;
  /** The console's address (PUBLIC_URL); messages link into its send log when set. */
  publicUrl?: string;
}

/** The send log filtered as given, on the console at `publicUrl`. */
export function sendLogUrl(publicUrl: string, filter: Record<string, string | number>): string {
  return `${publicUrl}/send-log?${new URLSearchParams(Object.entries(filter).map(([k, v]) => [k, String(v)]))}`;
}

/** The messages one event becomes with the current settings (main message, parts, mention follow-up). */
export function renderForDelivery(e: InboundEvent, s: RenderSettings, at: { receivedAt: number; repeatCount?: number; eventId?: number }): WecomMessage[] {
  return renderEvent(e, {
    lang: s.delivery.language,
    format: s.delivery.format,
    timeZone: s.timeZone,
    mentions: planMentions(mentionRequest(e, s.rules), s.delivery.format),
    receivedAt: at.receivedAt,
    repeatCount: at.repeatCount,
    consoleUrl: s.publicUrl !== undefined && at.eventId !== undefined ? sendLogUrl(s.publicUrl, { event: at.eventId }) : undefined,
  });
}
