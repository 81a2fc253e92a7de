import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../db/client.ts';
import { storeEvents } from '../server/events/intake.ts';
import { parseEvent } from '../server/events/schema.ts';
import { createSettingsStore } from '../server/settings/settingsStore.ts';
const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'micro-')), 'x.db'));
db.$client.pragma('wal_autocheckpoint = ' + (process.argv[2] ?? '1000'));
if (process.argv[3]) db.$client.pragma('cache_size = ' + process.argv[3]);
const clock = { now: () => Date.now() };
const settings = createSettingsStore(db, clock, { timeZone: 'Asia/Shanghai' });
const deps = { db, clock, settings };
const mk = () => { const r = parseEvent({ kind: 'alert', category: 'inventory', severity: 'warning', title: `SKU-${Math.random().toString(36).slice(2, 10)} low stock`, store: 'Tmall Flagship', fields: { sku: 'A-1024', qty: 3 } }); if (!r.ok) throw new Error('bad'); return r.event; };
const run = (n: number) => { for (let b = 0; b < n / 45; b++) { const evs = Array.from({ length: 45 }, mk); db.$client.transaction(() => { for (const e of evs) storeEvents(deps, [e], { source: 'api', tokenId: 1 }); }).immediate(); } };
run(30000);
for (let r = 0; r < 3; r++) { const c0 = process.cpuUsage(); const t0 = performance.now(); run(30000); const c = process.cpuUsage(c0); console.log(`ckpt ${process.argv[2]} cache ${process.argv[3] ?? 'default'}: ${((c.user + c.system) / 30000).toFixed(1)} µs cpu/event (user ${(c.user / 30000).toFixed(1)}, sys ${(c.system / 30000).toFixed(1)}), wall ${((performance.now() - t0) * 1000 / 30000).toFixed(1)}`); }
