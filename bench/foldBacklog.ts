// Bench scenario: a storm's backlog folded into digests a chunk per transaction (digestBacklog, as the
// worker runs it). Each chunk holds the event loop, and intake with it, so the longest chunk is the
// figure; it must not grow with the backlog. In process, on a SQLite file, the alerts stored as the
// group commit stores them (100 one-event requests per transaction) across three categories, one in
// forty critical.
import { join } from 'node:path';
import { closeDatabase, openDatabase } from '../db/client.ts';
import { DB_FILE } from '../server/appliance.ts';
import { digestBacklog } from '../server/delivery/folds.ts';
import { storeRequests, type IntakeDeps } from '../server/delivery/intake.ts';
import { parseEvent, type InboundEvent } from '../server/events/schema.ts';
import { currentRenderSettings } from '../server/render/eventMessages.ts';
import { createSettingsStore } from '../server/settings/settingsStore.ts';
import { median, type Row } from './lib.ts';

export interface FoldBenchResult {
  queued: number;
  chunks: number;
  chunkMedianMs: number;
  chunkMaxMs: number;
  totalMs: number;
}

const CATEGORIES = ['inventory', 'orders', 'ads'] as const;

export function foldBacklogBench(opts: { dir: string; queued: number; log: (msg: string) => void }): { rows: Row[]; result: FoldBenchResult } {
  const db = openDatabase(join(opts.dir, DB_FILE));
  try {
    let now = Date.now();
    const clock = { now: () => now };
    const settings = createSettingsStore(db, clock, { timeZone: 'Asia/Shanghai' });
    const deps: IntakeDeps = { db, clock, settings };
    const alert = (i: number): InboundEvent => {
      const r = parseEvent({ kind: 'alert', category: CATEGORIES[i % 3], severity: i % 40 ? 'warning' : 'critical', title: `SKU-${i} low stock`, store: 'Tmall Flagship' });
      if (!r.ok) throw new Error(JSON.stringify(r.issues));
      return r.event;
    };
    for (let i = 0; i < opts.queued; i += 100) {
      now += 10;
      const requests = Array.from({ length: Math.min(100, opts.queued - i) }, (_, k) => ({ events: [alert(i + k)], meta: { source: 'api' as const, tokenId: null } }));
      db.$client.transaction(() => storeRequests(deps, requests))();
    }
    const render = currentRenderSettings(settings, undefined);
    const slices: number[] = [];
    for (let more = true; more; ) {
      const t0 = performance.now();
      more = digestBacklog(db, render, 20, now).more;
      slices.push(performance.now() - t0);
    }
    const result: FoldBenchResult = {
      queued: opts.queued,
      chunks: slices.length,
      chunkMedianMs: median(slices),
      chunkMaxMs: Math.max(...slices),
      totalMs: slices.reduce((a, b) => a + b, 0),
    };
    opts.log(`fold: ${opts.queued} queued in ${result.chunks} chunks, median ${result.chunkMedianMs.toFixed(1)} ms, max ${result.chunkMaxMs.toFixed(1)} ms, total ${result.totalMs.toFixed(0)} ms`);
    const rows: Row[] = [
      {
        figure: `storm fold of ${opts.queued.toLocaleString('en')} queued alerts, per chunk`,
        target: 'longest chunk < 50 ms',
        measured: `median ${result.chunkMedianMs.toFixed(1)} ms, max ${result.chunkMaxMs.toFixed(1)} ms (${result.chunks} chunks, ${(result.totalMs / 1000).toFixed(1)} s in all)`,
        met: result.chunkMaxMs < 50,
      },
    ];
    return { rows, result };
  } finally {
    closeDatabase(db);
  }
}
