// Deadlines come due without any check-in: the minute timer (and the start of the appliance) asks
// every check what is due, and raises it through the intake in one transaction of its own.
import { Cron } from 'croner';
import { HEARTBEAT_META, storeEvents, type IntakeDeps } from '../delivery/intake.ts';
import type { Logger } from '../log.ts';
import type { HeartbeatEngine } from './engine.ts';

export const HEARTBEAT_TICK_CRON = '* * * * *';

export function runHeartbeatTick(deps: IntakeDeps & { heartbeats: HeartbeatEngine }, now: number): void {
  deps.db.$client.transaction(() => deps.heartbeats.tick(now, (alerts) => storeEvents(deps, alerts, HEARTBEAT_META))).immediate();
}

export function startHeartbeatTicks(deps: IntakeDeps & { heartbeats: HeartbeatEngine; log: Logger }): { stop(): void } {
  const job = new Cron(HEARTBEAT_TICK_CRON, { protect: true }, () => {
    try {
      runHeartbeatTick(deps, deps.clock.now());
    } catch (error) {
      deps.log.error('heartbeat tick failed', { error });
    }
  });
  return { stop: () => job.stop() };
}
