// The self-watch: every few seconds, observe → judge (reasons.ts) → what changed. A problem raised
// or cleared is logged; each reason an outage (problem … ok) has sends one alert to the fallback URL
// when it first appears in it, and the outage's end one recovery naming them all, rate-limited,
// retried on the next check while the fallback fails.
import { translator, type Lang } from '../strings/translate.ts';
import type { Logger } from '../log.ts';
import type { FallbackSender, HealthNotice } from './fallback.ts';
import { describeFallback } from '../wecom/fallbackUrl.ts';
import { problemText } from './problemText.ts';
import { judge, overallStatus, type Observation, type Problem, type ProblemSeverity, type Thresholds } from './reasons.ts';

/** At most this many fallback messages an hour; beyond it they are dropped (and counted), and the state sent once the limit frees. */
export const FALLBACK_PER_HOUR = 12;

export interface SelfWatchStatus {
  status: 'ok' | ProblemSeverity;
  /** When the last check ran; undefined before the first. */
  checkedAt?: number;
  problems: Problem[];
  /** Where alerts go besides the console ("WeCom bot key=****abcd", or the host of a URL); undefined when none is set. */
  fallback?: string;
}

export interface SelfWatchCounters {
  fallbackSent: { alert: number; recovery: number };
  fallbackFailures: number;
  fallbackDropped: number;
}

/**
 * What the self-watch remembers between checks. The process keeps it, so a restore (which reopens
 * everything else) neither forgets an outage in progress (its recovery is still sent, no second
 * alert) nor starts the fallback's counters and hourly limit again.
 */
export interface SelfWatchMemory {
  problems: Problem[];
  checkedAt?: number;
  /** The current outage: when it began and every problem it had (each announced once). */
  outage?: { since: number; seen: Map<string, Problem> };
  pending: HealthNotice[];
  /**
   * The hourly limit dropped notices, so the fallback's picture is out of date until the limit frees:
   * then one notice says how things are (the newest recovery dropped, should no outage be open).
   */
  behind?: { recovery?: HealthNotice };
  sentAt: number[];
  counters: SelfWatchCounters;
}

export function createSelfWatchMemory(): SelfWatchMemory {
  return { problems: [], pending: [], sentAt: [], counters: { fallbackSent: { alert: 0, recovery: 0 }, fallbackFailures: 0, fallbackDropped: 0 } };
}

export interface SelfWatch {
  start(): void;
  stop(): Promise<void>;
  /** One check now (the timer does this every interval; tests call it directly). */
  check(): Promise<void>;
  status(): SelfWatchStatus;
  counters: SelfWatchCounters;
}

export function createSelfWatch(deps: {
  observe: (now: number) => Observation;
  thresholds: Thresholds;
  intervalMs: number;
  now: () => number;
  log: Logger;
  fallback?: FallbackSender;
  /** The notification language (Settings), for what the fallback receives. */
  lang: () => Lang;
  /** Default FALLBACK_PER_HOUR. */
  fallbackPerHour?: number;
  /** Default: a new one (nothing seen yet). */
  memory?: SelfWatchMemory;
}): SelfWatch {
  const perHour = deps.fallbackPerHour ?? FALLBACK_PER_HOUR;
  const m = deps.memory ?? createSelfWatchMemory();
  const { pending, sentAt, counters } = m;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const notice = (type: HealthNotice['type'], list: Problem[], at: number, minutes?: number): HealthNotice => {
    const t = translator(deps.lang());
    return {
      type,
      at,
      problems: list,
      lines: list.map((p) => problemText(t, p)),
      minutes,
      title: type === 'alert' ? t('watch.fallback.alert') : t('watch.fallback.recovery', { minutes: minutes ?? 0 }),
    };
  };

  async function flush(now: number): Promise<void> {
    if (!deps.fallback) {
      pending.length = 0;
      return;
    }
    while (sentAt.length > 0 && now - sentAt[0]! > 3600_000) sentAt.shift();
    const newestRecovery = () => pending.filter((n) => n.type === 'recovery').at(-1) ?? m.behind?.recovery;
    if (m.behind && sentAt.length < perHour) {
      // Instead of what was dropped, and of what happened since: the state now.
      const current = m.outage ? notice('alert', m.problems, now) : newestRecovery();
      pending.splice(0, pending.length, ...(current ? [current] : []));
      m.behind = undefined;
    }
    while (pending.length > 0) {
      if (sentAt.length >= perHour) {
        counters.fallbackDropped += pending.length;
        deps.log.warn('fallback alerts dropped: the hourly limit is reached', { dropped: pending.length, limit: perHour });
        m.behind = { recovery: newestRecovery() };
        pending.length = 0;
        return;
      }
      const next = pending[0]!;
      if (!(await deps.fallback.send(next))) {
        counters.fallbackFailures++;
        return; // tried again at the next check
      }
      sentAt.push(now);
      counters.fallbackSent[next.type]++;
      pending.shift();
      deps.log.info('health alert sent to the fallback URL', { type: next.type, reasons: next.problems.map((p) => p.code) });
    }
  }

  async function checkOnce(): Promise<void> {
    const now = deps.now();
    let found: Problem[];
    try {
      found = judge(deps.observe(now), deps.thresholds);
    } catch (err) {
      // Observing reads the database: when even that fails, the database is the problem.
      found = [{ code: 'storage', severity: 'critical', since: now, detail: { cause: 'error' } }];
      deps.log.error('self-watch could not observe the appliance', { error: err });
    }
    // A problem that holds keeps the time it was first seen.
    const before = new Map(m.problems.map((p) => [p.code, p]));
    found = found.map((p) => {
      const was = before.get(p.code);
      return was ? { ...p, since: Math.min(was.since, p.since) } : p;
    });
    for (const p of found) if (!before.has(p.code)) deps.log.warn('self-watch: problem', { reason: p.code, severity: p.severity, ...p.detail });
    for (const p of m.problems) if (!found.some((f) => f.code === p.code)) deps.log.info('self-watch: problem cleared', { reason: p.code });
    m.problems = found;
    m.checkedAt = now;

    if (found.length > 0) {
      // Each reason is announced when it first appears in the outage: the bot removed during a
      // report's week-long failure is news, a reason that clears and comes back within it is not.
      const outage = (m.outage ??= { since: now, seen: new Map() });
      const fresh = found.filter((p) => !outage.seen.has(p.code));
      for (const p of found) outage.seen.set(p.code, p);
      if (fresh.length > 0) pending.push(notice('alert', fresh, now));
    } else if (m.outage) {
      pending.push(notice('recovery', [...m.outage.seen.values()], now, Math.max(1, Math.round((now - m.outage.since) / 60_000))));
      m.outage = undefined;
    }
    await flush(now);
  }

  const check = () => (running ??= checkOnce().finally(() => (running = undefined)));

  return {
    counters,
    check,
    start() {
      const tick = (ms: number) => {
        if (stopped) return;
        timer = setTimeout(() => {
          void check()
            .catch((err: unknown) => deps.log.error('self-watch check failed', { error: err }))
            .finally(() => tick(deps.intervalMs));
        }, ms);
        timer.unref();
      };
      // The first check a moment after start, not in the middle of it (start-up is measured to /readyz).
      tick(Math.min(deps.intervalMs, 1000));
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
    },
    status: () => ({
      status: overallStatus(m.problems),
      checkedAt: m.checkedAt,
      problems: m.problems,
      ...(deps.fallback ? { fallback: describeFallback(deps.fallback.target) } : {}),
    }),
  };
}
