import type { InboundEvent } from '../events/schema.ts';
import { mentionRequest, type MentionRequest } from '../rules/mentions.ts';
import type { DeliverySettings, Rules, SettingsStore } from '../settings/settingsStore.ts';
import type { WecomMessage } from '../wecom/messages.ts';
import { renderDigestWithTemplate, renderEventWithTemplate } from './messageTemplateRender.ts';
import { planMentions } from './mentionPlacement.ts';
import { renderWithTemplate, templateKindOf, type MessageTemplateSet, type TemplateNote } from './messageTemplateChoice.ts';
import { renderDigest, renderEvent, type DigestInput, type RenderOptions } from './builtInRender.ts';

export interface RenderSettings {
  rules: Rules;
  delivery: DeliverySettings;
  timeZone: string;
  /** The console's address (PUBLIC_URL); messages link into its send log when set. */
  publicUrl?: string;
  /** Custom message templates; the built-in renders whatever none covers. */
  templates: MessageTemplateSet;
}

/** The settings as they are now, for rendering. */
export function currentRenderSettings(settings: SettingsStore, publicUrl: string | undefined): RenderSettings {
  return { rules: settings.rules(), delivery: settings.delivery(), timeZone: settings.general().timeZone, publicUrl, templates: settings.templates() };
}

/** The send log filtered as given, on the console at `publicUrl`. */
export function sendLogUrl(publicUrl: string, filter: Record<string, string | number>): string {
  return `${publicUrl}/send-log?${new URLSearchParams(Object.entries(filter).map(([k, v]) => [k, String(v)]))}`;
}

export type RenderedMessages = {
  messages: WecomMessage[];
  /** Which custom template rendered them, or why it failed and the built-in was used. */
  template?: TemplateNote;
};

/** `mention`: the engine's decision of whom the message mentions (previews leave it to the rules). */
type At = { receivedAt: number; repeatCount?: number; eventId?: number; mention?: MentionRequest };

function renderOptions(e: InboundEvent, s: RenderSettings, at: At): RenderOptions {
  return {
    lang: s.delivery.language,
    format: s.delivery.format,
    timeZone: s.timeZone,
    mentions: planMentions(at.mention ?? mentionRequest(e, s.rules), s.delivery.format),
    receivedAt: at.receivedAt,
    repeatCount: at.repeatCount,
    consoleUrl: s.publicUrl !== undefined && at.eventId !== undefined ? sendLogUrl(s.publicUrl, { event: at.eventId }) : undefined,
  };
}

/** The messages one event becomes with the current settings and templates, and which template made them. */
export function renderEventForDelivery(e: InboundEvent, s: RenderSettings, at: At): RenderedMessages {
  const opts = renderOptions(e, s, at);
  if (e.kind === 'metric' || e.kind === 'report') return { messages: renderEvent(e, opts) };
  const { value, note } = renderWithTemplate(
    s.templates,
    { kind: templateKindOf(e), category: e.category, lang: opts.lang },
    (kind, body) => renderEventWithTemplate(e, opts, kind, body),
    () => renderEvent(e, opts),
  );
  return { messages: value, ...(note ? { template: note } : {}) };
}

/** The messages one event becomes with the current settings (main message, parts, mention follow-up). */
export function renderForDelivery(e: InboundEvent, s: RenderSettings, at: At): WecomMessage[] {
  return renderEventForDelivery(e, s, at).messages;
}

/** A digest with the current templates: the custom digest template for its category, else the built-in. */
export function renderDigestForDelivery(input: DigestInput, templates: MessageTemplateSet): { message: WecomMessage; template?: TemplateNote } {
  const { value, note } = renderWithTemplate(
    templates,
    { kind: 'digest', category: input.category === 'mixed' ? '' : input.category, lang: input.lang },
    (_kind, body) => renderDigestWithTemplate(input, body),
    () => renderDigest(input),
  );
  return { message: value, ...(note ? { template: note } : {}) };
}
