// The system under test: the real appliance (HTTP server, worker, scheduler, SQLite file in a temp
// dir) on a model clock, sending to the fake WeCom on loopback. Crash and restart reopen the
// database as a killed process would leave it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DB_FILE, startAppliance, type Appliance } from '../../server/appliance.ts';
import { loadConfig } from '../../server/config.ts';
import { createLogger } from '../../server/log.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { postEvent } from '../helpers/api.ts';
import { ConsoleClient, type Page } from '../helpers/consoleClient.ts';
import { sleep } from '../helpers/random.ts';
import { ModelClock } from './modelClock.ts';

const PASSWORD = 'model-test-password';
// A fixed data key, so a restarted process (in a new directory) reads the sealed webhook key.
const SECRET_KEY = 'c0ffee'.repeat(11);
/** The client gives up on a hanging WeCom after this long (real time): the "timeout" behaviour. */
const WECOM_TIMEOUT_MS = 2000;
/** Longest the engine may take to finish what is due before the test calls it stuck. */
const SETTLE_LIMIT_MS = 30_000;

export interface Rig {
  fake: FakeWecom;
  clock: ModelClock;
  app: Appliance;
  console: ConsoleClient;
  token: string;
  /** Index into `fake.calls` where the current process began (its /metrics counters start there). */
  callsAtStart: number;
  dirs: string[];
}

function newDir(): string {
  return mkdtempSync(join(tmpdir(), 'notifier-model-'));
}

async function startIn(dataDir: string, clock: ModelClock, fake: FakeWecom, env: Record<string, string> = {}): Promise<Appliance> {
  const config = loadConfig({ PORT: '0', DATA_DIR: dataDir, WECOM_API_ORIGIN: fake.origin, SECRET_KEY, LOG_LEVEL: 'error', ...env });
  const log = createLogger({ level: 'error', write: () => {} });
  clock.processStarted();
  // Report timers off: croner runs on real time, and reports are no part of this model. /metrics
  // counts uncached: the model compares them with WeCom's record right after each command, while
  // the model clock may not move for the few seconds the cache lives. Digests of more than two
  // members settle in chunks, as only very large ones do at the default size.
  return startAppliance(config, { log, clock: clock.appliance, hostname: '127.0.0.1', wecomTimeoutMs: WECOM_TIMEOUT_MS, reportTimers: false, metricsCacheMs: 0, digestSettleChunk: 2 });
}

/** A signed-in console for the appliance now listening, carrying over the session (it lives in the database). */
function consoleFor(app: Appliance, from: { cookies: Map<string, string>; csrf: string | undefined }): ConsoleClient {
  const client = new ConsoleClient(app.url);
  client.cookies = new Map(from.cookies);
  client.csrf = from.csrf;
  return client;
}

/**
 * A fresh appliance's database with the admin password set, a console session and an API token,
 * made once per test file: every run starts from a copy instead of paying two scrypt hashes.
 */
export interface Template {
  image: Buffer;
  cookies: Map<string, string>;
  csrf: string | undefined;
  token: string;
}

export async function makeTemplate(startMs: number): Promise<Template> {
  const clock = new ModelClock(startMs);
  const fake = await startFakeWecom({ now: clock.wecom.now });
  const dir = newDir();
  const app = await startIn(dir, clock, fake, { ADMIN_PASSWORD: PASSWORD });
  try {
    const client = new ConsoleClient(app.url);
    await client.signIn(PASSWORD);
    const { token } = issueApiToken(app.deps, { name: 'model', requireSignature: false, now: clock.appliance.now() });
    return { image: app.deps.db.$client.serialize(), cookies: client.cookies, csrf: client.csrf, token };
  } finally {
    await app.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function dirWith(image: Buffer): string {
  const dir = newDir();
  writeFileSync(join(dir, DB_FILE), image);
  return dir;
}

export async function startRig(template: Template, startMs: number): Promise<Rig> {
  const clock = new ModelClock(startMs);
  const fake = await startFakeWecom({ now: clock.wecom.now });
  const dir = dirWith(template.image);
  const app = await startIn(dir, clock, fake);
  return { fake, clock, app, console: consoleFor(app, template), token: template.token, callsAtStart: 0, dirs: [dir] };
}

/**
 * Kills the process at this instant: the database as committed now (better-sqlite3 commits
 * synchronously, so a snapshot between two turns is what a SIGKILL leaves) is reopened by a new
 * process. The old one is stopped first so it starts nothing new; a send it had on the wire still
 * reaches WeCom, like a request already written to the socket, and is recorded only in the old copy.
 */
export async function crashAndRestart(rig: Rig): Promise<void> {
  const old = rig.app;
  const stopping = old.worker.stop();
  const dir = dirWith(old.deps.db.$client.serialize());
  rig.dirs.push(dir);
  await stopping;
  await old.close();
  rig.callsAtStart = rig.fake.calls.length;
  rig.app = await startIn(dir, rig.clock, rig.fake);
  rig.console = consoleFor(rig.app, rig.console);
}

export async function stopRig(rig: Rig): Promise<void> {
  await rig.app.close();
  await rig.fake.close();
  for (const dir of rig.dirs) rmSync(dir, { recursive: true, force: true });
}

/** Signs in again when the session expired (the model clock moves by days). */
export async function signedIn(rig: Rig): Promise<void> {
  const page = await rig.console.get('/channels');
  if (page.status !== 200) await rig.console.signIn(PASSWORD);
}

/** A console form post, signed in first, as htmx posts it: the answer comes in place with its status (a plain form gets a redirect). */
export async function consolePost(rig: Rig, path: string, fields: Record<string, string> = {}): Promise<Page> {
  await signedIn(rig);
  return rig.console.postForm(path, fields, { 'hx-request': 'true' });
}

export function postJson(rig: Rig, path: '/api/v1/events' | '/api/v1/alertmanager', body: unknown) {
  return postEvent(rig.app.url, rig.token, body, { path });
}

const row = <T>(rig: Rig, sql: string, ...params: unknown[]) => rig.app.deps.db.$client.prepare(sql).get(...params) as T | undefined;

/** A send on the wire: a worker row in `sending`, or a request the fake has not answered. */
function busy(rig: Rig): boolean {
  return rig.fake.inFlight() > 0 || row(rig, `SELECT 1 FROM deliveries WHERE status = 'sending' LIMIT 1`) !== undefined;
}

/** Work the engine itself says it could do right now. */
function workDue(rig: Rig, quietNow: boolean): boolean {
  const now = rig.clock.appliance.now();
  if (!quietNow && row(rig, `SELECT 1 FROM events WHERE status = 'held' LIMIT 1`)) return true;
  if (row(rig, `SELECT 1 FROM digest_settlements LIMIT 1`)) return true;
  const channel = row<{ status: string }>(rig, `SELECT status FROM channel`);
  if (channel?.status !== 'connected' || rig.app.deps.limiter.waitMs(now) > 0) return false;
  return sendableQueued(rig, now);
}

/**
 * A queued message the worker could send at `now`: due, and not held back by an earlier one of its
 * event or set still queued (waiting for its retry), as store.nextDue asks.
 */
export function sendableQueued(rig: Rig, now: number): boolean {
  return (
    row(
      rig,
      `SELECT 1 FROM deliveries d WHERE d.status = 'queued' AND d.next_attempt_at <= ?
         AND (d.event_id IS NULL OR NOT EXISTS (SELECT 1 FROM deliveries o WHERE o.event_id = d.event_id AND o.status = 'queued'
           AND (coalesce(o.split_from, o.id), o.id) < (coalesce(d.split_from, d.id), d.id)))
         AND (d.set_id IS NULL OR NOT EXISTS (SELECT 1 FROM deliveries o WHERE o.set_id = d.set_id AND o.status = 'queued'
           AND (coalesce(o.split_from, o.id), o.id) < (coalesce(d.split_from, d.id), d.id)))
       LIMIT 1`,
      now,
    ) !== undefined
  );
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Lets the engine finish everything due at the current (frozen) model time: wakes the worker until
 * nothing is on the wire and nothing it could send is left, twice in a row. No time is asserted:
 * an engine still busy after SETTLE_LIMIT_MS of real time is reported as stuck.
 */
export async function settle(rig: Rig, quietNow: boolean): Promise<void> {
  const deadline = Date.now() + SETTLE_LIMIT_MS;
  let calm = 0;
  while (calm < 2) {
    if (Date.now() > deadline) throw new Error('the engine did not settle: work stayed due or a send stayed on the wire');
    rig.app.worker.wake();
    await turn();
    await turn();
    if (busy(rig) || workDue(rig, quietNow)) {
      calm = 0;
      await sleep(2);
    } else calm++;
  }
}
