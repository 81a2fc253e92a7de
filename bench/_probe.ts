import autocannon from 'autocannon';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeWecom } from '/work/main/test/fakeWecom.ts';
import { seedDataDir } from '/work/main/test/helpers/childAppliance.ts';
import { startProc } from '/work/main/bench/lib.ts';
process.chdir('/work/main');
const KEY = 'b3c4d5e6-f7a8-4b9c-8d0e-1f2a3b4c5d6e';
const fake = await startFakeWecom({ keys: [KEY] });
const dir = mkdtempSync(join(tmpdir(), 'probe-'));
const { token } = seedDataDir(dir, { key: KEY, windowSeconds: 60 });
const kind = process.argv[2] ?? 'alert';
const p = await startProc(process.argv[3] === 'base' ? 'bench/baseline.ts' : 'server/main.ts', { DATA_DIR: dir, WECOM_API_ORIGIN: fake.origin });
const cpu = () => { const f = readFileSync(`/proc/${p.pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const body = kind === 'metric' ? JSON.stringify({ kind: 'metric', name: 'gmv-[<id>]', value: 1 }) : JSON.stringify({ kind: 'alert', category: 'inventory', severity: 'warning', title: 'SKU-[<id>] low stock', store: 'Tmall Flagship', fields: { sku: 'A-1024', qty: 3 } });
for (const dur of (process.env.DURS ?? "2,5").split(",").map(Number)) {
  const c0 = cpu(); const t0 = Date.now();
  const r = await autocannon({ url: p.url + '/api/v1/events', method: 'POST', connections: 100, duration: dur, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body, idReplacement: true });
  const c1 = cpu(); const t1 = Date.now();
  console.log(`${kind}: ${(r['2xx'] / r.duration).toFixed(0)}/s p50 ${r.latency.p50} p99 ${r.latency.p99} non2xx ${r.non2xx} errors ${r.errors}; child cpu ${((c1 - c0) / (t1 - t0) * 100).toFixed(0)}%, ${((c1 - c0) * 1000 / r["2xx"]).toFixed(0)} µs cpu/req`);
}
await p.stop(); await fake.close(); process.exit(0);
