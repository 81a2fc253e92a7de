// The commands fast-check strings together: what StoreClaw, Alertmanager, WeCom, the admin, the
// wall clock and the power switch can do to the appliance. Each one acts through the appliance's
// own doors (HTTP API, console forms, its settings store and scheduler), lets the engine settle,
// and has every invariant checked.
import fc from 'fast-check';
import { crashAndRestart, consolePost, postJson, sendableQueued, settle, signedIn, type Rig } from './rig.ts';
import {
  checkBacklog,
  checkChannel,
  checkEscalation,
  checkMentions,
  checkMetrics,
  checkEventOrder,
  checkProgress,
  checkRate,
  checkRetention,
  checkSendLog,
  checkStates,
  checkRendering,
  checkTestMessages,
  remember,
  snapshot,
  type Invariant,
} from './invariants.ts';
import {
  IDEMPOTENCY_WINDOW_MS,
  isQuietAt,
  ownMentions,
  RULE_LIST_TARGET,
  ruleMentions,
  shanghaiMinute,
  type EventSpec,
  type Model,
  type Rules,
  type Severity,
} from './model.ts';
import { sleep } from '../helpers/random.ts';

export interface Real {
  rig: Rig;
  /** Hands violations to the test, which fails on any. */
  report(invariant: Invariant, lines: string[]): void;
  /** The webhook key of bot n (never printed: commands and reports name bots by number). */
  keyOf(bot: number): string;
}

type ModelCommand = fc.AsyncCommand<Model, Real, false>;

export const CATEGORIES = ['inventory', 'orders', 'ads'] as const;
// The last title is long enough that ten of them make a digest WeCom may refuse as too long (40058).
const TITLES = ['SKU-7 库存告急', '订单同步失败', 'Ad spend spike', `华东仓补货延迟：${'杭州、宁波、温州各门店'.repeat(17)}`] as const;
const STORES = ['杭州旗舰店', 'Shenzhen outlet', undefined] as const;
// Long enough that a forced 40058 makes the engine re-split the message into parts.
const LONG_SUMMARY = '库存明细：' + '仓库A区货架缺货，'.repeat(220);

const severityArb = fc.constantFrom<Severity>('info', 'warning', 'critical');
const mentionArb = fc.constantFrom<EventSpec['mention']>('none', 'none', 'all', ['zhangsan'], ['13800138000'], ['lisi', 'zhangsan']);

export const eventSpecArb: fc.Arbitrary<EventSpec> = fc.record({
  kind: fc.constantFrom<EventSpec['kind']>('alert', 'alert', 'alert', 'task_result', 'task_result', 'report', 'metric'),
  category: fc.constantFrom(...CATEGORIES),
  severity: severityArb,
  title: fc.constantFrom(...TITLES),
  store: fc.constantFrom(...STORES),
  mention: mentionArb,
  idempotencyKey: fc.constantFrom(undefined, undefined, undefined, 'idem-1', 'idem-2'),
  long: fc.constantFrom(false, false, false, false, true),
  taskStatus: fc.constantFrom<EventSpec['taskStatus']>('failed', 'failed', 'succeeded', 'partial'),
});

function bodyOf(spec: EventSpec): Record<string, unknown> {
  const common = {
    category: spec.category,
    severity: spec.severity,
    ...(spec.store !== undefined && { store: spec.store }),
    mention: spec.mention,
    ...(spec.idempotencyKey !== undefined && { idempotency_key: spec.idempotencyKey }),
    ...(spec.long && { summary: LONG_SUMMARY }),
  };
  if (spec.kind === 'task_result') return { kind: 'task_result', ...common, title: spec.title, task_name: 'sync-inventory', status: spec.taskStatus ?? 'failed' };
  if (spec.kind === 'metric') return { kind: 'metric', ...common, name: 'stock_level', value: 3 };
  return { kind: spec.kind, ...common, title: spec.title };
}

/** Lets the engine settle, then checks every invariant and remembers how each event looks. */
export async function afterCommand(m: Model, r: Real, newIds: number[] = []): Promise<void> {
  const { rig } = r;
  m.commands++;
  const applianceNow = rig.clock.appliance.now();
  await settle(rig, isQuietAt(m, applianceNow));
  const s = snapshot(rig);
  const calls = rig.fake.calls;
  const healthy = !rig.fake.failureArmed();
  r.report('states', checkStates(m, s, applianceNow));
  r.report('escalation', checkEscalation(m, s, newIds));
  const mentions = checkMentions(m, s);
  r.report('mention_reaches', mentions.reaches);
  r.report('mention_once', mentions.once);
  const rate = checkRate(m, calls);
  r.report('rate_limit', rate.limit);
  r.report('wait_after_45009', rate.after45009);
  r.report('channel_invalid', checkChannel(m, s, calls, r.keyOf));
  r.report('retention', checkRetention(m, s));
  r.report('send_log', checkSendLog(m, s, rig.fake.received, calls));
  r.report('metrics', await checkMetrics(rig, s));
  r.report('test_not_requeued', checkTestMessages(s));
  r.report('render_at_send', checkRendering(s));
  r.report('progress', checkProgress(m, s, calls, healthy));
  r.report('event_order', checkEventOrder(m, s));
  r.report('backlog', checkBacklog(m, s, healthy, CATEGORIES.length));
  remember(m, s);
  m.clockMoved = false;
}

/** Books an accepted event into the model, or checks an idempotent answer against the first one. */
function book(m: Model, r: Real, a: { id: number; repeated: boolean }, spec: { severity: Severity; mention: EventSpec['mention']; idempotencyKey?: string }, newIds: number[]) {
  const now = r.rig.clock.wecom.now();
  const first = spec.idempotencyKey === undefined ? undefined : m.idempotency.get(spec.idempotencyKey);
  const firstLive = first && now - first.trueAt < IDEMPOTENCY_WINDOW_MS ? first : undefined;
  if (a.repeated) {
    if (firstLive && firstLive.id !== a.id) r.report('states', [`idempotency_key ${spec.idempotencyKey} answered with event ${a.id}, the first was ${firstLive.id}`]);
    return;
  }
  // The appliance measures the window on its wall clock, which a forward step moves ahead of true time.
  if (firstLive && now - firstLive.trueAt < IDEMPOTENCY_WINDOW_MS - m.aheadMs) {
    r.report('retention', [`idempotency_key ${spec.idempotencyKey} replayed ${((now - firstLive.trueAt) / 86_400_000).toFixed(1)} days after event ${firstLive.id} was accepted again as event ${a.id}`]);
  }
  if (spec.idempotencyKey !== undefined) m.idempotency.set(spec.idempotencyKey, { id: a.id, trueAt: now });
  m.accepted.set(a.id, { id: a.id, severity: spec.severity, own: ownMentions(spec.mention), ruleAsked: ruleMentions(spec.severity, m.rules), trueAt: now });
  newIds.push(a.id);
}

async function postEvents(m: Model, r: Real, specs: EventSpec[]): Promise<number[]> {
  const newIds: number[] = [];
  for (const spec of specs) {
    const res = await postJson(r.rig, '/api/v1/events', bodyOf(spec));
    if (res.status !== 202 && res.status !== 200) throw new Error(`POST /api/v1/events answered ${res.status}: ${res.text}`);
    book(m, r, { id: res.json.id as number, repeated: res.status === 200 }, spec, newIds);
  }
  return newIds;
}

const specLabel = (s: EventSpec) =>
  `${s.kind}/${s.category}/${s.severity} "${s.title}"${s.store ? ` @${s.store}` : ''}${s.mention !== 'none' ? ` mention=${JSON.stringify(s.mention)}` : ''}${s.idempotencyKey ? ` key=${s.idempotencyKey}` : ''}${s.long ? ' long' : ''}${s.kind === 'task_result' ? ` ${s.taskStatus ?? 'failed'}` : ''}`;

class Post implements ModelCommand {
  constructor(readonly specs: EventSpec[]) {}
  check = () => true;
  async run(m: Model, r: Real) {
    await afterCommand(m, r, await postEvents(m, r, this.specs));
  }
  toString = () => (this.specs.length === 1 ? `post ${specLabel(this.specs[0]!)}` : `burst of ${this.specs.length}: ${this.specs.map(specLabel).join(' | ')}`);
}

interface AmAlert {
  alertname: (typeof TITLES)[number];
  severity: 'warning' | 'critical';
  category: (typeof CATEGORIES)[number];
  store: string;
}

class Alertmanager implements ModelCommand {
  constructor(readonly status: 'firing' | 'resolved', readonly alerts: AmAlert[]) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const body = {
      version: '4',
      status: this.status,
      receiver: 'storeclaw',
      alerts: this.alerts.map((a) => ({
        status: this.status,
        labels: { alertname: a.alertname, severity: a.severity, category: a.category, store: a.store },
        annotations: { summary: `${a.alertname} at ${a.store}` },
        startsAt: '2026-06-01T00:00:00Z',
        // Alertmanager's fingerprint hashes the label set: a new severity is a new alert.
        fingerprint: `${a.alertname}|${a.store}|${a.severity}`,
      })),
    };
    const res = await postJson(r.rig, '/api/v1/alertmanager', body);
    if (res.status !== 202) throw new Error(`POST /api/v1/alertmanager answered ${res.status}: ${res.text}`);
    const answers = res.json.events as Array<{ id: number; duplicate?: boolean }>;
    const newIds: number[] = [];
    answers.forEach((a, i) => {
      const alert = this.alerts[i]!;
      book(m, r, { id: a.id, repeated: a.duplicate === true }, { severity: alert.severity, mention: 'none' }, newIds);
    });
    await afterCommand(m, r, newIds);
  }
  toString = () => `alertmanager ${this.status}: ${this.alerts.map((a) => `${a.alertname}/${a.severity}@${a.store}`).join(', ')}`;
}

class Advance implements ModelCommand {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    r.rig.clock.advance(this.ms);
    m.clockMoved = true;
    await afterCommand(m, r);
  }
  toString = () => `advance ${this.ms / 1000} s`;
}

class StepBack implements ModelCommand {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    r.rig.clock.stepBack(this.ms);
    m.stepBacks.push(r.rig.clock.wecom.now());
    await afterCommand(m, r);
  }
  toString = () => `wall clock steps back ${this.ms / 1000} s`;
}

class StepForward implements ModelCommand {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    r.rig.clock.stepForward(this.ms);
    m.stepForwards.push(r.rig.clock.wecom.now());
    m.aheadMs += this.ms;
    m.clockMoved = true;
    await afterCommand(m, r);
  }
  toString = () => `wall clock steps forward ${this.ms / 1000} s`;
}

export type WecomBehaviour = 'ok' | '45009' | '93000' | '40058' | '40008' | '500' | 'timeout' | 'reset';

class Wecom implements ModelCommand {
  constructor(readonly behaviour: WecomBehaviour, readonly times: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const fake = r.rig.fake;
    const times = this.times;
    if (this.behaviour === 'ok') fake.setFailure(null);
    else if (this.behaviour === '500') fake.setFailure('http500', { times });
    else if (this.behaviour === 'timeout') fake.setFailure('hang', { times });
    else if (this.behaviour === 'reset') fake.setFailure('reset', { times });
    else fake.setFailure('errcode', { errcode: Number(this.behaviour), errmsg: `forced ${this.behaviour}`, times });
    await afterCommand(m, r);
  }
  toString = () => `WeCom answers ${this.behaviour}${this.behaviour === 'ok' ? '' : ` ×${this.times}`}`;
}

/** The admin creates a new bot in WeCom and pastes its URL; the old bot may be deleted in WeCom. */
export async function replaceBot(m: Model, r: Real, deleteOld: boolean): Promise<void> {
  const { fake } = r.rig;
  const bot = m.bots++;
  fake.addKey(r.keyOf(bot));
  if (deleteOld && m.current !== null) fake.removeKey(r.keyOf(m.current));
  const before = fake.calls.length;
  const page = await consolePost(r.rig, '/channels/wecom/connect', { url: r.keyOf(bot) });
  if (page.status === 200) {
    m.current = bot;
    m.connectedAtCall = before;
  }
}

class Replace implements ModelCommand {
  constructor(readonly deleteOld: boolean) {}
  check = () => true;
  async run(m: Model, r: Real) {
    await replaceBot(m, r, this.deleteOld);
    await afterCommand(m, r);
  }
  toString = () => `replace URL${this.deleteOld ? ' (old bot deleted)' : ''}`;
}

/** Waits for a request to reach the fake, or for `gaveUp` (nothing will be sent); true when one is on the wire. */
async function requestOnTheWire(r: Real, gaveUp: () => boolean): Promise<boolean> {
  for (let i = 0; i < 400; i++) {
    if (r.rig.fake.inFlight() > 0) return true;
    if (gaveUp()) return false;
    await sleep(2);
  }
  return false;
}

/** An alert no earlier one repeats (its own store), so it is sent rather than counted. */
const filler = (n: number): EventSpec => ({ kind: 'alert', category: 'orders', severity: 'warning', title: '订单同步失败', store: `门店-${n}`, mention: 'none', long: false });

/** Something the worker could send now, or is sending. */
function sendPossible(rig: Rig): boolean {
  const now = rig.clock.appliance.now();
  return rig.app.deps.db.$client.prepare(`SELECT 1 FROM deliveries WHERE status = 'sending' LIMIT 1`).get() !== undefined || sendableQueued(rig, now);
}

/**
 * A worker send held at the fake (answered 60 ms late), so the next action happens mid-send. When
 * nothing is waiting, an alert is posted to have something on the wire. Returns the events it posted.
 */
async function holdNextSend(m: Model, r: Real): Promise<number[]> {
  const { rig } = r;
  const now = rig.clock.appliance.now();
  const channel = rig.app.deps.db.$client.prepare('SELECT status FROM channel').get() as { status: string } | undefined;
  if (channel?.status !== 'connected' || rig.app.deps.limiter.waitMs(now) > 0) return [];
  rig.fake.setFailure('slow', { times: 1, delayMs: 60 });
  const posted = await postEvents(m, r, [filler(m.commands)]);
  rig.app.worker.wake();
  if (!(await requestOnTheWire(r, () => !sendPossible(rig)))) rig.fake.setFailure(null);
  return posted;
}

class ReplaceMidSend implements ModelCommand {
  check = (m: Readonly<Model>) => m.current !== null;
  async run(m: Model, r: Real) {
    const posted = await holdNextSend(m, r);
    await replaceBot(m, r, true);
    await afterCommand(m, r, posted);
  }
  toString = () => 'post an alert and replace the URL while its send with the old key is on the wire (old bot deleted)';
}

class RemoveBot implements ModelCommand {
  check = (m: Readonly<Model>) => m.current !== null;
  async run(m: Model, r: Real) {
    r.rig.fake.removeKey(r.keyOf(m.current!));
    await afterCommand(m, r);
  }
  toString = () => 'the bot is removed from the group in WeCom';
}

class SendTest implements ModelCommand {
  check = () => true;
  async run(m: Model, r: Real) {
    await consolePost(r.rig, '/channels/wecom/test');
    await afterCommand(m, r);
  }
  toString = () => 'admin sends a test notification';
}

export type CrashMoment = 'idle' | 'mid_send' | 'mid_test';

class Crash implements ModelCommand {
  constructor(readonly moment: CrashMoment) {}
  check = () => true;
  async run(m: Model, r: Real) {
    let test: Promise<unknown> | undefined;
    const posted = this.moment === 'mid_send' ? await holdNextSend(m, r) : [];
    if (this.moment === 'mid_test') {
      // Signed in before the crash: a sign-in after it would knock on the stopped process.
      await signedIn(r.rig);
      r.rig.fake.setFailure('slow', { times: 1, delayMs: 60 });
      let answered = false;
      test = r.rig.console.postForm('/channels/wecom/test', {}).finally(() => (answered = true));
      if (!(await requestOnTheWire(r, () => answered))) r.rig.fake.setFailure(null);
    }
    m.crashes.push(r.rig.clock.wecom.now());
    await crashAndRestart(r.rig);
    await test;
    await afterCommand(m, r, posted);
  }
  toString = () => `crash (${this.moment}) and restart`;
}

class Quiet implements ModelCommand {
  constructor(readonly on: boolean) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const settings = r.rig.app.deps.settings;
    // From a minute ago for three hours, so quiet hours hold now and end when the clock moves on.
    const start = (shanghaiMinute(r.rig.clock.appliance.now()) + 1439) % 1440;
    const end = (start + 180) % 1440;
    const hhmm = (t: number) => `${String(Math.floor(t / 60)).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
    settings.setRules({ ...settings.rules(), quietHours: { enabled: this.on, start: hhmm(start), end: hhmm(end), timeZone: 'Asia/Shanghai' } });
    m.quiet = this.on ? { start, end } : null;
    r.rig.app.deps.wakeWorker();
    await afterCommand(m, r);
  }
  toString = () => `quiet hours ${this.on ? 'on (3 h from now)' : 'off'}`;
}

class ChangeRules implements ModelCommand {
  constructor(readonly change: Partial<Rules>) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const settings = r.rig.app.deps.settings;
    const next = { ...m.rules, ...this.change };
    const current = settings.rules();
    settings.setRules({
      ...current,
      minSeverity: next.minSeverity,
      categories: Object.fromEntries(Object.keys(current.categories).map((c) => [c, c !== next.categoryOff])) as typeof current.categories,
      criticalMention: { mode: next.criticalMention, targets: next.criticalMention === 'list' ? [RULE_LIST_TARGET] : [] },
      dedupeWindowMinutes: next.dedupeMinutes,
    });
    settings.setDelivery({ ...settings.delivery(), format: next.format });
    m.rules = next;
    r.rig.app.deps.wakeWorker();
    await afterCommand(m, r);
  }
  toString = () => `rules ${JSON.stringify(this.change)}`;
}

class Retention implements ModelCommand {
  constructor(readonly days: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const settings = r.rig.app.deps.settings;
    settings.setGeneral({ ...settings.general(), retentionDays: this.days });
    m.retentionDays = this.days;
    await afterCommand(m, r);
  }
  toString = () => `retention ${this.days} days`;
}

class Housekeeping implements ModelCommand {
  check = () => true;
  async run(m: Model, r: Real) {
    await r.rig.app.reports.housekeeping(r.rig.clock.appliance.now());
    m.rowsPrunableBefore = Math.max(m.rowsPrunableBefore, r.rig.clock.wecom.now() + m.aheadMs - m.retentionDays * 86_400_000);
    await afterCommand(m, r);
  }
  toString = () => 'housekeeping runs';
}

/**
 * WeCom refuses with 45009 late in a window that earlier sends had partly used, then more arrives:
 * the refusal must block a whole window from it, not only until those earlier sends expire.
 */
class LateRateLimit implements ModelCommand {
  constructor(readonly specs: EventSpec[]) {}
  check = () => true;
  async run(m: Model, r: Real) {
    await new Wecom('45009', 1).run(m, r);
    await new Advance(59 * SECOND).run(m, r);
    await new Post(this.specs).run(m, r);
    await new Advance(2 * SECOND).run(m, r);
  }
  toString = () => `59 s on, WeCom answers 45009 to the next of: ${this.specs.map(specLabel).join(' | ')}; 2 s on`;
}

/** WeCom calls the next two messages too long (40058) as long events arrive: the engine re-splits what it can. */
class TooLong implements ModelCommand {
  constructor(readonly specs: EventSpec[]) {}
  check = () => true;
  async run(m: Model, r: Real) {
    await new Wecom('40058', 2).run(m, r);
    await new Post(this.specs.map((spec) => ({ ...spec, long: true }))).run(m, r);
  }
  toString = () => `WeCom answers 40058 ×2 to: ${this.specs.map(specLabel).join(' | ')} (long)`;
}

/**
 * A storm of long, distinct alerts in one category while WeCom calls the next messages too long,
 * then more of them: a text digest of long lines is long enough to be re-split, and the second
 * wave folds while its parts wait.
 */
class LongStorm implements ModelCommand {
  constructor(readonly category: (typeof CATEGORIES)[number]) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const wave = (n: number): EventSpec[] =>
      Array.from({ length: 12 }, (_, i) => ({ kind: 'alert', category: this.category, severity: 'warning', title: TITLES[3], store: `门店-${m.commands}-${n}-${i}`, mention: 'none', long: false }));
    await new Post(wave(1)).run(m, r);
    await new Wecom('40058', 3).run(m, r);
    await new Advance(61 * SECOND).run(m, r);
    await new Post(wave(2)).run(m, r);
  }
  toString = () => `a storm of long ${this.category} alerts, WeCom answers 40058 ×3, 61 s on, another storm`;
}

/**
 * A storm where every alert mentions its own store's manager (user ids and mobiles): the digest
 * names more targets than one text message lists, and every one must reach WeCom once.
 */
class ManagersStorm implements ModelCommand {
  constructor(
    readonly category: (typeof CATEGORIES)[number],
    readonly size: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const manager = (i: number) => (i % 3 === 2 ? `1390000${String(m.commands).padStart(2, '0')}${String(i).padStart(2, '0')}` : `manager_${m.commands}_${i}`);
    const storm = Array.from(
      { length: this.size },
      (_, i): EventSpec => ({ kind: 'alert', category: this.category, severity: 'warning', title: TITLES[i % 3]!, store: `门店-${m.commands}-${i}`, mention: [manager(i)], long: false }),
    );
    await new Post(storm).run(m, r);
  }
  toString = () => `a storm of ${this.size} ${this.category} alerts, each mentioning its own store's manager`;
}

/** The appliance's daily housekeeping after a day: with a short retention, what it may prune is pruned. */
class DayPasses implements ModelCommand {
  check = () => true;
  async run(m: Model, r: Real) {
    r.rig.clock.advance(DAY);
    m.clockMoved = true;
    await afterCommand(m, r);
    await new Housekeeping().run(m, r);
  }
  toString = () => 'a day passes, housekeeping runs';
}

class RetryDead implements ModelCommand {
  constructor(readonly what: 'message' | 'digest' = 'message') {}
  check = () => true;
  async run(m: Model, r: Real) {
    const kind = this.what === 'digest' ? ` AND kind = 'digest'` : '';
    const dead = r.rig.app.deps.db.$client.prepare(`SELECT id FROM deliveries WHERE status = 'dead'${kind} ORDER BY id LIMIT 1`).get() as { id: number } | undefined;
    if (dead) {
      m.retriedByHand.add(dead.id);
      await consolePost(r.rig, `/send-log/${dead.id}/retry`);
    }
    await afterCommand(m, r);
  }
  toString = () => `admin retries the oldest dead ${this.what}`;
}

/**
 * A storm WeCom refuses for good (40008: every message dies, its digest too), then the admin retries
 * the dead digest. At the rig's settle chunk of 2, its members die and are reopened a chunk per
 * transaction, and the digest must not go out before they are all pending again.
 */
class DigestDies implements ModelCommand {
  constructor(readonly category: (typeof CATEGORIES)[number]) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const storm = Array.from({ length: 12 }, (_, i): EventSpec => ({ kind: 'alert', category: this.category, severity: 'warning', title: TITLES[i % 3]!, store: `门店-${m.commands}-${i}`, mention: 'none', long: false }));
    await new Wecom('40008', 30).run(m, r);
    await new Post(storm).run(m, r);
    await new Advance(61 * SECOND).run(m, r);
    await new Wecom('ok', 1).run(m, r);
    await new RetryDead('digest').run(m, r);
  }
  toString = () => `a storm of ${this.category} alerts WeCom refuses (40008), then the admin retries the dead digest`;
}

/**
 * Critical alerts wait in a window WeCom blocked (45009), the critical-mention rule changes, more
 * arrive, and the backlog folds into a critical digest: each member must be mentioned as the rule
 * asked when it arrived, as its own message would have been.
 */
class CriticalStormRuleChange implements ModelCommand {
  constructor(
    readonly category: (typeof CATEGORIES)[number],
    readonly before: Rules['criticalMention'],
    readonly after: Rules['criticalMention'],
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const wave = (n: number): EventSpec[] =>
      Array.from({ length: 4 }, (_, i) => ({ kind: 'alert', category: this.category, severity: 'critical', title: TITLES[i % 3]!, store: `门店-${m.commands}-${n}-${i}`, mention: 'none', long: false }));
    await new ChangeRules({ criticalMention: this.before }).run(m, r);
    await new Wecom('45009', 1).run(m, r);
    await new Post(wave(1)).run(m, r);
    await new ChangeRules({ criticalMention: this.after }).run(m, r);
    await new Post(wave(2)).run(m, r);
    await new Advance(5 * SECOND).run(m, r);
  }
  toString = () => `critical ${this.category} alerts wait behind a 45009 while the critical mention goes from ${this.before} to ${this.after}, more arrive, 5 s on`;
}

const amAlertArb: fc.Arbitrary<AmAlert> = fc.record({
  alertname: fc.constantFrom(...TITLES),
  severity: fc.constantFrom<'warning' | 'critical'>('warning', 'critical'),
  category: fc.constantFrom(...CATEGORIES),
  store: fc.constantFrom('杭州旗舰店', 'Shenzhen outlet'),
});

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const commandArbs: Array<fc.Arbitrary<ModelCommand>> = [
  eventSpecArb.map((spec) => new Post([spec])),
  eventSpecArb.map((spec) => new Post([spec])),
  eventSpecArb.map((spec) => new Post([spec])),
  fc.array(eventSpecArb, { minLength: 5, maxLength: 25 }).map((specs) => new Post(specs)),
  fc.tuple(fc.constantFrom<'firing' | 'resolved'>('firing', 'firing', 'resolved'), fc.array(amAlertArb, { minLength: 1, maxLength: 12 })).map(([status, alerts]) => new Alertmanager(status, alerts)),
  fc.constantFrom(1 * SECOND, 5 * SECOND, 30 * SECOND, 59 * SECOND, 61 * SECOND, 10 * MINUTE, 3 * HOUR + MINUTE, 2 * DAY, 8 * DAY).map((ms) => new Advance(ms)),
  fc.constantFrom(1 * SECOND, 5 * SECOND, 61 * SECOND).map((ms) => new Advance(ms)),
  fc.constant(new StepBack(10 * MINUTE)),
  fc.constantFrom(2 * MINUTE, 10 * MINUTE).map((ms) => new StepForward(ms)),
  fc.tuple(fc.constantFrom<WecomBehaviour>('ok', 'ok', '45009', '93000', '40058', '40058', '500', 'timeout', 'reset'), fc.constantFrom(1, 2, 5)).map(
    // Each timeout costs WECOM_TIMEOUT_MS of real time: at most two in a row.
    ([b, t]) => new Wecom(b, b === 'timeout' ? Math.min(t, 2) : t),
  ),
  fc.boolean().map((deleteOld) => new Replace(deleteOld)),
  fc.constant(new ReplaceMidSend()),
  fc.constant(new RemoveBot()),
  fc.constant(new SendTest()),
  fc.constantFrom<CrashMoment>('idle', 'mid_send', 'mid_test').map((moment) => new Crash(moment)),
  fc.boolean().map((on) => new Quiet(on)),
  fc
    .record(
      {
        minSeverity: fc.constantFrom<Rules['minSeverity']>('info', 'warning'),
        categoryOff: fc.constantFrom<Rules['categoryOff']>(null, 'ads'),
        criticalMention: fc.constantFrom<Rules['criticalMention']>('none', 'all', 'list'),
        dedupeMinutes: fc.constantFrom<Rules['dedupeMinutes']>(0, 10),
        format: fc.constantFrom<Rules['format']>('markdown', 'text'),
      },
      { requiredKeys: [] },
    )
    .map((change) => new ChangeRules(change)),
  fc.constantFrom(1, 3, 8, 90).map((days) => new Retention(days)),
  fc.constant(new Housekeeping()),
  fc.constant(new DayPasses()),
  fc.constantFrom(...CATEGORIES).map((category) => new LongStorm(category)),
  fc.tuple(fc.constantFrom(...CATEGORIES), fc.constantFrom(12, 25, 45)).map(([category, size]) => new ManagersStorm(category, size)),
  fc.array(eventSpecArb, { minLength: 1, maxLength: 12 }).map((specs) => new TooLong(specs)),
  fc.array(eventSpecArb, { minLength: 2, maxLength: 4 }).map((specs) => new LateRateLimit(specs)),
  fc.constant(new RetryDead()),
  fc.constantFrom(...CATEGORIES).map((category) => new DigestDies(category)),
  fc
    .tuple(fc.constantFrom(...CATEGORIES), fc.constantFrom<Rules['criticalMention']>('none', 'all', 'list'), fc.constantFrom<Rules['criticalMention']>('none', 'all', 'list'))
    .filter(([, before, after]) => before !== after)
    .map(([category, before, after]) => new CriticalStormRuleChange(category, before, after)),
];
