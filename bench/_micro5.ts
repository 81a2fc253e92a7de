import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../db/client.ts';
import { storeEvents } from '../server/events/intake.ts';
import { parseEvent } from '../server/events/schema.ts';
import { createSettingsStore } from '../server/settings/settingsStore.ts';
const dir = mkdtempSync(join(tmpdir(), 'micro-'));
const file = join(dir, 'x.db');
const db = openDatabase(file);
db.$client.pragma('wal_autocheckpoint = 0');
if (process.env.CACHE) db.$client.pragma('cache_size = ' + process.env.CACHE);
const clock = { now: () => Date.now() };
const settings = createSettingsStore(db, clock, { timeZone: 'Asia/Shanghai' });
const deps = { db, clock, settings };
const mk = (i: number) => { const r = parseEvent({ kind: 'alert', category: 'inventory', severity: 'warning', title: `SKU-${Math.random().toString(36).slice(2, 8)} low stock`, store: 'Tmall Flagship', fields: { sku: 'A-1024', qty: 3 } }); if (!r.ok) throw new Error('bad'); return r.event; };
let i = 0;
const B = Number(process.argv[2] ?? 40);
for (let round = 0; round < 6; round++) {
  let store = 0, commit = 0; const w0 = statSync(file + '-wal').size;
  const N = 50;
  for (let b = 0; b < N; b++) {
    const evs = Array.from({ length: B }, () => mk(i++));
    db.$client.prepare('BEGIN IMMEDIATE').run();
    const t0 = performance.now();
    for (const e of evs) storeEvents(deps, [e], { source: 'api', tokenId: 1 });
    const t1 = performance.now();
    db.$client.prepare('COMMIT').run();
    store += t1 - t0; commit += performance.now() - t1;
  }
  const frames = (statSync(file + '-wal').size - w0) / 4120;
  console.log(`rows ${i}: store ${(store * 1000 / (N * B)).toFixed(1)} µs/event, commit ${(commit * 1000 / (N * B)).toFixed(1)} µs/event, ${(frames / N).toFixed(0)} pages/commit (${(frames / (N * B)).toFixed(2)}/event)`);
  if (round === 2) { const t = performance.now(); db.$client.pragma('wal_checkpoint(TRUNCATE)'); console.log('checkpoint ms', (performance.now() - t).toFixed(0)); }
}
