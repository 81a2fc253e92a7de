import { mkdtempSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { openDatabase } from '../db/client.ts';
import { storeEvents } from '../server/events/intake.ts';
import { parseEvent } from '../server/events/schema.ts';
import { createSettingsStore } from '../server/settings/settingsStore.ts';
const file = join(mkdtempSync(join(tmpdir(), 'micro-')), 'x.db');
const db = openDatabase(file);
const mode = process.argv[2] ?? 'main';
db.$client.pragma('wal_autocheckpoint = ' + (mode === 'worker' ? (process.argv[3] ?? '4000') : '1000'));
if (mode === 'worker') {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const w = new Worker(`
    const { workerData } = require('node:worker_threads');
    const Database = require(workerData.driver);
    const db = new Database(workerData.file, { fileMustExist: true });
    setInterval(() => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (e) { console.error('ckpt', e.message); } }, 100);
  `, { eval: true, execArgv: [], workerData: { driver, file } });
  w.unref();
}
const clock = { now: () => Date.now() };
const settings = createSettingsStore(db, clock, { timeZone: 'Asia/Shanghai' });
const deps = { db, clock, settings };
const mk = () => { const r = parseEvent({ kind: 'alert', category: 'inventory', severity: 'warning', title: `SKU-${Math.random().toString(36).slice(2, 10)} low stock`, store: 'Tmall Flagship', fields: { sku: 'A-1024', qty: 3 } }); if (!r.ok) throw new Error('bad'); return r.event; };
const run = (n: number) => { for (let b = 0; b < n / 45; b++) { const evs = Array.from({ length: 45 }, mk); db.$client.transaction(() => { for (const e of evs) storeEvents(deps, [e], { source: 'api', tokenId: 1 }); }).immediate(); } };
const yieldNow = () => new Promise((r) => setImmediate(r));
const runAsync = async (n: number) => { for (let k = 0; k < n / 4500; k++) { run(4500); await yieldNow(); } };
await runAsync(27000);
for (let r = 0; r < 3; r++) { const c0 = process.cpuUsage(); const t0 = performance.now(); await runAsync(27000); const c = process.cpuUsage(c0); let wal = 0; try { wal = statSync(file + '-wal').size; } catch {} console.log(`${mode}: ${((c.user + c.system) / 27000).toFixed(1)} µs cpu/event (all threads), wall ${((performance.now() - t0) * 1000 / 27000).toFixed(1)} µs/event, wal ${(wal / 1048576).toFixed(1)} MiB`); }
process.exit(0);
