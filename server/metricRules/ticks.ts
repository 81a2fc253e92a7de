// No-data deadlines and reminders come due without any incoming point: a croner job checks every
// minute, and raises what is due through the intake in one transaction of its own.
import { Cron } from 'croner';
import { storeEvents, METRIC_RULE_META, type IntakeDeps } from '../delivery/intake.ts';
import type { Logger } from '../log.ts';
import type { MetricRuleEngine } from './engine.ts';

export const TICK_CRON = '* * * * *';

/** Evaluates the time-driven rules at `now`; what they raise commits with their new states. */
export function runRuleTick(deps: IntakeDeps & { metricRules: MetricRuleEngine }, now: number): void {
  deps.db.$client.transaction(() => deps.metricRules.tick(now, (alerts) => storeEvents(deps, alerts, METRIC_RULE_META))).immediate();
}

export function startRuleTicks(deps: IntakeDeps & { metricRules: MetricRuleEngine; log: Logger }): { stop(): void } {
  const job = new Cron(TICK_CRON, { protect: true }, () => {
    try {
      runRuleTick(deps, deps.clock.now());
    } catch (error) {
      deps.log.error('metric rule tick failed', { error });
    }
  });
  return { stop: () => job.stop() };
}
