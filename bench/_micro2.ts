import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../db/client.ts';
import { ingestEvents } from '../server/events/intake.ts';
import { parseEvent } from '../server/events/schema.ts';
import { createSettingsStore } from '../server/settings/settingsStore.ts';
const variant = process.argv[2] ?? '';
const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'micro-')), 'x.db'));
if (variant.includes('cache')) db.$client.pragma('cache_size = -16000');
if (variant.includes('mem')) db.$client.pragma('temp_store = MEMORY');
if (variant.includes('ckpt')) db.$client.pragma('wal_autocheckpoint = 10000');
const clock = { now: () => Date.now() };
const settings = createSettingsStore(db, clock, { timeZone: 'Asia/Shanghai' });
if (variant.includes('nodedupe')) settings.setRules({ ...settings.rules(), dedupeWindowMinutes: 0 });
const deps = { db, clock, settings };
const mk = (i: number) => { const r = parseEvent({ kind: 'alert', category: 'inventory', severity: 'warning', title: `SKU-${i} low stock`, store: 'Tmall Flagship', fields: { sku: 'A-1024', qty: 3 } }); if (!r.ok) throw new Error('bad'); return r.event; };
let i = 0;
for (const round of [1, 2, 3, 4, 5]) {
  const t = performance.now();
  for (let b = 0; b < 100; b++) db.$client.transaction(() => { for (let k = 0; k < 100; k++) ingestEvents(deps, [mk(i++)], { source: 'api', tokenId: 1 }); }).immediate();
  console.log(variant, 'round', round, ((performance.now() - t) * 1000 / 10000).toFixed(1), 'µs/event', 'rows', i);
}
