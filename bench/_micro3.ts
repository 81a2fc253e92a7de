import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../db/client.ts';
const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'micro-')), 'x.db'));
if (process.argv[2] === 'mem') db.$client.pragma('temp_store = MEMORY');
const ins = db.$client.prepare(`INSERT INTO events (received_at, source, kind, category, severity, title, payload, dedupe_key, status) VALUES (?, 'api', 'alert', 'inventory', 'warning', ?, '{}', ?, 'queued')`);
let i = 0;
for (const sp of [false, true, false, true]) {
  const t = performance.now();
  for (let b = 0; b < 100; b++) db.$client.transaction(() => { for (let k = 0; k < 100; k++) { i++; if (sp) db.$client.transaction(() => ins.run(Date.now(), `t${i}`, `d${i}`))(); else ins.run(Date.now(), `t${i}`, `d${i}`); } }).immediate();
  console.log(process.argv[2] ?? '', 'savepoint', sp, ((performance.now() - t) * 1000 / 10000).toFixed(1), 'µs/insert');
}
