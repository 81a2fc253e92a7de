import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEvent } from '../../server/delivery/store.ts';
import { CATEGORIES } from '../../server/events/schema.ts';
import { startFakeWecom } from '../fakeWecom.ts';
import { outcomes } from '../helpers/accounting.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { readOnlyDb, seedDataDir, spawnChild, waitReady, type Child } from '../helpers/childAppliance.ts';
import { seededRandom, sleep } from '../helpers/random.ts';

// SOAK_KILLS=20 for the full run; the default keeps CI well under a minute and a half.
const KILLS = Number(process.env.SOAK_KILLS ?? 7);
const SEED = Number(process.env.SOAK_SEED ?? 60_601);
const KEY = '5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f';
const WINDOW_MS = 2_000;
const PHASES = ['intake', 'send', 'digest', 'restart'] as const;
type Phase = (typeof PHASES)[number];

const titleOf = (n: number) => `soak-${String(n).padStart(6, '0')}`;
const TITLE = /soak-\d{6}/g;

describe('crash soak: SIGKILL at random moments, restart, account for every accepted event', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'notifier-soak-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it(`loses nothing across ${KILLS} kills (seed ${SEED})`, async () => {
    const rnd = seededRandom(SEED);
    const fake = await startFakeWecom({ keys: [KEY], windowMs: WINDOW_MS });
    // Every answer takes a little while, so kills often land while a send is on the wire.
    fake.setFailure('slow', { delayMs: 40 });
    const { token } = seedDataDir(dataDir, { key: KEY });
    const env = { DATA_DIR: dataDir, WECOM_API_ORIGIN: fake.origin, WECOM_RATE_WINDOW_MS: String(WINDOW_MS) };
    const db = readOnlyDb(dataDir);
    const accepted = new Set<number>();
    let sentRequests = 0;
    let nextTitle = 0;
    const hits: Array<{ phase: Phase; afterMs: number; intakeInFlight: number; sendInFlight: boolean; digestPending: boolean }> = [];

    const body = () => {
      const n = nextTitle++;
      const severity = n % 197 === 0 ? 'critical' : n % 3 === 0 ? 'warning' : 'info';
      return { kind: 'alert', category: CATEGORIES[n % CATEGORIES.length], severity, title: titleOf(n), store: `store-${n % 4}` };
    };

    /** Posts events with a few concurrent senders until told to stop; answers cut off by a kill promise nothing. */
    const storm = (child: Child, concurrency: number) => {
      let stop = false;
      let inFlight = 0;
      let acceptedHere = 0;
      const done = Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (!stop) {
            inFlight++;
            sentRequests++;
            try {
              const res = await postEvent(child.url, token, body());
              if (res.status === 202) {
                accepted.add(res.json.id as number);
                acceptedHere++;
              } else if (res.status !== 503) throw new Error(`unexpected ${res.status}: ${res.text}`);
            } catch (err) {
              if (err instanceof Error && err.message.startsWith('unexpected')) throw err;
              await sleep(20); // connection refused or reset by the kill
            } finally {
              inFlight--;
            }
            await sleep(rnd.int(0, 4));
          }
        }),
      );
      return { stop: () => ((stop = true), done), inFlight: () => inFlight, accepted: () => acceptedHere };
    };

    const digestPending = () =>
      (db.$client.prepare("select count(*) as n from deliveries where kind = 'digest' and status in ('queued', 'sending')").get() as { n: number }).n > 0;

    const started = Date.now();
    for (let k = 0; k < KILLS; k++) {
      const phase = PHASES[k % PHASES.length]!;
      const child = await spawnChild(env);
      const t0 = Date.now();
      if (phase === 'restart') {
        // Killed while starting: opening the database, recovering `sending` rows, or just ready.
        await sleep(rnd.int(150, 900));
      } else {
        await waitReady(child);
        const s = storm(child, 6);
        // A random moment, counted in events so a slow machine still builds a backlog first.
        await waitFor(() => s.accepted() >= rnd.int(60, 250), 15_000, 2);
        await sleep(rnd.int(0, 150));
        if (phase === 'send') await waitFor(() => fake.inFlight() > 0, 3_000, 1);
        if (phase === 'digest') await waitFor(digestPending, 3_000, 5);
        if (phase === 'intake') await waitFor(() => s.inFlight() > 0, 1_000, 1);
        hits.push({ phase, afterMs: Date.now() - t0, intakeInFlight: s.inFlight(), sendInFlight: fake.inFlight() > 0, digestPending: digestPending() });
        child.process.kill('SIGKILL');
        await s.stop();
      }
      if (phase === 'restart') {
        hits.push({ phase, afterMs: Date.now() - t0, intakeInFlight: 0, sendInFlight: fake.inFlight() > 0, digestPending: digestPending() });
        child.process.kill('SIGKILL');
      }
      await child.exited;
    }

    // The last start: no kill. More events, then everything must settle.
    const child = await spawnChild(env);
    try {
      await waitReady(child);
      const s = storm(child, 4);
      await sleep(500);
      await s.stop();
      const settled = await waitFor(
        () => outcomes(db).pending === 0 && !db.$client.prepare("select 1 from deliveries where status in ('queued', 'sending') limit 1").get(),
        60_000,
        200,
      );
      const o = outcomes(db);
      expect(settled, JSON.stringify(o)).toBe(true);

      const missing = [...accepted].filter((id) => !getEvent(db, id));
      const unsettled = [...accepted].filter((id) => !['sent', 'digested', 'suppressed', 'dead'].includes(getEvent(db, id)?.status ?? 'missing'));
      expect(missing).toEqual([]);
      expect(unsettled).toEqual([]);
      expect(o.dead).toBe(0);

      // Each event the database calls sent was really received; a title in two messages is a duplicate.
      const received = fake.receivedFor(KEY);
      const seen = new Set<string>();
      let duplicates = 0;
      for (const m of received) {
        const titles = JSON.stringify(m.body).match(TITLE) ?? [];
        if (titles.some((t) => seen.has(t))) duplicates++;
        for (const t of titles) seen.add(t);
      }
      const sentIds = (db.$client.prepare("select title from events where status = 'sent'").all() as Array<{ title: string }>).map((r) => r.title);
      const sentButNotReceived = sentIds.filter((t) => !seen.has(t));
      expect(sentButNotReceived).toEqual([]);
      expect(duplicates).toBeLessThanOrEqual(KILLS);
      const digests = (db.$client.prepare("select count(*) as n from deliveries where kind = 'digest' and status = 'sent'").get() as { n: number }).n;

      const figures = {
        seed: SEED,
        kills: KILLS,
        requests: sentRequests,
        accepted: accepted.size,
        lost: missing.length,
        duplicates,
        outcomes: o,
        messages: received.length,
        digests,
        rateLimited45009: fake.rateLimitedCount(),
        killsDuringIntake: hits.filter((h) => h.intakeInFlight > 0).length,
        killsDuringSend: hits.filter((h) => h.sendInFlight).length,
        killsWithDigestPending: hits.filter((h) => h.digestPending).length,
        killsDuringStartup: hits.filter((h) => h.phase === 'restart').length,
        seconds: Math.round((Date.now() - started) / 1000),
      };
      console.log(`crash soak: ${JSON.stringify(figures)}`);
      expect(accepted.size).toBeGreaterThan(hits.filter((h) => h.phase !== 'restart').length * 60);
      expect(figures.killsDuringSend).toBeGreaterThan(0);
      expect(fake.rateLimitedCount()).toBe(0);
    } finally {
      db.$client.close();
      child.process.kill('SIGTERM');
      await child.exited;
      await fake.close();
    }
  }, 60_000 + KILLS * 8_000);
});
