// Model-based test of the delivery engine (issue 11): random command sequences against the real
// appliance (SQLite file, worker, HTTP API and console) on a model clock, sending to the fake WeCom
// over loopback; every invariant of SPEC "Semantics the engine keeps" is checked after every
// command, and the "ends" invariant after a final drain.
//   MODEL_SEED  a seed to run (the seed is always printed); `random` explores a new one. CI runs a
//               fixed seed so a red CI always means a change broke something, not a new draw
//   MODEL_RUNS  how many command sequences (CI size below)
//   MODEL_SHRINK=1  shrink a failure to a shortest sequence (slow: each step restarts an appliance)
//   MODEL_PATH  start at the run a failure printed as `path` (with its seed; MODEL_RUNS=1 runs only it)
//   MODEL_MAX   the longest command sequence (CI: 30); longer ones reach states built over more steps
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { afterCommand, commandArbs, replaceBot, type Real } from './commands.ts';
import { checkEnds, snapshot, type Invariant } from './invariants.ts';
import { newModel, type Model } from './model.ts';
import { consolePost, makeTemplate, settle, startRig, stopRig, type Rig } from './rig.ts';

const RUNS = Number(process.env.MODEL_RUNS ?? 16);
const CI_SEED = 777;
const SEED =
  process.env.MODEL_SEED === undefined ? CI_SEED : process.env.MODEL_SEED === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.MODEL_SEED);
const MAX_COMMANDS = Number(process.env.MODEL_MAX ?? 30);
// 2026-06-01 10:00 in Shanghai: working hours, so quiet hours are something a command turns on.
const START = Date.UTC(2026, 5, 1, 2, 0);
const DRAIN_STEP_MS = 61_000;
const DRAIN_STEPS = 40;

/** A UUID-shaped key per bot, derived from the seed so a replay uses the same ones. */
const keyOf = (bot: number) => {
  const hex = (SEED.toString(16) + bot.toString(16).padStart(4, '0')).padStart(12, '0').slice(-12);
  return `0d1e2f3a-4b5c-4d6e-8f70-${hex}`;
};

/** WeCom healthy, the bot usable (a new one when WeCom refused the old), quiet hours over, time moving on: everything must reach its end. */
async function drain(m: Model, real: Real): Promise<void> {
  const { rig } = real;
  rig.fake.setFailure(null);
  rig.clock.advance(3 * 3600_000 + 60_000);
  for (let i = 0; i < DRAIN_STEPS; i++) {
    await settle(rig, false);
    if (snapshot(rig).channel !== 'connected') await replaceBot(m, real, false);
    const pending = rig.app.deps.db.$client.prepare(`SELECT count(*) AS n FROM deliveries WHERE status IN ('queued', 'sending')`).get() as { n: number };
    if (pending.n === 0) break;
    rig.clock.advance(DRAIN_STEP_MS);
  }
  m.quiet = null;
  await afterCommand(m, real);
  real.report('ends', checkEnds(m, snapshot(rig)));
}

it(`delivery engine model: ${RUNS} random command sequences (seed ${SEED})`, { timeout: 30 * 60_000 }, async () => {
  let run = 0;
  let commands = 0;
  const started = Date.now();
  const template = await makeTemplate(START);

  const report = (invariant: Invariant, lines: string[]) => {
    if (lines.length) throw new Error(`invariant "${invariant}" broken:\n  ${lines.slice(0, 5).join('\n  ')}`);
  };

  const property = fc.asyncProperty(
    fc.constantFrom(20, 5),
    // A retention under the 7-day idempotency window is where pruning can lose what is still needed.
    fc.constantFrom(90, 3, 1),
    // Text messages carry their mentions in the message itself, which a re-split must not repeat.
    fc.constantFrom<Model['rules']['format']>('markdown', 'text'),
    fc.commands(commandArbs, { maxCommands: MAX_COMMANDS, size: 'max' }),
    async (rateLimit, retentionDays, format, cmds) => {
      run++;
      const rig: Rig = await startRig(template, START);
      try {
        const settings = rig.app.deps.settings;
        settings.setDelivery({ ...settings.delivery(), rateLimit });
        rig.app.deps.limiter.setLimit(rateLimit);
        settings.setGeneral({ ...settings.general(), retentionDays });
        settings.setDelivery({ ...settings.delivery(), format });
        rig.fake.addKey(keyOf(0));
        const fresh = newModel(rateLimit);
        const model: Model = { ...fresh, retentionDays, rules: { ...fresh.rules, format } };
        const real: Real = { rig, report, keyOf };
        const connected = await consolePost(rig, '/channels/wecom/connect', { url: keyOf(0) });
        expect(connected.status).toBe(200);
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        await drain(model, real);
        commands += model.commands;
      } finally {
        await stopRig(rig);
      }
    },
  );

  try {
    await fc.assert(property, { seed: SEED, numRuns: RUNS, endOnFailure: process.env.MODEL_SHRINK !== '1', path: process.env.MODEL_PATH });
  } finally {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`model test: seed ${SEED}, ${run} runs, ${commands} commands executed, ${seconds} s`);
  }
});
