// Model-based test of heartbeat checks: random sequences of check-ins (success, start, fail),
// silence, pause and resume, wall-clock jumps and restarts against the real appliance (SQLite file,
// HTTP API, the minute tick and the tick at start) on a model clock. A small model of its own says
// when a check must be down; after every command the appliance must agree, and every outage must
// have been announced exactly once, recovered exactly once, and reminded on time.
//   MODEL_SEED / MODEL_RUNS as for the delivery model.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { getHeartbeatCheckByKey } from '../../db/queries/heartbeats.ts';
import { crashAndRestart, makeTemplate, startRig, stopRig, type Rig } from './rig.ts';

const RUNS = Number(process.env.MODEL_RUNS ?? 48);
const SEED = process.env.MODEL_SEED === undefined ? 4242 : process.env.MODEL_SEED === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.MODEL_SEED);
const START = Date.UTC(2026, 5, 1, 2, 0);
const MIN = 60_000;
const PERIOD_MIN = 30;
const GRACE_MIN = 10;
const REMIND_H = 1;
const KEY = 'model-sync';

interface HbModel {
  now: number;
  status: 'new' | 'up' | 'down';
  paused: boolean;
  lastPing: number | null;
  lastRun: number | null;
  startedAt: number | null;
  watchingSince: number;
  lastNotified: number | null;
  /** What the appliance must have announced so far. */
  downs: number;
  reminders: number;
  recoveries: number;
}

function deadline(m: HbModel): number | undefined {
  if (m.paused || m.status !== 'up') return undefined;
  if (m.startedAt !== null) return m.startedAt + GRACE_MIN * MIN;
  return Math.max(m.lastRun ?? m.watchingSince, m.watchingSince) + (PERIOD_MIN + GRACE_MIN) * MIN;
}

/** What a tick at the model's now must do. */
function tick(m: HbModel): void {
  if (m.paused) return;
  if (m.status === 'down') {
    if (m.lastNotified !== null && m.now - m.lastNotified >= REMIND_H * 3600_000) {
      m.reminders++;
      m.lastNotified = m.now;
    }
    return;
  }
  const d = deadline(m);
  if (d !== undefined && m.now >= d) {
    m.status = 'down';
    m.downs++;
    m.lastNotified = m.now;
  }
}

function ping(m: HbModel, kind: 'success' | 'start' | 'fail'): void {
  // A deadline passed with no tick since: the check-in comes after the outage, which is announced first.
  if (m.status === 'up') tick(m);
  m.lastPing = m.now;
  if (m.paused) return;
  if (kind === 'start') {
    m.startedAt = m.now;
    if (m.status === 'new') m.status = 'up';
    return;
  }
  m.lastRun = m.now;
  m.startedAt = null;
  if (kind === 'success') {
    if (m.status === 'down') m.recoveries++;
    m.status = 'up';
    m.lastNotified = null;
  } else if (m.status !== 'down') {
    m.status = 'down';
    m.downs++;
    m.lastNotified = m.now;
  }
}

type Real = { rig: Rig };

async function realPing(r: Real, kind: 'success' | 'start' | 'fail'): Promise<void> {
  const res = await fetch(`${r.rig.app.url}/api/v1/heartbeats/${KEY}${kind === 'success' ? '' : `/${kind}`}`, { method: 'POST', headers: { authorization: `Bearer ${r.rig.token}` } });
  expect(res.status).toBe(200);
}

function check(m: HbModel, r: Real, after: string): void {
  const db = r.rig.app.deps.db;
  const row = getHeartbeatCheckByKey(db, KEY)!;
  const counts = Object.fromEntries(
    (db.$client.prepare(`SELECT type, count(*) AS n FROM heartbeat_transitions GROUP BY type`).all() as Array<{ type: string; n: number }>).map((x) => [x.type, x.n]),
  );
  const events = (db.$client.prepare(`SELECT count(*) AS n FROM events WHERE source = 'heartbeat'`).get() as { n: number }).n;
  const real = { status: row.paused ? 'paused' : row.status === 'late' ? 'up' : row.status, downs: counts.down ?? 0, reminders: counts.reminder ?? 0, recoveries: counts.recovered ?? 0, events };
  const want = { status: m.paused ? 'paused' : m.status, downs: m.downs, reminders: m.reminders, recoveries: m.recoveries, events: m.downs + m.reminders + m.recoveries };
  expect(real, `after ${after}`).toEqual(want);
  // Each outage is recovered at most once, and never before it began.
  expect(m.recoveries).toBeLessThanOrEqual(m.downs);
}

type Cmd = fc.AsyncCommand<HbModel, Real>;
const cmd = (name: string, run: (m: HbModel, r: Real) => Promise<void>): Cmd => ({
  check: () => true,
  run: async (m, r) => {
    await run(m, r);
    check(m, r, name);
  },
  toString: () => name,
});

const commandArbs = [
  fc.constantFrom<'success' | 'start' | 'fail'>('success', 'success', 'start', 'fail').map((kind) =>
    cmd(`ping ${kind}`, async (m, r) => {
      await realPing(r, kind);
      ping(m, kind);
    }),
  ),
  // Silence: time passes, then the minute tick.
  fc.integer({ min: 1, max: 150 }).map((minutes) =>
    cmd(`silence ${minutes} min`, async (m, r) => {
      r.rig.clock.advance(minutes * MIN);
      m.now += minutes * MIN;
      r.rig.app.heartbeatTick();
      tick(m);
    }),
  ),
  // Time passes and the minute tick does not run (late, or busy): the next check-in or tick judges it.
  fc.integer({ min: 1, max: 150 }).map((minutes) =>
    cmd(`${minutes} min with no tick`, async (m, r) => {
      r.rig.clock.advance(minutes * MIN);
      m.now += minutes * MIN;
    }),
  ),
  fc.constant(
    cmd('pause', async (m, r) => {
      await r.rig.app.deps.heartbeats!.setPaused(getHeartbeatCheckByKey(r.rig.app.deps.db, KEY)!.id, true);
      m.paused = true;
    }),
  ),
  fc.constant(
    cmd('resume', async (m, r) => {
      r.rig.app.deps.heartbeats!.setPaused(getHeartbeatCheckByKey(r.rig.app.deps.db, KEY)!.id, false);
      if (m.paused) {
        // Watching starts over; an outage from before the pause ends silently.
        m.paused = false;
        m.status = m.lastPing === null ? 'new' : 'up';
        m.startedAt = null;
        m.watchingSince = m.now;
        m.lastNotified = null;
      }
    }),
  ),
  // The wall clock jumps: far ahead (a suspended VM), or back (NTP); then the tick.
  fc.constantFrom(-45, -5, 240, 24 * 60).map((minutes) =>
    cmd(`clock jumps ${minutes} min`, async (m, r) => {
      if (minutes < 0) r.rig.clock.stepBack(-minutes * MIN);
      else r.rig.clock.advance(minutes * MIN);
      m.now += minutes * MIN;
      r.rig.app.heartbeatTick();
      tick(m);
    }),
  ),
  // Stopped for a while, then started: the tick at start judges what happened meanwhile, once.
  fc.integer({ min: 0, max: 600 }).map((minutes) =>
    cmd(`restart after ${minutes} min`, async (m, r) => {
      r.rig.clock.advance(minutes * MIN);
      m.now += minutes * MIN;
      await crashAndRestart(r.rig);
      tick(m);
      // More ticks at the same instant change nothing.
      r.rig.app.heartbeatTick();
    }),
  ),
];

it(`heartbeat model: ${RUNS} random command sequences (seed ${SEED})`, { timeout: 20 * 60_000 }, async () => {
  const template = await makeTemplate(START);
  let commands = 0;
  await fc.assert(
    fc.asyncProperty(fc.commands(commandArbs, { maxCommands: 25, size: 'max' }), async (cmds) => {
      const rig = await startRig(template, START);
      try {
        const now = rig.clock.appliance.now();
        rig.app.deps.db.$client
          .prepare(
            `INSERT INTO heartbeat_checks (key, name, schedule_kind, period_minutes, timezone, grace_minutes, reminder_hours, status, state, created_at, updated_at)
             VALUES (?, 'Model sync', 'period', ?, 'Asia/Shanghai', ?, ?, 'new', ?, ?, ?)`,
          )
          .run(KEY, PERIOD_MIN, GRACE_MIN, REMIND_H, JSON.stringify({ status: 'new', lastPingAt: null, lastPingKind: null, lastRunAt: null, startedAt: null, watchingSince: now, downSince: null, downReason: null, downExpectedAt: null, downEventId: null, lastNotifiedAt: null, reminders: 0 }), now, now);
        const model: HbModel = { now, status: 'new', paused: false, lastPing: null, lastRun: null, startedAt: null, watchingSince: now, lastNotified: null, downs: 0, reminders: 0, recoveries: 0 };
        await fc.asyncModelRun(() => ({ model, real: { rig } }), [...cmds]);
        commands += [...cmds].length;
      } finally {
        await stopRig(rig);
      }
    }),
    { numRuns: RUNS, seed: SEED, endOnFailure: true },
  );
  console.log(`heartbeat model: ${RUNS} runs, ${commands} commands, seed ${SEED}`);
});
