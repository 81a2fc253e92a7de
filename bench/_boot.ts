const t0 = performance.now();
const { startAppliance } = await import('../server/appliance.ts');
const { loadConfig } = await import('../server/config.ts');
const t1 = performance.now();
const a = await startAppliance(loadConfig({ ...process.env, PORT: '0' }));
const t2 = performance.now();
console.log(`since process start ${(t0).toFixed(0)} ms (node+tsx boot), imports ${(t1 - t0).toFixed(0)} ms, startAppliance ${(t2 - t1).toFixed(0)} ms`);
await a.close();
process.exit(0);
