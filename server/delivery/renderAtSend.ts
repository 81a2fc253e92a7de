// An event's messages are rendered when the worker is about to send them, not at intake: most of a
// storm's alerts are folded into a digest and never need a text of their own, and a repeat counted
// while its message waits is rendered with its count without rewriting the row. Until then the
// event's one queued row holds no payload (UNRENDERED) and the mention decided at intake. A digest
// likewise, from the summary its folds stored: it reads in the language, format and template of
// its send, not of its last fold.
import type { Db } from '../../db/client.ts';
import type { DeliveryRow } from '../../db/queries/deliveries.ts';
import type { Category, InboundEvent } from '../events/schema.ts';
import { renderDigestForDelivery, renderEventForDelivery, sendLogUrl, type RenderSettings, type RenderedMessages } from '../render/eventMessages.ts';
import { noteJson, type TemplateNote } from '../render/messageTemplateChoice.ts';
import { parseMentionRequest } from '../rules/mentions.ts';
import { utf8Bytes, type WecomMessage } from '../wecom/messages.ts';
import { enqueueMessages, isUnrendered } from './outbox.ts';
import { DIGEST_TOP_N, parseDigestTitle, type DigestState } from './policy/fold.ts';
import { partTitle } from './policy/partTitle.ts';
import { digestLineEvents, firstMessageOf, getEvent, updateDelivery } from './store.ts';

/** A rendered message as its row stores it. */
export function messageFields(message: WecomMessage, template: TemplateNote | undefined): { msgtype: string; payload: string; bytes: number; template: string | null } {
  const payload = JSON.stringify(message);
  return { msgtype: message.msgtype, payload, bytes: utf8Bytes(payload), template: noteJson(template) };
}

/**
 * A digest's message from the summary its folds stored and what its listed members carry now (a
 * repeat counted while it waited; a task's status, a resolution: their badges), with the settings
 * as they are now. Its mentions are not in it:
 * they follow it once it is sent (worker.ts).
 */
function renderDigestQueued(db: Db, s: RenderSettings, row: DeliveryRow): RenderedMessages & { titles: string[] } {
  const state = JSON.parse(row.digestState!) as DigestState;
  const members = new Map(digestLineEvents(db, state.top.map((l) => l.eventId)).map((e) => [e.id, e]));
  const reason = parseDigestTitle(row.title)!.reason;
  const category = row.category!;
  const { message, template } = renderDigestForDelivery(
    {
      category: category as Category,
      reason,
      events: state.top.map((l) => {
        const e = members.get(l.eventId);
        return e ? { ...l, repeatCount: e.repeatCount, kind: e.kind, status: e.status ?? undefined, resolved: e.resolved === 1 } : l;
      }),
      total: state.total,
      counts: state.counts,
      since: state.since,
      until: state.until,
      lang: s.delivery.language,
      format: s.delivery.format,
      timeZone: s.timeZone,
      // "See the console for all of them": a storm's messages (alerts and task results) are in the
      // send log as merged; events held in quiet hours never had messages of their own, so there
      // the digests are listed.
      consoleUrl:
        s.publicUrl === undefined ? undefined : sendLogUrl(s.publicUrl, reason === 'storm' ? { category, status: 'merged' } : { kind: 'digest', category }),
      topN: DIGEST_TOP_N,
    },
    s.templates,
  );
  return { messages: [message], ...(template ? { template } : {}), titles: [row.title] };
}

/** A digest's row as it reads now (what a fold writes into a digest grown while it waits for a retry). */
export function renderedDigest(db: Db, s: RenderSettings, row: DeliveryRow): ReturnType<typeof messageFields> {
  const { messages, template } = renderDigestQueued(db, s, row);
  return messageFields(messages[0]!, template);
}

/**
 * An event row's or a digest's messages with the settings as they are now, and the send log's
 * title of each; undefined when its event is gone. Mentions as decided at intake (a row queued
 * before messages were rendered at their send holds none: the rules decide, as they did then).
 */
export function renderQueued(db: Db, s: RenderSettings, row: DeliveryRow): (RenderedMessages & { titles: string[] }) | undefined {
  if (row.kind === 'digest') return renderDigestQueued(db, s, row);
  const event = row.eventId === null ? undefined : getEvent(db, row.eventId);
  if (!event) return undefined;
  const e = JSON.parse(event.payload) as InboundEvent;
  const rendered = renderEventForDelivery(e, s, { receivedAt: event.receivedAt, repeatCount: event.repeatCount, eventId: event.id, mention: row.mentions === null ? undefined : parseMentionRequest(row.mentions) });
  return { ...rendered, titles: rendered.messages.map((_, i) => partTitle(event.title, i, rendered.messages.length)) };
}

/**
 * The row the worker is about to send, rendered: the first message goes into it and the others
 * (parts, a mention follow-up) are queued behind it, to go out next. Returns the row as it is now,
 * or undefined when it cannot be rendered: its event is gone (retention keeps an event while a
 * message of it waits, so only a database changed by hand gets here), and the row is dead.
 */
export function renderForSend(db: Db, s: RenderSettings, row: DeliveryRow, now: number): DeliveryRow | undefined {
  if (!isUnrendered(row)) return row;
  const rendered = renderQueued(db, s, row);
  const [first, ...rest] = rendered?.messages ?? [];
  if (!rendered || !first) {
    updateDelivery(db, row.id, { status: 'dead', failure: 'permanent', errmsg: 'its event is no longer stored', lastAttemptAt: now });
    return undefined;
  }
  const set = { ...messageFields(first, rendered.template), title: rendered.titles[0]! };
  updateDelivery(db, row.id, set);
  if (rest.length) {
    enqueueMessages(
      db,
      { kind: row.kind, category: row.category, severity: row.severity, priority: row.priority, eventId: row.eventId, template: set.template },
      rest,
      (i) => rendered.titles[i + 1]!,
      now,
    );
  }
  return { ...row, ...set };
}

/**
 * A repeat counted while its event's first message waits. Unrendered, it shows the count when it
 * is rendered; rendered already (a failed send waiting for its retry), it is rendered again with it.
 */
export function refreshRepeatCount(db: Db, s: () => RenderSettings, eventId: number): void {
  const first = firstMessageOf(db, eventId);
  if (!first || first.status !== 'queued' || isUnrendered(first)) return;
  const rendered = renderQueued(db, s(), first);
  const [message] = rendered?.messages ?? [];
  if (!message || message.msgtype !== first.msgtype) return;
  updateDelivery(db, first.id, messageFields(message, rendered!.template));
}
