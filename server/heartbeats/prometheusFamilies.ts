// /metrics lines for heartbeat checks: how many are in each state, and per check whether it is
// down and when it last checked in. Checks are labelled by id; their keys (what the admin named
// them) only with METRICS_DETAIL=1, as metric rules are.
import type { Db } from '../../db/client.ts';
import { listHeartbeatChecks } from '../../db/queries/heartbeats.ts';
import { checkFromRow, shownStatus } from './checks.ts';

const STATES = ['new', 'up', 'late', 'down', 'paused'] as const;

export function heartbeatFamilies(db: Db, opts: { names: boolean }) {
  const labels = (c: { id: number; key: string }) => ({ check_id: c.id, ...(opts.names ? { check: c.key } : {}) });
  const checks = listHeartbeatChecks(db).map(checkFromRow);
  const counts = new Map<string, number>();
  for (const c of checks) counts.set(shownStatus(c), (counts.get(shownStatus(c)) ?? 0) + 1);
  return [
    {
      name: 'notifier_heartbeat_checks',
      help: 'Heartbeat checks by state (new, up, late, down, paused).',
      type: 'gauge' as const,
      samples: STATES.map((state) => ({ labels: { state }, value: counts.get(state) ?? 0 })),
    },
    {
      name: 'notifier_heartbeat_down',
      help: 'Per heartbeat check: 1 while it is down (missed, failed or unfinished), else 0.',
      type: 'gauge' as const,
      samples: checks.map((c) => ({ labels: labels(c), value: shownStatus(c) === 'down' ? 1 : 0 })),
    },
    {
      name: 'notifier_heartbeat_last_ping_timestamp_seconds',
      help: 'Per heartbeat check: when it last checked in (Unix time); 0 when never.',
      type: 'gauge' as const,
      samples: checks.map((c) => ({ labels: labels(c), value: c.state.lastPingAt === null ? 0 : Math.floor(c.state.lastPingAt / 1000) })),
    },
  ];
}
