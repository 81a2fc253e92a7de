import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAppliance, type Appliance, type StartOptions } from '../../server/appliance.ts';
import type { BuildInfo } from '../../server/buildInfo.ts';
import type { Clock } from '../../server/clock.ts';
import { loadConfig } from '../../server/config.ts';
import { createLogger } from '../../server/log.ts';
import type { HttpLimits } from '../../server/security/connectionLimits.ts';
import { rememberSetupCode } from './consoleClient.ts';

export interface TestAppliance extends Appliance {
  dataDir: string;
  /** Every log line the appliance wrote, at debug level. */
  logs: string[];
  stop(): Promise<void>;
}

/** A real appliance on 127.0.0.1 with a fresh SQLite file, sending to the given (fake) WeCom origin. */
export async function startTestAppliance(opts: {
  wecomOrigin: string;
  env?: Record<string, string>;
  clock?: Clock;
  wecomTimeoutMs?: number;
  retryBaseMs?: number;
  dataDir?: string;
  /** Defaults to 0 so tests read fresh counts; the production default is 5 s. */
  metricsCacheMs?: number;
  /** Defaults to 2^14 so sign-ins stay fast; the production cost (2^17) where a test needs it. */
  scryptN?: number;
  /** Connection timeouts and caps; defaults to the production HTTP_LIMITS. */
  httpLimits?: Partial<HttpLimits>;
  build?: BuildInfo;
  migrationsFolder?: string;
  /** Stores one metric rule watches at most; the production limit unless a test lowers it. */
  metricRuleStoreLimit?: number;
  selfWatch?: StartOptions['selfWatch'];
  reportTimers?: boolean;
}): Promise<TestAppliance> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'notifier-test-'));
  const config = loadConfig({ PORT: '0', DATA_DIR: dataDir, WECOM_API_ORIGIN: opts.wecomOrigin, LOG_LEVEL: 'debug', ...opts.env });
  const logs: string[] = [];
  const log = createLogger({ level: 'debug', write: (line) => logs.push(line) });
  const appliance = await startAppliance(config, { log, clock: opts.clock, hostname: '127.0.0.1', wecomTimeoutMs: opts.wecomTimeoutMs ?? 1500, retryBaseMs: opts.retryBaseMs, metricsCacheMs: opts.metricsCacheMs ?? 0, scryptN: opts.scryptN ?? 2 ** 14, build: opts.build, migrationsFolder: opts.migrationsFolder, httpLimits: opts.httpLimits, metricRuleStoreLimit: opts.metricRuleStoreLimit, selfWatch: opts.selfWatch, reportTimers: opts.reportTimers });
  // As main does: the start counts as done once ADMIN_PASSWORD is checked (the console waits for it anyway).
  await appliance.deps.consoleReady;
  if (appliance.deps.setupCode) rememberSetupCode(appliance.url, appliance.deps.setupCode.display);
  // The appliance's deps, worker and reports are getters (a restore replaces them): kept live, not copied.
  return Object.assign(Object.create(appliance) as Appliance, {
    dataDir,
    logs,
    async stop() {
      await appliance.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
