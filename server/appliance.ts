import { serve, type ServerType } from '@hono/node-server';
import { join } from 'node:path';
import { createCheckpointer } from '../db/checkpointer.ts';
import { closeDatabase, openDatabase } from '../db/client.ts';
import { getAdminPasswordHash, setAdminPasswordHash } from '../db/queries/admin.ts';
import { deleteAllSessions, deleteExpiredSessions } from '../db/queries/sessions.ts';
import { createApp } from './app.tsx';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { AppDeps } from './deps.ts';
import { createLogger, type Logger } from './log.ts';
import { listenFailure } from './listenFailure.ts';
import { createLoginThrottle } from './security/loginThrottle.ts';
import { createPasswordHasher } from './security/passwords.ts';
import { createSetupCode } from './security/setupCode.ts';
import { prepareDataDir } from './dataDir.ts';
import { createStoredCounts } from './metrics/storedCounts.ts';
import { createSecretBox, loadDataKey } from './security/secretBox.ts';
import { createWecomClient } from './wecom/client.ts';
import { createRateLimiter } from './delivery/rateLimiter.ts';
import { createDeliveryWorker, type DeliveryWorker } from './delivery/worker.ts';
import { storedKey, usableChannelKey } from './channel/wecomChannel.ts';
import { createSettingsStore } from './settings/settingsStore.ts';
import { countingWecomClient, createOpsCounters } from './opsCounters.ts';
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

/** config → data dir → db (migrated) → data key → app → listening server. */
export async function startAppliance(config: Config, opts: StartOptions = {}): Promise<Appliance> {
  const log = opts.log ?? createLogger({ level: config.logLevel });
  const clock = opts.clock ?? systemClock;
  prepareDataDir(config.dataDir, DB_FILE);
  const db = openDatabase(join(config.dataDir, DB_FILE));
  // Under an intake burst, WAL checkpoints (copy + fsync) move off the event loop.
  const checkpointer = createCheckpointer(db, join(config.dataDir, DB_FILE));
  const settings = createSettingsStore(db, clock, { timeZone: config.timezone });
  const limiter = createRateLimiter({ limit: settings.delivery().rateLimit, windowMs: config.rateWindowMs });
  let worker: DeliveryWorker | undefined;
  const counters = createOpsCounters(clock.now());
  const deps: AppDeps = {
    db,
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
  if (config.wecomOriginOverridden) log.warn('WECOM_API_ORIGIN is set: messages go to a test origin, not WeCom', { origin: config.wecomApiOrigin });

  const app = createApp(deps);
  const hostname = opts.hostname ?? config.host;
  const server: ServerType = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname }, () => {
      s.off('error', fail);
      resolve(s);
    });
    const fail = (err: Error) => reject(listenFailure(err, { port: config.port, host: hostname }));
    s.once('error', fail);
  }).catch(async (err: unknown) => {
    // Nothing was served: release the database and its helper threads so the process can exit with the one line.
    await deps.storedCounts.close();
    await checkpointer.close();
    closeDatabase(db);
    throw err;
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log.info('listening', { host: typeof address === 'object' && address ? address.address : config.host, port });
  worker.start();
  // After the worker: catch-up runs queue messages the worker then sends.
  await reports.start();
  const ruleTicks = (opts.ruleTimers ?? true) ? startRuleTicks(ruleDeps) : undefined;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      // Stop intake first; in-flight requests and the in-flight send finish, then the database closes.
      ruleTicks?.stop();
      server.close(() => {
        void reports
          .stop()
          .then(() => worker.stop())
          .then(() => deps.storedCounts.close())
          .then(() => checkpointer.close())
          .then(() => {
            closeDatabase(db);
            log.info('stopped');
            resolve();
          });
      });
      if ('closeIdleConnections' in server) server.closeIdleConnections();
    }));
  const ruleTick = (now = clock.now()) => runRuleTick(ruleDeps, now);
  return { deps, worker, reports, ruleTick, port, url: `http://127.0.0.1:${port}`, close };
}
