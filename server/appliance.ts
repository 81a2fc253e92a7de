import { serve } from '@hono/node-server';
import { rmSync } from 'node:fs';
import { createServer, type RequestListener, type Server, type ServerOptions } from 'node:http';
import { join } from 'node:path';
import { createCheckpointer } from '../db/checkpointer.ts';
import { closeDatabase } from '../db/client.ts';
import { getAdminPasswordHash, setAdminPasswordHash } from '../db/queries/admin.ts';
import { writeAudit } from '../db/queries/audit.ts';
import { deleteAllSessions, deleteExpiredSessions } from '../db/queries/sessions.ts';
import { createApp } from './app.tsx';
import { preUpgradeBackups, removeStalePartials } from './backup.ts';
import { readBuildInfo, type BuildInfo } from './buildInfo.ts';
import { openApplianceDatabase, StartupRefusal } from './databaseUpgrade.ts';
import { putBackKept, swapInBackup } from './restore.ts';
import { createFallbackSender } from './selfWatch/fallback.ts';
import { createNextFireCache, observe } from './selfWatch/observe.ts';
import { DEFAULT_THRESHOLDS, type Thresholds } from './selfWatch/reasons.ts';
import { createSelfWatch, createSelfWatchMemory, type SelfWatchMemory } from './selfWatch/watcher.ts';
import { parseFallbackUrl } from './wecom/fallbackUrl.ts';
import { httpPost } from './wecom/httpPost.ts';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { AppDeps, RestoreOutcome } from './deps.ts';
import { createLogger, type Logger } from './log.ts';
import { listenFailure } from './listenFailure.ts';
import { createLoginThrottle } from './security/loginThrottle.ts';
import { createPasswordHasher, type PasswordHasher } from './security/passwords.ts';
import { createSetupCode } from './security/setupCode.ts';
import { prepareDataDir } from './dataDir.ts';
import { lockDataDir, LOCK_FILE, type DataDirLock } from './dataDirLock.ts';
import { createStoredCounts } from './metrics/storedCounts.ts';
import { createSecretBox, DATA_KEY_FILE, loadDataKey } from './security/secretBox.ts';
import { proxyTrust } from './security/clientAddress.ts';
import { createConnectionGuard, type HttpLimits } from './security/connectionLimits.ts';
import { createWecomClient } from './wecom/client.ts';
import { createRateLimiter, type RateLimiter } from './delivery/rateLimiter.ts';
import { createDeliveryWorker, type DeliveryWorker } from './delivery/worker.ts';
import { storedKey, usableChannelKey } from './channel/wecomChannel.ts';
import { createSettingsStore } from './settings/settingsStore.ts';
import { countingWecomClient, createOpsCounters, type OpsCounters } from './opsCounters.ts';
import { createReportScheduler, type ReportScheduler } from './reports/scheduler.ts';
import { createMetricRuleEngine } from './metricRules/engine.ts';
import { createReportThread } from './reports/reportThread.ts';
import { runRuleTick, startRuleTicks } from './metricRules/ticks.ts';
import { loadChinaHolidays } from './calendar/chinaHolidays.ts';
import { createCalendarStore } from './calendar/calendarStore.ts';
import { createHeartbeatEngine } from './heartbeats/engine.ts';
import { runHeartbeatTick, startHeartbeatTicks } from './heartbeats/ticks.ts';

export const DB_FILE = 'notifier.db';
export const WECOM_TIMEOUT_MS = 10_000;
/** How long requests in flight at SIGTERM may take before their connections are closed. */
export const SHUTDOWN_GRACE_MS = 5_000;
export const SELF_WATCH_INTERVAL_MS = 15_000;

export interface Appliance {
  deps: AppDeps;
  worker: DeliveryWorker;
  reports: ReportScheduler;
  /** Evaluates no-data rules and reminders at `now` (what the minute timer does; tests call it with a fake clock). */
  ruleTick(now?: number): Promise<void>;
  /** Evaluates heartbeat checks at `now` (the minute timer, and once at start). */
  heartbeatTick(now?: number): void;
  port: number;
  url: string;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  clock?: Clock;
  hostname?: string;
  wecomTimeoutMs?: number;
  retryBaseMs?: number;
  /** Real croner timers for report jobs (default on); tests may drive `reports.runDue(now)` instead. */
  reportTimers?: boolean;
  /** How long /metrics reuses its table counts (default 5 s); tests read fresh counts with 0. */
  metricsCacheMs?: number;
  /** scrypt cost for new password hashes (default 2^17); tests lower it so sign-ins stay fast. */
  scryptN?: number;
  /** The password hasher (default scrypt at `scryptN`); a test holds a check to see what answers meanwhile. */
  passwords?: PasswordHasher;
  /** The minute timers of metric rules and heartbeat checks (default on); tests may drive `ruleTick(now)` and `heartbeatTick(now)` instead. */
  ruleTimers?: boolean;
  /** The running build (default: read from dist/build-info.json or the checkout). */
  build?: BuildInfo;
  /** Tests add a (failing) migration to a copy of db/migrations. */
  migrationsFolder?: string;
  /** Connection timeouts and caps (default HTTP_LIMITS); tests shorten and lower them. */
  httpLimits?: Partial<HttpLimits>;
  /** Stores one metric rule watches at most (default MAX_STORES_PER_RULE); tests lower it. */
  metricRuleStoreLimit?: number;
  /** Members of a final digest settled (or a retried one reopened) per transaction (default SETTLE_CHUNK); tests lower it. */
  digestSettleChunk?: number;
  /** Reports built on their own thread (default on); off, on the main thread. */
  reportThread?: boolean;
  /** The self-watch's check interval (default 15 s), timer (default on) and thresholds; tests shorten them. */
  selfWatch?: { intervalMs?: number; timers?: boolean; thresholds?: Partial<Thresholds>; fallbackPerHour?: number };
}

/**
 * ADMIN_PASSWORD, when set, wins: it is stored (hashed) whenever it differs from the stored one, and
 * then every session ends, as after a password change in the console.
 */
async function syncAdminPassword(deps: AppDeps): Promise<void> {
  const wanted = deps.config.adminPassword;
  if (!wanted) return;
  const stored = getAdminPasswordHash(deps.db);
  const check = stored ? await deps.passwords.verify(wanted, stored) : { ok: false, needsRehash: false };
  if (check.ok && !check.needsRehash) return;
  const hash = await deps.passwords.hash(wanted);
  deps.db.transaction(() => {
    setAdminPasswordHash(deps.db, hash, deps.clock.now());
    if (!check.ok) deleteAllSessions(deps.db);
  });
  if (check.ok) deps.log.info('admin password hash upgraded to the current scrypt cost');
  else if (stored) deps.log.warn('ADMIN_PASSWORD replaced the stored admin password: every session was signed out');
  else deps.log.info('admin password set from ADMIN_PASSWORD');
}

/** Everything that holds the database: rebuilt on the restored file when a backup is restored. */
interface Core {
  deps: AppDeps;
  worker: DeliveryWorker;
  reports: ReportScheduler;
  ruleDeps: Parameters<typeof runRuleTick>[0] & Parameters<typeof runHeartbeatTick>[0];
  app: ReturnType<typeof createApp>;
  start(): Promise<void>;
  /** Stops the timers, the scheduler and the worker (the in-flight send finishes), closes the database. */
  close(): Promise<void>;
}

/** What outlives a restore: the process's counters, the one bot's rate window, what the self-watch saw. */
interface ProcessState {
  log: Logger;
  clock: Clock;
  build: BuildInfo;
  counters: OpsCounters;
  limiter?: RateLimiter;
  selfWatch?: SelfWatchMemory;
}

/** db (refused if newer, backed up, migrated) → data key → deps → app in the prepared data dir; nothing started. */
async function openCore(config: Config, opts: StartOptions, shared: ProcessState, restore: AppDeps['restore']): Promise<Core> {
  const { log, clock, build, counters } = shared;
  const db = openApplianceDatabase(join(config.dataDir, DB_FILE), { build, log, now: () => clock.now() }, { migrationsFolder: opts.migrationsFolder });
  // Under an intake burst, WAL checkpoints (copy + fsync) move off the event loop.
  const checkpointer = createCheckpointer(db, join(config.dataDir, DB_FILE));
  const settings = createSettingsStore(db, clock, { timeZone: config.timezone });
  const limiter = (shared.limiter ??= createRateLimiter({ limit: settings.delivery().rateLimit, windowMs: config.rateWindowMs, clock }));
  limiter.setLimit(settings.delivery().rateLimit);
  let worker: DeliveryWorker | undefined;
  const deps: AppDeps = {
    db,
    build,
    config,
    clock,
    log,
    wecom: countingWecomClient(createWecomClient({ origin: config.wecomApiOrigin, timeoutMs: opts.wecomTimeoutMs ?? WECOM_TIMEOUT_MS }), counters, () => clock.now()),
    secretBox: createSecretBox(loadDataKey({ secretKey: config.secretKey, dataDir: config.dataDir })),
    loginThrottle: createLoginThrottle({ clock }),
    passwords: opts.passwords ?? createPasswordHasher({ n: opts.scryptN }),
    storedCounts: createStoredCounts({ file: join(config.dataDir, DB_FILE), sqlite: db.$client, clock, ttlMs: opts.metricsCacheMs }),
    settings,
    limiter,
    wakeWorker: () => worker?.wake(),
    recordLater: (write) => worker?.recordLater(write),
    digestSettleChunk: opts.digestSettleChunk,
    counters,
    calendar: createCalendarStore(db, clock, loadChinaHolidays()),
    restore,
  };
  deps.metricRules = createMetricRuleEngine({ db, clock, settings, wakeWorker: deps.wakeWorker, maxStoresPerRule: opts.metricRuleStoreLimit, calendar: deps.calendar });
  deps.heartbeats = createHeartbeatEngine({ db, clock, settings, calendar: deps.calendar, wakeWorker: deps.wakeWorker });
  const ruleDeps = { db, clock, settings, publicUrl: config.publicUrl, metricRules: deps.metricRules, calendar: deps.calendar, heartbeats: deps.heartbeats, log };
  worker = createDeliveryWorker({
    db,
    clock,
    log,
    wecom: deps.wecom,
    settings,
    limiter,
    channelKey: () => usableChannelKey(deps),
    storedChannelKey: () => storedKey(deps),
    publicUrl: config.publicUrl,
    calendar: deps.calendar,
    counters,
    retry: opts.retryBaseMs ? { baseMs: opts.retryBaseMs, maxMs: opts.retryBaseMs * 8 } : undefined,
    settleChunk: opts.digestSettleChunk,
  });
  if (opts.reportThread ?? true) deps.reportThread = createReportThread({ file: join(config.dataDir, DB_FILE), db, settings, log });
  const reports = createReportScheduler({ db, clock, log, settings, wakeWorker: deps.wakeWorker, timers: opts.reportTimers ?? true, reportThread: deps.reportThread, calendar: deps.calendar });
  deps.reports = reports;
  deps.nextReport = () => reports.nextReport();
  // Checking ADMIN_PASSWORD is a scrypt, about half a second: the API and the health probes answer
  // meanwhile; console requests wait for it, so none sees the password or the sessions from before.
  deps.consoleReady = syncAdminPassword(deps);
  // Awaited by main (a failure stops the process) and by a restore; this keeps an early failure from counting as unhandled.
  deps.consoleReady.catch(() => undefined);
  if (!config.adminPassword && !getAdminPasswordHash(db)) {
    deps.setupCode = createSetupCode();
    // The one place the code appears: whoever reads the log (docker compose logs) may claim the appliance,
    // so it is written at any LOG_LEVEL (no other secret is in the line).
    log.always('first run: open the console and enter this setup code to create the admin password', { setupCode: deps.setupCode.display });
  }
  deleteExpiredSessions(db, clock.now());
  const fallback = config.fallbackWebhookUrl ? parseFallbackUrl(config.fallbackWebhookUrl) : undefined;
  const wecomTimeoutMs = opts.wecomTimeoutMs ?? WECOM_TIMEOUT_MS;
  const observed = { db, counters, secretBox: deps.secretBox, dataDir: config.dataDir, schedulerTimers: opts.reportTimers ?? true, nextFireCache: createNextFireCache(), calendar: deps.calendar };
  const selfWatch = createSelfWatch({
    observe: (now) => observe(observed, now),
    thresholds: { ...DEFAULT_THRESHOLDS, ...config.selfWatch, rateWindowMs: config.rateWindowMs, ...opts.selfWatch?.thresholds },
    intervalMs: opts.selfWatch?.intervalMs ?? SELF_WATCH_INTERVAL_MS,
    now: () => clock.now(),
    log,
    // Its own client: the fallback's calls are not the main bot's, for the limiter or the counters.
    fallback: fallback?.ok
      ? createFallbackSender({ target: fallback.target, wecom: createWecomClient({ origin: config.wecomApiOrigin, timeoutMs: wecomTimeoutMs }), post: httpPost, timeoutMs: wecomTimeoutMs, log, version: build.version, publicUrl: config.publicUrl })
      : undefined,
    lang: () => settings.delivery().language,
    fallbackPerHour: opts.selfWatch?.fallbackPerHour,
    memory: (shared.selfWatch ??= createSelfWatchMemory()),
  });
  deps.selfWatch = selfWatch;
  const started = worker;
  let ruleTicks: { stop(): void } | undefined;
  let heartbeatTicks: { stop(): void } | undefined;
  return {
    deps,
    worker: started,
    reports,
    ruleDeps,
    app: createApp(deps),
    async start() {
      started.start();
      // After the worker: catch-up runs queue messages the worker then sends.
      await reports.start();
      ruleTicks = (opts.ruleTimers ?? true) ? startRuleTicks(ruleDeps) : undefined;
      if (opts.selfWatch?.timers ?? true) selfWatch.start();
      // A check that went down while the appliance was stopped is judged now: one alert, not one per missed period.
      try {
        runHeartbeatTick(ruleDeps, clock.now());
      } catch (error) {
        log.error('heartbeat check at start failed', { error });
      }
      heartbeatTicks = (opts.ruleTimers ?? true) ? startHeartbeatTicks(ruleDeps) : undefined;
    },
    async close() {
      await selfWatch.stop();
      ruleTicks?.stop();
      heartbeatTicks?.stop();
      // A report being built is abandoned (its run fails, saying so) rather than waited for.
      await deps.reportThread?.close();
      await reports.stop();
      await started.stop();
      await deps.storedCounts.close();
      await checkpointer.close();
      closeDatabase(db);
    },
  };
}

/** config → listening server → the core (database, deps, app) → worker, scheduler, rule timers. */
export async function startAppliance(config: Config, opts: StartOptions = {}): Promise<Appliance> {
  const log = opts.log ?? createLogger({ level: config.logLevel });
  const clock = opts.clock ?? systemClock;
  const shared: ProcessState = { log, clock, build: opts.build ?? readBuildInfo(), counters: createOpsCounters(clock.now()) };
  // While the core opens at start or a restore swaps the database, requests wait for it instead of reaching none or a closed one.
  let swapping: Promise<undefined> | undefined;
  const restore: NonNullable<AppDeps['restore']> = (staged, audit) => {
    const run = swapIn(staged, audit);
    // Waited on by other requests, never failing them: the restore's own request hears its outcome.
    swapping = run.then(
      () => (swapping = undefined),
      () => (swapping = undefined),
    );
    return run;
  };
  let core!: Core;

  /** Closes the core, puts the checked backup in place (the current database kept), and opens a new core on it. */
  async function swapIn(staged: string, audit: { ip: string | null; file: string; bytes: number }): Promise<RestoreOutcome> {
    await core.close();
    const reopen = async () => {
      core = await openCore(config, opts, shared, restore);
      await core.start();
      await core.deps.consoleReady;
    };
    let kept: string | undefined;
    try {
      ({ kept } = swapInBackup(config.dataDir, DB_FILE, staged, { now: clock.now(), actor: 'admin', ...audit }));
    } catch (err) {
      // Nothing was moved: carry on with the database as it was.
      await reopen();
      throw err;
    }
    const copiesBefore = new Set(preUpgradeBackups(config.dataDir));
    try {
      await reopen();
    } catch (err) {
      // The backup passed its checks but does not open: the kept copy goes back, as it was, and the
      // copy taken before migrating the refused backup goes too (it is no version's database of before).
      log.error('the restored database did not open: the previous one is back', { error: err });
      if (kept) putBackKept(config.dataDir, DB_FILE, kept);
      for (const f of preUpgradeBackups(config.dataDir)) if (!copiesBefore.has(f)) rmSync(join(config.dataDir, f), { force: true });
      await reopen();
      const reason = err instanceof Error ? err.message : String(err);
      writeAudit(core.deps.db, clock.now(), { actor: 'admin', action: 'backup.restore_failed', detail: { file: audit.file, bytes: audit.bytes, reason }, ip: audit.ip });
      throw err;
    }
    log.warn('database restored from a backup', { file: audit.file, bytes: audit.bytes, kept });
    return { kept };
  }

  // The port first: a start that cannot listen has not touched (or migrated) the database.
  let opened!: (value: undefined) => void;
  swapping = new Promise<undefined>((resolve) => (opened = resolve));
  const guard = createConnectionGuard({ limits: opts.httpLimits, counts: shared.counters.connections, trusted: proxyTrust(config.trustProxy) });
  const hostname = opts.hostname ?? config.host;
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve(
      {
        // No async frame of its own unless a restore is swapping the database: a request's promises cost
        // it hooks once a console page has been shown (webMiddleware.ts).
        fetch: (req, env) => (swapping ? swapping.then(() => core.app.fetch(req, env)) : core.app.fetch(req, env)),
        port: config.port,
        hostname,
        serverOptions: guard.serverOptions,
        createServer: ((options: ServerOptions, listener: RequestListener) => createServer(options, guard.listener(listener))) as typeof createServer,
      },
      () => {
        s.off('error', fail);
        resolve(s);
      },
    ) as Server;
    guard.attach(s);
    const fail = (err: Error) => reject(listenFailure(err, { port: config.port, host: hostname }));
    s.once('error', fail);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  let lock: DataDirLock | undefined;
  try {
    const modes = prepareDataDir(config.dataDir, DB_FILE, DATA_KEY_FILE);
    for (const { file, mode } of modes.corrected) {
      log.warn('corrected the permissions of a data file: only the appliance user may read it now', { file, was: mode, now: file === config.dataDir ? '0700' : '0600' });
    }
    for (const { file, mode } of modes.left) {
      log.warn('a data file is readable beyond the appliance user and is not its to restrict: restrict it as its owner', { file, mode, want: file === config.dataDir ? '0700' : '0600' });
    }
    lock = lockDataDir(config.dataDir);
    if (!lock) {
      throw new StartupRefusal(
        `DATA_DIR ${config.dataDir} is in use by another running appliance (it holds ${LOCK_FILE}): stop that one first, or give this one its own DATA_DIR. Nothing was changed.`,
      );
    }
    for (const partial of removeStalePartials(config.dataDir)) log.warn('removed a half-written copy an interrupted start or restore left behind', { file: join(config.dataDir, partial) });
    core = await openCore(config, opts, shared, restore);
  } catch (err) {
    // Nothing was served: let the port and the data directory go so the process can exit with the one line.
    lock?.release();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    throw err;
  }
  opened(undefined);
  swapping = undefined;
  if (config.wecomOriginOverridden) log.warn('WECOM_API_ORIGIN is set: messages go to a test origin, not WeCom', { origin: config.wecomApiOrigin });
  log.info('listening', { host: typeof address === 'object' && address ? address.address : config.host, port });
  await core.start();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      // Stop intake first; in-flight requests and the in-flight send finish, then the database closes.
      // A report being built is not waited for: a Run now request waiting on it answers at once.
      void core.deps.reportThread?.close();
      server.close(() => {
        void (swapping ?? Promise.resolve())
          .then(() => core.close())
          .finally(() => lock?.release())
          .then(() => {
            log.info('stopped');
            resolve();
          });
      });
      server.closeIdleConnections();
      // In-flight requests get a few seconds; a slow sender still dribbling a body does not hold the shutdown.
      setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
    }));
  return {
    get deps() {
      return core.deps;
    },
    get worker() {
      return core.worker;
    },
    get reports() {
      return core.reports;
    },
    ruleTick: (now = clock.now()) => runRuleTick(core.ruleDeps, now),
    heartbeatTick: (now = clock.now()) => runHeartbeatTick(core.ruleDeps, now),
    port,
    url: `http://127.0.0.1:${port}`,
    close,
  };
}
