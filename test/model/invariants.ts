// The promises the delivery engine keeps (SPEC "Semantics the engine keeps", issue 11), checked
// against the engine's database, its /metrics and what the fake WeCom received. Each check returns
// the violations it found, as lines naming the event or delivery; the caller decides what fails.
import type { FakeCall } from '../fakeWecom.ts';
import { parsePrometheus, sampleSum } from '../helpers/prometheus.ts';
import { mentionsOf } from './messageMentions.ts';
import { IDEMPOTENCY_WINDOW_MS, isQuietAt, requiredMentions, SEVERITY_RANK, type Model, type Severity } from './model.ts';
import type { Rig } from './rig.ts';

export const INVARIANTS = [
  'states',
  'escalation',
  'mention_reaches',
  'mention_once',
  'rate_limit',
  'wait_after_45009',
  'channel_invalid',
  'retention',
  'send_log',
  'metrics',
  'test_not_requeued',
  'render_at_send',
  'progress',
  'event_order',
  'backlog',
  'ends',
] as const;
export type Invariant = (typeof INVARIANTS)[number];
export type Violations = Partial<Record<Invariant, string[]>>;

interface EventRow {
  id: number;
  kind: string;
  status: string;
  reason: string | null;
  severity: Severity;
  duplicate_of: number | null;
  received_at: number;
  digest_delivery_id: number | null;
  finished_at: number | null;
  /** A task result's outcome. */
  task_status: string | null;
}

interface DeliveryRow {
  id: number;
  kind: string;
  status: string;
  priority: number;
  event_id: number | null;
  /** A set of messages with no event (a report run's, a re-split digest's parts): they go in order too. */
  set_id: number | null;
  split_from: number | null;
  merged_into: number | null;
  payload: string;
  attempts: number;
}

export interface Snapshot {
  events: Map<number, EventRow>;
  deliveries: DeliveryRow[];
  byId: Map<number, DeliveryRow>;
  channel: string | undefined;
  trueNow: number;
}

const FINAL_EVENT = new Set(['sent', 'digested', 'suppressed', 'dead', 'stored']);
const INVALID_ERRCODES = new Set([93000, 93004, 93008]);
const WINDOW_MS = 60_000;
/** The model's dedupe window when dedupe is on (commands.ts: 0 or 10 minutes). */
const DEDUPE_WINDOW_MS = 10 * 60_000;

export function snapshot(rig: Rig): Snapshot {
  const sqlite = rig.app.deps.db.$client;
  const events = sqlite
    .prepare(`SELECT id, kind, status, reason, severity, duplicate_of, received_at, digest_delivery_id, finished_at, json_extract(payload, '$.status') AS task_status FROM events`)
    .all() as EventRow[];
  const deliveries = sqlite
    .prepare('SELECT id, kind, status, priority, event_id, set_id, split_from, merged_into, payload, attempts FROM deliveries ORDER BY id')
    .all() as DeliveryRow[];
  const channel = (sqlite.prepare('SELECT status FROM channel').get() as { status: string } | undefined)?.status;
  return { events: new Map(events.map((e) => [e.id, e])), deliveries, byId: new Map(deliveries.map((d) => [d.id, d])), channel, trueNow: rig.clock.wecom.now() };
}

/** The rows a message went out as: itself, or the parts a 40058 re-split it into (which were sent instead). */
function leaves(s: Snapshot, root: DeliveryRow): DeliveryRow[] {
  const parts = s.deliveries.filter((d) => d.split_from === root.id);
  return root.status === 'merged' && parts.length ? parts.flatMap((p) => leaves(s, p)) : [root];
}

type Outcome = 'sent' | 'dead' | 'pending';
function outcomeOf(rows: DeliveryRow[]): Outcome {
  if (!rows.length || rows.some((r) => r.status === 'queued' || r.status === 'sending')) return 'pending';
  return rows.some((r) => r.status === 'dead') ? 'dead' : rows.every((r) => r.status === 'sent') ? 'sent' : 'pending';
}

/** An event's own messages (not those folded into a digest), as sent. */
function ownLeaves(s: Snapshot, eventId: number): DeliveryRow[] {
  return s.deliveries.filter((d) => d.event_id === eventId && d.split_from === null && d.merged_into === null).flatMap((d) => leaves(s, d));
}

function digestLeaves(s: Snapshot, e: EventRow): DeliveryRow[] | undefined {
  const digest = e.digest_delivery_id === null ? undefined : s.byId.get(e.digest_delivery_id);
  return digest && leaves(s, digest);
}

/**
 * Whether housekeeping may have pruned this event's messages: it was final at the last check and
 * arrived before the latest run's cutoff (its messages were created no earlier than it arrived).
 * The event itself stays for the idempotency window; the retention check covers its deletion.
 */
function mayBePruned(m: Model, id: number): boolean {
  const a = m.accepted.get(id);
  return a?.seen?.final === true && a.trueAt < m.rowsPrunableBefore;
}

/** Whether the event reached its end: for a digested one, its digest was sent or died (or was pruned after that). */
function isFinal(m: Model, s: Snapshot, e: EventRow): boolean {
  if (!FINAL_EVENT.has(e.status)) return false;
  if (e.status !== 'digested') return true;
  const rows = digestLeaves(s, e);
  return rows === undefined ? mayBePruned(m, e.id) : outcomeOf(rows) !== 'pending';
}

/** The messages that carried a delivered event to WeCom, or undefined while it is not delivered. */
function deliveredAs(s: Snapshot, e: EventRow): DeliveryRow[] | undefined {
  if (e.status === 'sent') {
    const own = ownLeaves(s, e.id);
    // None left: pruned after it was sent (checkStates tells pruning from loss).
    return own.length ? own.filter((d) => d.status === 'sent') : undefined;
  }
  if (e.status === 'digested') {
    const rows = digestLeaves(s, e);
    if (!rows || outcomeOf(rows) !== 'sent') return undefined;
    // The members' mentions go out in a follow-up the engine queues once the digest is sent.
    // Like an event's own follow-up, it counts once it was sent.
    const followUps = s.deliveries.filter((d) => d.kind === 'mention' && d.merged_into === e.digest_delivery_id).flatMap((d) => leaves(s, d));
    return followUps.length && outcomeOf(followUps) !== 'sent' ? undefined : [...rows, ...followUps];
  }
  return undefined;
}

export function checkStates(m: Model, s: Snapshot, applianceNow: number): string[] {
  const out: string[] = [];
  for (const id of m.accepted.keys()) {
    const e = s.events.get(id);
    if (!e) continue; // deletion is the retention check's
    const own = ownLeaves(s, id);
    if (!['queued', 'held', ...FINAL_EVENT].includes(e.status)) out.push(`event ${id} has status ${e.status}`);
    if (e.status === 'suppressed' && !e.reason) out.push(`event ${id} suppressed without a reason`);
    const pruned = own.length === 0 && mayBePruned(m, id);
    if (e.status === 'digested' && !digestLeaves(s, e) && !pruned) out.push(`event ${id} digested into a digest that does not exist`);
    // A member dies with its digest only: a digest retried by hand reopens every member before it goes out again.
    const digestRows = e.status === 'dead' ? digestLeaves(s, e) : undefined;
    if (digestRows && outcomeOf(digestRows) !== 'dead') out.push(`event ${id} dead while its digest #${e.digest_delivery_id} is ${outcomeOf(digestRows)}`);
    if (e.status === 'queued' && outcomeOf(own) !== 'pending') out.push(`event ${id} queued with no message waiting`);
    if (e.status === 'sent' && outcomeOf(own) !== 'sent' && !pruned) out.push(`event ${id} sent but its messages are ${own.map((d) => d.status).join(',') || 'missing'}`);
    if (e.status === 'held' && !isQuietAt(m, applianceNow)) out.push(`event ${id} still held after quiet hours ended`);
  }
  return out;
}

/**
 * A higher severity is never a repeat of a lower one nor of a dead original, and a repeat's original
 * was received inside the window before it by the appliance's clock (one stamped later, before a
 * backward step, is nobody's original); critical is never held and goes out at top priority.
 */
export function checkEscalation(m: Model, s: Snapshot, newIds: number[]): string[] {
  const out: string[] = [];
  for (const id of newIds) {
    const e = s.events.get(id);
    if (!e || e.duplicate_of === null) continue;
    const original = s.events.get(e.duplicate_of);
    const before = m.accepted.get(e.duplicate_of)?.seen?.status;
    if (original && SEVERITY_RANK[original.severity] < SEVERITY_RANK[e.severity]) {
      out.push(`event ${id} (${e.severity}) counted as a repeat of event ${original.id} (${original.severity})`);
    }
    if (before === 'dead') out.push(`event ${id} counted as a repeat of event ${e.duplicate_of}, whose message was dead`);
    if (original && e.kind === 'task_result' && original.task_status !== e.task_status) {
      out.push(`task result ${id} (${e.task_status}) counted as a repeat of event ${original.id} (${original.task_status}): a changed outcome is news`);
    }
    if (original && !(original.received_at <= e.received_at && e.received_at - original.received_at < DEDUPE_WINDOW_MS)) {
      out.push(`event ${id} received at ${e.received_at} counted as a repeat of event ${original.id} received at ${original.received_at}`);
    }
  }
  for (const id of m.accepted.keys()) {
    const e = s.events.get(id);
    if (!e || e.severity !== 'critical') continue;
    if (e.status === 'held') out.push(`critical event ${id} held for quiet hours`);
    const rows = deliveredAs(s, e);
    if (rows?.some((d) => d.priority !== 0)) out.push(`critical event ${id} went out at priority ${rows.map((d) => d.priority).join(',')}`);
  }
  return out;
}

/** Every requested mention reaches WeCom in the message set that carried the event; none twice in one set. */
export function checkMentions(m: Model, s: Snapshot): { reaches: string[]; once: string[] } {
  const reaches: string[] = [];
  const once: string[] = [];
  const setsChecked = new Set<string>();
  for (const [id, accepted] of m.accepted) {
    const e = s.events.get(id);
    const rows = e && deliveredAs(s, e);
    if (!e || !rows) continue;
    const pinged = rows.flatMap((d) => mentionsOf(d.payload));
    // @all pings everyone in the group, so it carries any user a merged digest's member asked for.
    const missing = pinged.includes('@all') ? [] : requiredMentions(accepted).filter((t) => !pinged.includes(t));
    if (missing.length) reaches.push(`event ${id} (${e.status}) asked for ${missing.join(', ')}; its messages ${rows.map((d) => `#${d.id}`).join(' ')} carry ${pinged.join(', ') || 'none'}`);
    const setKey = rows.map((d) => d.id).join(',');
    if (setsChecked.has(setKey)) continue;
    setsChecked.add(setKey);
    const twice = [...new Set(pinged.filter((t, i) => pinged.indexOf(t) !== i))];
    if (twice.length) once.push(`messages ${rows.map((d) => `#${d.id}`).join(' ')} ping ${twice.join(', ')} more than once`);
  }
  return { reaches, once };
}

/**
 * A process knows a forward step of the wall clock only while it runs: one restarted within a
 * window of the step reads the sends and the 45009 before it from the send log by their wall
 * times, which the step made look older than they are (docs/delivery-semantics.md).
 */
function forwardThenRestart(m: Model, from: number, to: number): boolean {
  return m.crashes.some((c) => c >= from && c <= to && m.stepForwards.some((f) => f > c - WINDOW_MS && f <= c));
}

export function checkRate(m: Model, calls: FakeCall[]): { limit: string[]; after45009: string[] } {
  const limit: string[] = [];
  const after45009: string[] = [];
  let start = 0;
  for (let i = 0; i < calls.length; i++) {
    while (calls[i]!.at - calls[start]!.at >= WINDOW_MS) start++;
    if (i - start + 1 > m.rateLimit && !forwardThenRestart(m, calls[start]!.at, calls[i]!.at)) {
      limit.push(`${i - start + 1} calls within 60 s ending at call #${i} (limit ${m.rateLimit})`);
      break;
    }
  }
  calls.forEach((c, i) => {
    if (c.answer !== 45009) return;
    const next = calls.findIndex((d, j) => j > i && d.at < c.at + WINDOW_MS);
    if (next !== -1 && !forwardThenRestart(m, c.at, calls[next]!.at)) after45009.push(`call #${next} came ${(calls[next]!.at - c.at) / 1000} s after the 45009 answer to call #${i}`);
  });
  return { limit, after45009: after45009.slice(0, 3) };
}

/** Invalid only because WeCom said so for the key in use now. */
export function checkChannel(m: Model, s: Snapshot, calls: FakeCall[], keyOf: (bot: number) => string): string[] {
  if (s.channel !== 'invalid') return [];
  const key = m.current === null ? undefined : keyOf(m.current);
  const proof = calls.slice(m.connectedAtCall).some((c) => c.key === key && typeof c.answer === 'number' && INVALID_ERRCODES.has(c.answer));
  return proof ? [] : [`channel marked invalid, but WeCom never refused bot #${m.current} since it was connected`];
}

/** Nothing is deleted before it is final and the idempotency window has passed. */
export function checkRetention(m: Model, s: Snapshot): string[] {
  const out: string[] = [];
  for (const [id, a] of m.accepted) {
    if (s.events.has(id) || !a.seen) continue;
    if (!a.seen.final) out.push(`event ${id} deleted while ${a.seen.status}${a.seen.status === 'digested' ? ' (its digest not sent yet)' : ''}`);
    if (s.trueNow - a.trueAt < IDEMPOTENCY_WINDOW_MS - m.aheadMs) out.push(`event ${id} deleted ${((s.trueNow - a.trueAt) / 86_400_000).toFixed(1)} days after it arrived, inside the 7-day idempotency window`);
  }
  return out;
}

/**
 * The send log's sent rows are exactly what WeCom received. Only a crash, or an answer the client
 * never heard (it timed out after WeCom had acted), may add a duplicate.
 */
export function checkSendLog(m: Model, s: Snapshot, received: Array<{ body: Record<string, unknown> }>, calls: FakeCall[]): string[] {
  for (const d of s.deliveries) if (d.status === 'sent') m.sentRows.set(d.id, d.payload);
  const logged = new Map<string, number>();
  for (const p of m.sentRows.values()) logged.set(p, (logged.get(p) ?? 0) + 1);
  const got = new Map<string, number>();
  for (const r of received) {
    const p = JSON.stringify(r.body);
    got.set(p, (got.get(p) ?? 0) + 1);
  }
  const out: string[] = [];
  const extra: string[] = [];
  for (const [p, n] of logged) if ((got.get(p) ?? 0) < n) out.push(`send log shows ${n} sent of a message WeCom received ${got.get(p) ?? 0} times: ${p.slice(0, 120)}`);
  for (const [p, n] of got) for (let i = logged.get(p) ?? 0; i < n; i++) extra.push(p);
  const unheard = calls.filter((c) => c.unheard && c.answer === 0).length;
  if (extra.length > m.crashes.length + unheard) {
    out.push(`WeCom received ${extra.length} messages more than the send log shows as sent, after ${m.crashes.length} crashes and ${unheard} unheard answers, e.g. ${extra[0]!.slice(0, 160)}`);
  }
  return out;
}

/** /metrics tells what this process sent and heard, the same as the fake WeCom recorded. */
export async function checkMetrics(rig: Rig, s: Snapshot): Promise<string[]> {
  const families = parsePrometheus(await (await fetch(`${rig.app.url}/metrics`)).text());
  const calls = rig.fake.calls.slice(rig.callsAtStart);
  const out: string[] = [];
  const errcodes = new Map<number, number>();
  for (const c of calls) if (typeof c.answer === 'number' && !c.unheard) errcodes.set(c.answer, (errcodes.get(c.answer) ?? 0) + 1);
  const shown = families.get('notifier_wecom_responses_total')?.samples ?? [];
  for (const code of new Set([...errcodes.keys(), ...shown.map((x) => Number(x.labels.errcode))])) {
    const metric = sampleSum(families, 'notifier_wecom_responses_total', { errcode: String(code) });
    if (metric !== (errcodes.get(code) ?? 0)) out.push(`/metrics shows ${metric} answers with errcode ${code}, WeCom gave ${errcodes.get(code) ?? 0}`);
  }
  const unanswered = calls.filter((c) => typeof c.answer !== 'number' || c.unheard).length;
  const transport = sampleSum(families, 'notifier_wecom_transport_failures_total');
  if (transport !== unanswered) out.push(`/metrics shows ${transport} calls without an answer, WeCom left ${unanswered} unanswered`);
  const sentRows = s.deliveries.filter((d) => d.status === 'sent').length;
  const sentMetric = sampleSum(families, 'notifier_deliveries', { status: 'sent' });
  if (sentMetric !== sentRows) out.push(`/metrics shows ${sentMetric} sent deliveries, the send log ${sentRows}`);
  return out;
}

/**
 * An event's message is rendered when it is about to be sent, not before: every row WeCom was
 * (or is being) sent holds its payload, and the messages of an event folded into a digest before
 * any of them was tried hold none, so a storm's folded alerts cost no rendering. An event's
 * messages are rendered together when its first is sent: a mention follow-up or a later part
 * holds its payload, untried, when the first was refused (45009) and the event folded after.
 */
export function checkRendering(s: Snapshot): string[] {
  const out: string[] = [];
  const tried = new Set(s.deliveries.filter((d) => d.attempts > 0 && d.event_id !== null).map((d) => d.event_id));
  for (const d of s.deliveries) {
    if (d.payload === '' && (d.status === 'sent' || d.status === 'sending' || d.attempts > 0)) out.push(`delivery #${d.id} (${d.status}, ${d.attempts} attempts) was tried with no payload`);
    const neverTried = d.status === 'merged' && d.event_id !== null && !tried.has(d.event_id) && d.split_from === null;
    if (neverTried && d.payload !== '') out.push(`event ${d.event_id}'s message #${d.id} was rendered though it was folded before it was sent`);
  }
  return out;
}

/** Connect and test messages are answered while the admin waits; a restart never sends them later. */
export function checkTestMessages(s: Snapshot): string[] {
  return s.deliveries.filter((d) => d.kind === 'test' && (d.status === 'queued' || d.attempts > 1)).map((d) => `test message #${d.id} was queued again (${d.status}, ${d.attempts} attempts)`);
}

/** An event's messages in the order the group reads them: a re-split part stands where its message stood. */
function eventOrder(d: DeliveryRow): [number, number] {
  return [d.split_from ?? d.id, d.id];
}

function before(a: DeliveryRow, b: DeliveryRow): boolean {
  const [a1, a2] = eventOrder(a);
  const [b1, b2] = eventOrder(b);
  return a1 < b1 || (a1 === b1 && a2 < b2);
}

/** Two messages of one event, or of one set (a re-split digest's parts), which reach the group in order. */
function sameSet(a: DeliveryRow, b: DeliveryRow): boolean {
  return (a.event_id !== null && a.event_id === b.event_id) || (a.set_id !== null && a.set_id === b.set_id);
}

/** A message that waits for an earlier one of its event or set, still queued (for its retry). */
function waitsBehind(s: Snapshot, d: DeliveryRow): boolean {
  return s.deliveries.some((o) => sameSet(o, d) && o.status === 'queued' && before(o, d));
}

/**
 * An event's messages reach the group in order: none is sent while an earlier one of its event
 * still waits in the queue (part 2 before part 1, an @all before its alert). A message the admin
 * retried by hand (or a part of one) went dead first and may follow what came after it.
 */
export function checkEventOrder(m: Model, s: Snapshot): string[] {
  const out: string[] = [];
  for (const d of s.deliveries) {
    if (d.status !== 'sent' || (d.event_id === null && d.set_id === null)) continue;
    const earlier = s.deliveries.find(
      (o) => sameSet(o, d) && o.status === 'queued' && before(o, d) && !m.retriedByHand.has(o.id) && !(o.split_from !== null && m.retriedByHand.has(o.split_from)),
    );
    if (earlier) out.push(`${d.event_id !== null ? `event ${d.event_id}` : `set ${d.set_id}`}: message #${d.id} was sent while its earlier message #${earlier.id} still waits`);
  }
  return out;
}

/**
 * With WeCom healthy and its window free, nothing that was never tried waits (but behind an
 * earlier message of its event, waiting for its retry): a backward clock
 * step must not hold the queue for the size of the step. Not checked in the window after a crash:
 * the restarted process counts calls cut off by it and every attempt of a retried row at its last
 * one (a row keeps one attempt time), so it may wait up to that window rather than risk going over
 * the limit. Nor in the window after a backward step: the limiter counts what it had recorded
 * "in the future" (a send, a 45009's block) from the moment of the step, at most one window.
 */
export function checkProgress(m: Model, s: Snapshot, calls: FakeCall[], wecomHealthy: boolean): string[] {
  if (s.channel !== 'connected' || !wecomHealthy) return [];
  const recent = calls.filter((c) => c.at > s.trueNow - WINDOW_MS);
  if (recent.some((c) => c.answer === 45009)) return [];
  if ([...m.crashes, ...m.stepBacks].some((t) => t > s.trueNow - WINDOW_MS)) return [];
  if (recent.length >= m.rateLimit) return [];
  const waiting = s.deliveries.filter((d) => d.status === 'queued' && d.attempts === 0 && !waitsBehind(s, d));
  return waiting.length ? [`${waiting.length} messages never tried are still queued (#${waiting[0]!.id}…) while WeCom is healthy and only ${recent.length} of ${m.rateLimit} calls were made in the last 60 s`] : [];
}

/** A storm is folded: after time passed, no more non-critical alerts and task results wait than the window can carry. */
export function checkBacklog(m: Model, s: Snapshot, wecomHealthy: boolean, categories: number): string[] {
  if (!m.clockMoved || s.channel !== 'connected' || !wecomHealthy) return [];
  const waiting = new Set(
    s.deliveries.filter((d) => d.status === 'queued' && d.priority !== 0 && (d.kind === 'alert' || d.kind === 'task_result') && d.event_id !== null).map((d) => d.event_id),
  );
  const bound = m.rateLimit + categories;
  return waiting.size > bound ? [`${waiting.size} non-critical alerts and task results wait unfolded (the window carries ${m.rateLimit})`] : [];
}

/** After the final drain: every accepted event that is still stored is final, and the engine says so. */
export function checkEnds(m: Model, s: Snapshot): string[] {
  const out: string[] = [];
  for (const id of m.accepted.keys()) {
    const e = s.events.get(id);
    if (!e) continue;
    if (!isFinal(m, s, e)) out.push(`event ${id} never ended: ${e.status}${e.status === 'digested' ? ` into a digest that is ${digestLeaves(s, e)?.map((d) => d.status).join(',')}` : ''}`);
    else if (e.status !== 'stored' && e.status !== 'suppressed' && e.finished_at === null) out.push(`event ${id} is ${e.status} but the engine never recorded it as finished`);
  }
  return out;
}

/** Records how every accepted event looks now, for the next command's checks. */
export function remember(m: Model, s: Snapshot): void {
  for (const [id, a] of m.accepted) {
    const e = s.events.get(id);
    if (e) a.seen = { status: e.status, final: isFinal(m, s, e) };
  }
}
