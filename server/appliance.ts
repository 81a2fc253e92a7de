import { serve, type ServerType } from '@hono/node-server';
import { basename, join } from 'node:path';
import { createCheckpointer } from '../db/checkpointer.ts';
import { closeDatabase } from '../db/client.ts';
import { getAdminPasswordHash, setAdminPasswordHash } from '../db/queries/admin.ts';
import { deleteAllSessions, deleteExpiredSessions } from '../db/queries/sessions.ts';
import { createApp } from './app.tsx';
import { readBuildInfo, type BuildInfo } from './buildInfo.ts';
import { openApplianceDatabase } from './databaseUpgrade.ts';
import { swapInBackup } from './restore.ts';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { AppDeps, RestoreOutcome } from './deps.ts';
import { createLogger, type Logger } from './log.ts';
import { listenFailure } from './listenFailure.ts';
import { createLoginThrottle } from './security/loginThrottle.ts';
import { createPasswordHasher } from './security/passwords.ts';
import { createSetupCode } from './security/setupCode.ts';
import { prepareDataDir } from './dataDir.ts';
import { createStoredCounts } from './metrics/storedCounts.ts';
import { createSecretBox, DATA_KEY_FILE, loadDataKey } from './security/secretBox.ts';
import { createWecomClient } from './wecom/client.ts';
import { createRateLimiter, type RateLimiter } from './delivery/rateLimiter.ts';
import { createDeliveryWorker, type DeliveryWorker } from './delivery/worker.ts';
import { storedKey, usableChannelKey } from './channel/wecomChannel.ts';
import { createSettingsStore } from './settings/settingsStore.ts';
import { countingWecomClient, createOpsCounters, type OpsCounters } from './opsCounters.ts';
import { createReportScheduler, type ReportScheduler } from './reports/scheduler.ts';
import { createMetricRuleEngine } from './metricRules/engine.ts';
import { runRuleTick, startRuleTicks } from './metricRules/ticks.ts';

export const DB_FILE = 'notifier.db';
export const WECOM_TIMEOUT_MS = 10_000;

export interface Appliance {
  deps: AppDeps;
  worker: DeliveryWorker;
  reports: ReportScheduler;
  /** Evaluates no-data rules and reminders at `now` (what the minute timer does; tests call it with a fake clock). */
  ruleTick(now?: number): void;
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
  /** The minute timer of metric rules (default on); tests may drive `ruleTick(now)` instead. */
  ruleTimers?: boolean;
  /** The running build (default: read from dist/build-info.json or the checkout). */
  build?: BuildInfo;
  /** Tests add a (failing) migration to a copy of db/migrations. */
  migrationsFolder?: string;
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
  ruleDeps: Parameters<typeof runRuleTick>[0];
  app: ReturnType<typeof createApp>;
  start(): Promise<void>;
  /** Stops the timers, the scheduler and the worker (the in-flight send finishes), closes the database. */
  close(): Promise<void>;
}

/** What outlives a restore: the process's counters, and the one bot's rate window. */
interface ProcessState {
  log: Logger;
  clock: Clock;
  build: BuildInfo;
  counters: OpsCounters;
  limiter?: RateLimiter;
}

/** data dir → db (refused if newer, backed up, migrated) → data key → deps → app; nothing started. */
async function openCore(config: Config, opts: StartOptions, shared: ProcessState, restore: AppDeps['restore']): Promise<Core> {
  const { log, clock, build, counters } = shared;
  for (const { file, mode } of prepareDataDir(config.dataDir, DB_FILE, DATA_KEY_FILE)) {
    log.warn('corrected the permissions of a data file: only the appliance user may read it now', { file, was: mode, now: file === config.dataDir ? '0700' : '0600' });
  }
  const db = openApplianceDatabase(join(config.dataDir, DB_FILE), { build, log, now: () => clock.now() }, { migrationsFolder: opts.migrationsFolder });
  // Under an intake burst, WAL checkpoints (copy + fsync) move off the event loop.
  const checkpointer = createCheckpointer(db, join(config.dataDir, DB_FILE));
  const settings = createSettingsStore(db, clock, { timeZone: config.timezone });
  const limiter = (shared.limiter ??= createRateLimiter({ limit: settings.delivery().rateLimit, windowMs: config.rateWindowMs }));
  limiter.setLimit(settings.delivery().rateLimit);
  let worker: DeliveryWorker | undefined;
  const deps: AppDeps = {
    db,
    build,
    config,
    clock,
    log,
    wecom: countingWecomClient(createWecomClient({ origin: config.wecomApiOrigin, timeoutMs: opts.wecomTimeoutMs ?? WECOM_TIMEOUT_MS }), counters),
    secretBox: createSecretBox(loadDataKey({ secretKey: config.secretKey, dataDir: config.dataDir })),
    loginThrottle: createLoginThrottle({ clock }),
    passwords: createPasswordHasher({ n: opts.scryptN }),
    storedCounts: createStoredCounts({ file: join(config.dataDir, DB_FILE), sqlite: db.$client, clock, ttlMs: opts.metricsCacheMs }),
    settings,
    limiter,
    wakeWorker: () => worker?.wake(),
    counters,
    restore,
  };
  deps.metricRules = createMetricRuleEngine({ db, clock, settings, wakeWorker: deps.wakeWorker });
  const ruleDeps = { db, clock, settings, publicUrl: config.publicUrl, metricRules: deps.metricRules, log };
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
    counters,
    retry: opts.retryBaseMs ? { baseMs: opts.retryBaseMs, maxMs: opts.retryBaseMs * 8 } : undefined,
  });
  const reports = createReportScheduler({ db, clock, log, settings, wakeWorker: deps.wakeWorker, timers: opts.reportTimers ?? true });
  deps.reports = reports;
  deps.nextReport = () => reports.nextReport();
  await syncAdminPassword(deps);
  if (!getAdminPasswordHash(db)) {
    deps.setupCode = createSetupCode();
    // The one place the code appears: whoever reads the log (docker compose logs) may claim the appliance.
    log.warn('first run: open the console and enter this setup code to create the admin password', { setupCode: deps.setupCode.display });
  }
  deleteExpiredSessions(db, clock.now());
  const started = worker;
  let ruleTicks: { stop(): void } | undefined;
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
    },
    async close() {
      ruleTicks?.stop();
      await reports.stop();
      await started.stop();
      await deps.storedCounts.close();
      await checkpointer.close();
      closeDatabase(db);
    },
  };
}

/** config → the core (database, deps, app) → listening server → worker, scheduler, rule timers. */
export async function startAppliance(config: Config, opts: StartOptions = {}): Promise<Appliance> {
  const log = opts.log ?? createLogger({ level: config.logLevel });
  const clock = opts.clock ?? systemClock;
  const shared: ProcessState = { log, clock, build: opts.build ?? readBuildInfo(), counters: createOpsCounters(clock.now()) };
  // While a restore swaps the database, requests wait for it instead of reaching a closed one.
  let swapping: Promise<unknown> | undefined;
  const restore: NonNullable<AppDeps['restore']> = (staged, audit) => {
    const run = swapIn(staged, audit);
    swapping = run.finally(() => (swapping = undefined));
    return run;
  };
  let core = await openCore(config, opts, shared, restore);
  if (config.wecomOriginOverridden) log.warn('WECOM_API_ORIGIN is set: messages go to a test origin, not WeCom', { origin: config.wecomApiOrigin });

  /** Closes the core, puts the checked backup in place (the current database kept), and opens a new core on it. */
  async function swapIn(staged: string, audit: { ip: string | null; file: string; bytes: number }): Promise<RestoreOutcome> {
    await core.close();
    const reopen = async () => {
      core = await openCore(config, opts, shared, restore);
      await core.start();
    };
    let kept: string | undefined;
    try {
      ({ kept } = swapInBackup(config.dataDir, DB_FILE, staged, { now: clock.now(), actor: 'admin', ...audit }));
    } catch (err) {
      // Nothing was moved: carry on with the database as it was.
      await reopen();
      throw err;
    }
    try {
      await reopen();
    } catch (err) {
      // The backup passed its checks but does not open: the kept copy goes back, as it was.
      log.error('the restored database did not open: the previous one is back', { error: err });
      if (kept) swapInBackup(config.dataDir, DB_FILE, kept, { now: clock.now(), actor: 'admin', file: basename(kept), bytes: 0, ip: audit.ip });
      await reopen();
      throw err;
    }
    log.warn('database restored from a backup', { file: audit.file, bytes: audit.bytes, kept });
    return { kept };
  }

  const hostname = opts.hostname ?? config.host;
  const server: ServerType = await new Promise<ServerType>((resolve, reject) => {
    const s = serve(
      {
        fetch: async (req, env) => {
          if (swapping) await swapping.catch(() => undefined);
          return core.app.fetch(req, env);
        },
        port: config.port,
        hostname,
      },
      () => {
        s.off('error', fail);
        resolve(s);
      },
    );
    const fail = (err: Error) => reject(listenFailure(err, { port: config.port, host: hostname }));
    s.once('error', fail);
  }).catch(async (err: unknown) => {
    // Nothing was served: release the database and its helper threads so the process can exit with the one line.
    await core.close();
    throw err;
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log.info('listening', { host: typeof address === 'object' && address ? address.address : config.host, port });
  await core.start();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      // Stop intake first; in-flight requests and the in-flight send finish, then the database closes.
      server.close(() => {
        void (swapping ?? Promise.resolve())
          .catch(() => undefined)
          .then(() => core.close())
          .then(() => {
            log.info('stopped');
            resolve();
          });
      });
      if ('closeIdleConnections' in server) server.closeIdleConnections();
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
    port,
    url: `http://127.0.0.1:${port}`,
    close,
  };
}
