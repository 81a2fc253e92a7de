// Review: promises of README.md and docs/*.md checked against the running appliance (real HTTP
// server, real SQLite file, the fake WeCom). Each test asserts what the documentation says; it fails
// where the appliance does something else.
import { afterEach, describe, expect, it } from 'vitest';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { postEvent } from '../helpers/api.ts';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function rig(opts: Partial<Parameters<typeof startTestAppliance>[0]> = {}): Promise<{ app: TestAppliance; fake: FakeWecom }> {
  const fake = await startFakeWecom({ keys: [] });
  cleanups.push(() => fake.close());
  const app = await startTestAppliance({ wecomOrigin: fake.origin, ...opts });
  cleanups.push(() => app.stop());
  return { app, fake };
}

describe('docs truthfulness', () => {
  // README.md, inbound API table: "`severity` | `info` (default), `warning`, `critical`"; SPEC.md,
  // "Inbound API": "`severity`: `info` | `warning` | `critical` (default `info`)".
  it('an event that names no severity gets the documented default, info (a failed task result too)', async () => {
    const { app } = await rig();
    const token = issueApiToken(app.deps, { name: 'severity', requireSignature: false, now: Date.now() }).token;
    const severities: Record<string, unknown> = {};
    for (const status of ['succeeded', 'failed', 'partial'] as const) {
      const res = await postEvent(app.url, token, { kind: 'task_result', task_name: `nightly-${status}`, status });
      expect(res.status, res.text).toBe(202);
      const read = await fetch(`${app.url}/api/v1/events/${String(res.json.id)}`, { headers: { authorization: `Bearer ${token}` } });
      severities[status] = ((await read.json()) as { severity: unknown }).severity;
    }
    expect(severities).toEqual({ succeeded: 'info', failed: 'info', partial: 'info' });
  });

  // README.md, "How messages go out": "a rolling-window limiter that never exceeds 20 messages per
  // 60 s"; docs/delivery-semantics.md invariant 5: "`WECOM_RATE_WINDOW_MS` in tests"; config.ts:
  // "Tests and demos against the fake may shorten it, never production".
  it('sending to the real WeCom, the rate window stays 60 s whatever WECOM_RATE_WINDOW_MS says', async () => {
    const { app } = await rig({ wecomOrigin: 'https://qyapi.weixin.qq.com', env: { WECOM_RATE_WINDOW_MS: '1000' } });
    expect(app.deps.config.wecomOriginOverridden).toBe(false); // messages go to qyapi.weixin.qq.com
    const metrics = parsePrometheus(await (await fetch(app.url + '/metrics')).text());
    const window = sampleValue(metrics, 'notifier_rate_limit_window_seconds', {});
    const limit = sampleValue(metrics, 'notifier_rate_limit_limit', {});
    expect(`${limit} calls per ${window} s`, 'the limiter used for the real WeCom').toBe('20 calls per 60 s');
  });

  // README.md, "Self-watch": "`report_missed` (a run skipped because the appliance was down at its
  // time)"; "Scheduled reports": "a fire time that comes while it is still running is recorded as
  // *skipped*". The appliance was up: the self-watch must not say it was down.
  it('a fire time skipped because the job was still running is not reported as missed while the appliance was down', async () => {
    const { app } = await rig({ reportTimers: false, selfWatch: { intervalMs: 100, fallbackPerHour: 100 } });
    const db = app.deps.db.$client;
    const now = Date.now();
    const id = Number(
      db
        .prepare("insert into report_jobs (name, cron, timezone, type, enabled, auto_enable, schedule_from, created_at, updated_at) values ('Busy job', '* * * * *', 'Asia/Shanghai', 'daily_summary', 1, 0, ?, ?, ?)")
        .run(now - 70_000, now, now).lastInsertRowid,
    );
    app.reports.reschedule();
    // Run now is building the report when the scheduled fire time is handled.
    const manual = app.reports.runNow(id);
    await app.reports.runDue(Date.now());
    expect((await manual).ok).toBe(true);
    const runs = db.prepare('select trigger, status, error from report_runs where job_id = ? order by id').all(id) as Array<{ trigger: string; status: string; error: string | null }>;
    // The appliance ran the report (manual) and skipped the overlapping fire time, as documented.
    expect(runs.map((r) => `${r.trigger === 'manual' ? 'manual' : 'scheduled'}:${r.status}:${r.error ?? ''}`)).toEqual(['manual:succeeded:', 'scheduled:skipped:code:overlap']);

    type Verbose = { watch: { problems: Array<{ reason: string; message: string }> } };
    const problems = async () => ((await (await fetch(app.url + '/healthz?verbose')).json()) as Verbose).watch.problems;
    await new Promise((r) => setTimeout(r, 1_000)); // several self-watch checks
    const missed = (await problems()).find((p) => p.reason === 'report_missed');
    expect(missed?.message ?? '(no report_missed problem)', 'the self-watch while the appliance ran all along').not.toMatch(/not running|没有运行/);
  });
});
