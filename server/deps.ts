import type { Db } from '../db/client.ts';
import type { CalendarStore } from './calendar/calendarStore.ts';
import type { HeartbeatEngine } from './heartbeats/engine.ts';
import type { BuildInfo } from './buildInfo.ts';
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { RateLimiter } from './delivery/rateLimiter.ts';
import type { ReportScheduler } from './reports/scheduler.ts';
import type { ReportThread } from './reports/reportThread.ts';
import type { Logger } from './log.ts';
import type { MetricRuleEngine } from './metricRules/engine.ts';
import type { LoginThrottle } from './security/loginThrottle.ts';
import type { OpsCounters } from './opsCounters.ts';
import type { StoredCounts } from './metrics/storedCounts.ts';
import type { PasswordHasher } from './security/passwords.ts';
import type { SecretBox } from './security/secretBox.ts';
import type { SetupCode } from './security/setupCode.ts';
import type { SelfWatch } from './selfWatch/watcher.ts';
import type { SettingsStore } from './settings/settingsStore.ts';
import type { WecomClient } from './wecom/client.ts';

export interface RestoreOutcome {
  /** Where the database of before the restore was kept (absent when there was none). */
  kept: string | undefined;
}

/** Everything the app needs, passed in so tests swap the clock, the WeCom origin and the data dir. */
export interface AppDeps {
  db: Db;
  /** The running version and commit (footer, /healthz, /metrics). */
  build: BuildInfo;
  config: Config;
  clock: Clock;
  log: Logger;
  wecom: WecomClient;
  secretBox: SecretBox;
  loginThrottle: LoginThrottle;
  passwords: PasswordHasher;
  /** Printed to the log at start while no admin password exists; /setup requires it. */
  setupCode?: SetupCode;
  /** Settles once ADMIN_PASSWORD is checked against the stored hash (a scrypt); console requests wait for it. */
  consoleReady?: Promise<void>;
  settings: SettingsStore;
  /** The one bot's rate window, shared by the worker and the console's test sends. */
  limiter: RateLimiter;
  /** Tells the delivery worker to look now (new messages, or the channel changed). */
  wakeWorker: () => void;
  /** Hands the delivery worker an answered send's outcome the database refused (test sends), to write once it can. */
  recordLater: (write: () => void) => void;
  /** Members of a digest a retry reopens per transaction, as the worker settles them (default SETTLE_CHUNK); tests lower it. */
  digestSettleChunk?: number;
  /** The next scheduled report, for the dashboard; absent while no scheduler runs. */
  nextReport?: () => { name: string; at: number } | undefined;
  /** The report scheduler (Reports page: reschedule after edits, Run now); absent outside the appliance. */
  reports?: ReportScheduler;
  /** The table-sized counts of /metrics, read off the main thread and cached a few seconds. */
  storedCounts: StoredCounts;
  /** Process counters for /metrics (rate-limit waits, WeCom errcodes); absent outside the appliance. */
  counters?: OpsCounters;
  /** Metric rules: judged on every stored metric point (intake), edited on the Metric rules page. */
  metricRules?: MetricRuleEngine;
  /** The appliance watching itself (healthz?verbose, the dashboard, /metrics); absent outside the appliance. */
  selfWatch?: SelfWatch;
  /** China's workday calendar with the admin's own days (quiet hours, report jobs, heartbeats, metric rules). */
  calendar?: CalendarStore;
  /** Heartbeat checks: pinged by the API, the CLI and matching task results; evaluated every minute. */
  heartbeats?: HeartbeatEngine;
  /**
   * Puts a checked backup (a file in the data directory) in place of the database and reopens the
   * appliance on it, the current database kept as a copy; absent outside the appliance.
   */
  restore?: (staged: string, audit: { ip: string | null; file: string; bytes: number }) => Promise<RestoreOutcome>;
  /** Builds reports and their charts off the main thread; absent, they are built on it. */
  reportThread?: ReportThread;
}
