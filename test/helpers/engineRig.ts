// The delivery engine without the HTTP server: a real SQLite file, a fake clock, the settings store
// and intake, and (when asked) the real worker sending to the fake WeCom on 127.0.0.1.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeDatabase, openDatabase, type Db } from '../../db/client.ts';
import { getChannel, saveConnectedChannel } from '../../db/queries/channel.ts';
import { createRateLimiter, type RateLimiter } from '../../server/delivery/rateLimiter.ts';
import { createDeliveryWorker, type DeliveryWorker } from '../../server/delivery/worker.ts';
import { ingestEvents, type Accepted } from '../../server/delivery/intake.ts';
import { parseEvent, type InboundEvent } from '../../server/events/schema.ts';
import { createLogger } from '../../server/log.ts';
import { createSettingsStore, type SettingsStore } from '../../server/settings/settingsStore.ts';
import { createWecomClient, type WecomClient } from '../../server/wecom/client.ts';
import { afterEach } from 'vitest';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';

export const RIG_KEY = '7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e';

export interface FakeClock {
  now(): number;
  set(at: number): void;
  advance(ms: number): void;
}

export function fakeClock(start = Date.UTC(2026, 10, 30, 4, 0, 0)): FakeClock {
  let t = start;
  return { now: () => t, set: (at) => void (t = at), advance: (ms) => void (t += ms) };
}

export interface EngineRig {
  db: Db;
  clock: FakeClock;
  settings: SettingsStore;
  limiter: RateLimiter;
  post(body: Record<string, unknown>): Accepted;
  close(): Promise<void>;
}

export function event(body: Record<string, unknown>): InboundEvent {
  const r = parseEvent({ kind: 'alert', category: 'inventory', severity: 'warning', title: 'SKU-7 库存告急', store: '杭州旗舰店', ...body });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.event;
}

export function startEngineRig(opts: { clock?: FakeClock; windowMs?: number; dir?: string } = {}): EngineRig {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'engine-rig-'));
  const db = openDatabase(join(dir, 'notifier.db'));
  const clock = opts.clock ?? fakeClock();
  const settings = createSettingsStore(db, clock, { timeZone: 'Asia/Shanghai' });
  settings.setDelivery({ ...settings.delivery(), language: 'en' });
  const limiter = createRateLimiter({ limit: settings.delivery().rateLimit, windowMs: opts.windowMs ?? 60_000 });
  return {
    db,
    clock,
    settings,
    limiter,
    post: (body) => ingestEvents({ db, clock, settings }, [event(body)], { source: 'api', tokenId: null })[0]!,
    async close() {
      closeDatabase(db);
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface WorkerRig extends EngineRig {
  fake: FakeWecom;
  wecom: WecomClient;
  worker: DeliveryWorker;
  /** The key the worker uses; change it to simulate a replaced URL. */
  key: { current: string | undefined };
}

/**
 * The engine plus the real worker sending to the fake WeCom (its window as given, 60 s by default).
 * With `dir`, the SQLite file there is kept on close, so a new rig on it is a restart.
 */
export async function startWorkerRig(opts: { clock?: FakeClock; windowMs?: number; dir?: string; foldEveryMs?: number; settleChunk?: number } = {}): Promise<WorkerRig> {
  const rig = startEngineRig(opts);
  const fake = await startFakeWecom({ keys: [RIG_KEY], windowMs: opts.windowMs ?? 60_000 });
  const wecom = createWecomClient({ origin: fake.origin, timeoutMs: 500 });
  saveConnectedChannel(rig.db, { keyCiphertext: 'sealed', keyLast4: RIG_KEY.slice(-4), now: rig.clock.now() });
  const key = { current: RIG_KEY as string | undefined };
  const worker = createDeliveryWorker({
    db: rig.db,
    clock: rig.clock,
    wecom,
    log: createLogger({ level: 'error', write: () => {} }),
    settings: rig.settings,
    limiter: rig.limiter,
    channelKey: () => (getChannel(rig.db)?.status === 'connected' ? key.current : undefined),
    maxIdleMs: 50,
    foldEveryMs: opts.foldEveryMs ?? 10,
    random: () => 0.5,
    settleChunk: opts.settleChunk,
  });
  return {
    ...rig,
    fake,
    wecom,
    worker,
    key,
    async close() {
      await worker.stop();
      await fake.close();
      await rig.close();
    },
  };
}

/**
 * Rigs for a test file, each closed after the test that started it. Call at the file's top level
 * (it registers the afterEach); `track` closes anything else with a `close()` the same way.
 */
export function rigsClosedAfterEach() {
  const open: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    for (const r of open.splice(0)) await r.close();
  });
  const track = <T extends { close(): Promise<void> }>(r: T): T => (open.push(r), r);
  return {
    track,
    engine: (opts?: Parameters<typeof startEngineRig>[0]) => track(startEngineRig(opts)),
    worker: async (opts?: Parameters<typeof startWorkerRig>[0]) => track(await startWorkerRig(opts)),
  };
}
