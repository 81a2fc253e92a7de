// No-data deadlines and reminders come due without any incoming point: a croner job checks every
// minute, and raises what is due through the intake, TICK_CHUNK states per transaction with a turn
// of the event loop in between (thousands of stores that fired together owe their reminders together).
import { Cron } from 'croner';
import { storeEvents, METRIC_RULE_META, type IntakeDeps } from '../delivery/intake.ts';
import type { Logger } from '../log.ts';
import type { MetricRuleEngine } from './engine.ts';

export const TICK_CRON = '* * * * *';

export const TICK_CHUNK = 250;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Evaluates the time-driven rules at `now`; what they raise commits with their new states. */
export async function runRuleTick(deps: IntakeDeps & { metricRules: MetricRuleEngine }, now: number, chunk = TICK_CHUNK): Promise<void> {
  for (;;) {
    if (!deps.db.$client.open) return;
    const acted = deps.db.$client.transaction(() => deps.metricRules.tick(now, (alerts) => storeEvents(deps, alerts, METRIC_RULE_META), chunk)).immediate();
    if (acted < chunk) return;
    await yieldToEventLoop();
  }
}

export function startRuleTicks(deps: IntakeDeps & { metricRules: MetricRuleEngine; log: Logger }): { stop(): void } {
  let running = false;
  const job = new Cron(TICK_CRON, () => {
    if (running) return;
    running = true;
    runRuleTick(deps, deps.clock.now())
      .catch((error: unknown) => deps.log.error('metric rule tick failed', { error }))
      .finally(() => (running = false));
  });
  return { stop: () => job.stop() };
}
