import { configDefaults, defineConfig } from 'vitest/config';

// The quick bench saturates the CPU on purpose (autocannon against a child appliance), which would
// starve time-sensitive tests running beside it: it runs alone, after everything else.
const BENCH = 'test/integration/bench.quick.test.ts';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test/artifacts/vitest-report.json' },
    projects: [
      { extends: true, test: { name: 'tests', include: ['test/**/*.test.ts', 'test/**/*.test.tsx'], exclude: [...configDefaults.exclude, BENCH], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'bench', include: [BENCH], sequence: { groupOrder: 1 } } },
    ],
  },
});
