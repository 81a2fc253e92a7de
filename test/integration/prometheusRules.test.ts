// docs/prometheus/storeclaw-alerts.yml: valid rules (promtool check rules), behaving as its unit tests
// say (promtool test rules), and about metrics the appliance really exports.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startFakeWecom } from '../fakeWecom.ts';
import { parsePrometheus } from '../helpers/prometheus.ts';
import { startTestAppliance } from '../helpers/testAppliance.ts';

const DIR = 'docs/prometheus';
const RULES = 'storeclaw-alerts.yml';
const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
if (!promtool) {
  console.warn(`promtool not found: ${DIR}/${RULES} is not checked here. Install Debian's prometheus package (apt-get install -y prometheus) to run promtool check rules and promtool test rules.`);
}

describe('Prometheus alerting rules', () => {
  it.skipIf(!promtool)('pass promtool check rules and promtool test rules (skipped without Debian\'s prometheus package)', () => {
    const check = spawnSync('promtool', ['check', 'rules', RULES], { cwd: DIR, encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/SUCCESS: 4 rules found/);
    const test = spawnSync('promtool', ['test', 'rules', 'storeclaw-alerts.test.yml'], { cwd: DIR, encoding: 'utf8' });
    expect(test.status, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toContain('SUCCESS');
  });

  it('name only metrics the appliance exports, and every self-watch reason', async () => {
    const rules = readFileSync(`${DIR}/${RULES}`, 'utf8');
    const named = new Set([...rules.matchAll(/\b(storeclaw_[a-z_]+)\b/g)].map((m) => m[1]!));
    const fake = await startFakeWecom();
    const app = await startTestAppliance({ wecomOrigin: fake.origin });
    try {
      await app.deps.selfWatch!.check();
      const families = parsePrometheus(await (await fetch(app.url + '/metrics')).text());
      for (const name of named) expect(families.has(name), `${name} in ${RULES} but not on /metrics`).toBe(true);
      expect(families.get('storeclaw_self_watch_problem')!.samples.map((s) => s.labels.reason)).toEqual([
        'wecom_unreachable', 'wecom_slow', 'channel_invalid', 'queue_stuck', 'rate_blocked', 'storage', 'report_missed', 'report_failed', 'scheduler_stalled', 'worker_stalled',
      ]);
    } finally {
      await app.stop();
      await fake.close();
    }
  });
});
