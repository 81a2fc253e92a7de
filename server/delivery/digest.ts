import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { listHeldEvents, setEventStatus, type EventRow } from '../../db/queries/events.ts';
import { deliveries, events } from '../../db/schema.ts';
import type { Category, InboundEvent, Severity } from '../events/schema.ts';
import { renderForDelivery, type RenderSettings } from '../render/eventMessages.ts';
import { renderDigest } from '../render/templates.ts';
import { enqueueMessage } from './outbox.ts';
import { utf8Bytes } from '../wecom/messages.ts';

interface Member {
  deliveryId: number | null;
  eventId: number;
  title: string;
  severity: Severity;
  store: string | null;
  at: number;
}

function groupByCategory<T extends { category: string }>(rows: T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const r of rows) groups.set(r.category, [...(groups.get(r.category) ?? []), r]);
  return groups;
}

function digestMessage(s: RenderSettings, category: string, reason: 'storm' | 'quiet_hours', members: Member[], now: number) {
  return renderDigest({
    category: category as Category,
    reason,
    events: members.map((m) => ({ title: m.title, severity: m.severity, store: m.store, at: m.at })),
    total: members.length,
    since: Math.min(...members.map((m) => m.at)),
    until: now,
    lang: s.delivery.language,
    format: s.delivery.format,
    timeZone: s.timeZone,
  });
}

function digestSeverity(members: Member[]): Severity {
  return members.some((m) => m.severity === 'critical') ? 'critical' : members.some((m) => m.severity === 'warning') ? 'warning' : 'info';
}

/** Members already carried by a digest, for re-rendering it with newcomers. */
function digestMembers(db: Db, digestId: number): Member[] {
  return db
    .select({ eventId: events.id, title: events.title, severity: events.severity, store: events.store, at: events.receivedAt })
    .from(events)
    .where(eq(events.digestDeliveryId, digestId))
    .all()
    .map((r) => ({ ...r, deliveryId: null, severity: r.severity as Severity }));
}

/**
 * Folds members into the category's digest that is still waiting to be sent, or writes a new one.
 * One growing digest per category keeps a long storm to a few messages instead of one per round.
 * The members' own messages become `merged`; their events point at the digest.
 */
function writeDigest(db: Db, s: RenderSettings, category: string, reason: 'storm' | 'quiet_hours', members: Member[], now: number, priority: number): number {
  const waiting = db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(and(eq(deliveries.kind, 'digest'), eq(deliveries.status, 'queued'), eq(deliveries.category, category), eq(deliveries.priority, priority)))
    .orderBy(asc(deliveries.id))
    .limit(1)
    .get();
  const all = waiting ? [...digestMembers(db, waiting.id), ...members] : members;
  const message = digestMessage(s, category, reason, all, now);
  const fields = { severity: digestSeverity(all), title: `${all.length} × ${category} (${reason === 'storm' ? 'digest' : 'quiet hours'})` };
  let digestId: number;
  if (waiting) {
    digestId = waiting.id;
    const payload = JSON.stringify(message);
    db.update(deliveries).set({ ...fields, msgtype: message.msgtype, payload, bytes: utf8Bytes(payload) }).where(eq(deliveries.id, digestId)).run();
  } else {
    digestId = enqueueMessage(db, { createdAt: now, kind: 'digest', category, priority, queuedAt: now, nextAttemptAt: now, ...fields }, message);
  }
  const eventIds = [...new Set(members.map((m) => m.eventId))];
  for (let i = 0; i < eventIds.length; i += 500) {
    const chunk = eventIds.slice(i, i + 500);
    db.update(deliveries)
      .set({ status: 'merged', mergedInto: digestId })
      .where(and(inArray(deliveries.eventId, chunk), eq(deliveries.status, 'queued')))
      .run();
  }
  setEventStatus(db, eventIds, { status: 'digested', digestDeliveryId: digestId, finishedAt: null });
  return digestId;
}

function hasWaitingDigest(db: Db, category: string, priority: number): boolean {
  return !!db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(and(eq(deliveries.kind, 'digest'), eq(deliveries.status, 'queued'), eq(deliveries.category, category), eq(deliveries.priority, priority)))
    .get();
}

/** Queued alert messages (main message only, one per event) with what a digest line needs. */
function queuedAlerts(db: Db, critical: boolean): Array<Member & { category: string }> {
  return db
    .select({
      deliveryId: sql<number>`min(${deliveries.id})`,
      eventId: events.id,
      category: events.category,
      title: events.title,
      severity: events.severity,
      store: events.store,
      at: events.receivedAt,
    })
    .from(deliveries)
    .innerJoin(events, eq(deliveries.eventId, events.id))
    .where(
      and(
        eq(deliveries.status, 'queued'),
        eq(deliveries.kind, 'alert'),
        critical ? eq(deliveries.severity, 'critical') : ne(deliveries.severity, 'critical'),
      ),
    )
    .groupBy(events.id)
    .orderBy(asc(events.id))
    .all() as Array<Member & { category: string }>;
}

function countQueued(db: Db, critical?: boolean): number {
  const where =
    critical === undefined
      ? eq(deliveries.status, 'queued')
      : and(eq(deliveries.status, 'queued'), critical ? eq(deliveries.severity, 'critical') : ne(deliveries.severity, 'critical'));
  return db.select({ n: sql<number>`count(*)` }).from(deliveries).where(where).get()!.n;
}

/**
 * Storm digest: when the queue holds more than can be sent within the digest window at the allowed
 * rate, queued non-critical alerts are merged per category. Critical alerts are merged only when
 * they alone exceed what the window can carry. Returns the number of digests written.
 */
export function digestBacklog(db: Db, s: RenderSettings, capacity: number, now: number): number {
  if (countQueued(db) <= capacity) return 0;
  return db.transaction(() => {
    let written = 0;
    for (const [category, members] of groupByCategory(queuedAlerts(db, false))) {
      if (members.length < 2 && !hasWaitingDigest(db, category, 1)) continue;
      writeDigest(db, s, category, 'storm', members, now, 1);
      written++;
    }
    if (countQueued(db, true) > capacity) {
      for (const [category, members] of groupByCategory(queuedAlerts(db, true))) {
        if (members.length < 2 && !hasWaitingDigest(db, category, 0)) continue;
        writeDigest(db, s, category, 'storm', members, now, 0);
        written++;
      }
    }
    return written;
  });
}

/**
 * When quiet hours end, what they held goes out: one digest per category, or the event's own
 * message when a category held only one.
 */
export function flushHeld(db: Db, s: RenderSettings, now: number): number {
  return db.transaction(() => {
    const held = listHeldEvents(db);
    for (const [category, rows] of groupByCategory<EventRow>(held)) {
      if (rows.length === 1) {
        const row = rows[0]!;
        const event = JSON.parse(row.payload) as InboundEvent;
        renderForDelivery(event, s, { receivedAt: row.receivedAt, repeatCount: row.repeatCount }).forEach((message, i) =>
          enqueueMessage(
            db,
            {
              createdAt: now,
              kind: row.kind,
              category: row.category,
              severity: row.severity,
              priority: 1,
              title: i === 0 ? row.title : `${row.title} · ${i + 1}`,
              queuedAt: now,
              nextAttemptAt: now,
              eventId: row.id,
            },
            message,
          ),
        );
        setEventStatus(db, [row.id], { status: 'queued' });
        continue;
      }
      writeDigest(
        db,
        s,
        category,
        'quiet_hours',
        rows.map((r) => ({ deliveryId: null, eventId: r.id, title: r.title, severity: r.severity as Severity, store: r.store, at: r.receivedAt })),
        now,
        1,
      );
    }
    return held.length;
  });
}
