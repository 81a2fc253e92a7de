// Review: promises of README.md and docs/*.md checked against the running appliance (real HTTP
// server, real SQLite file, the fake WeCom). Each test asserts what the documentation says; it fails
// where the appliance does something else.
import { afterEach, describe, expect, it } from 'vitest';
import { runNotify, type NotifyIo } from '../../server/cli/notifyRun.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { signBody } from '../../server/security/apiAuth.ts';
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
  // README.md, "Configuration": "GET /readyz (database writable and every migration applied)";
  // SPEC.md, "Operations": "/readyz (DB writable, migrations applied)".
  it('/readyz is not ready while the database refuses every write (disk full)', async () => {
    const { app } = await rig();
    app.deps.settings.setRules({ ...app.deps.settings.rules(), dedupeWindowMinutes: 0 });
    const token = issueApiToken(app.deps, { name: 'readyz', requireSignature: false, now: Date.now() }).token;
    expect((await fetch(app.url + '/readyz')).status).toBe(200);
    const sqlite = app.deps.db.$client;
    // The database may not grow any more: SQLITE_FULL, as on a full disk.
    sqlite.pragma(`max_page_count = ${sqlite.pragma('page_count', { simple: true }) as number}`);
    cleanups.push(() => void sqlite.pragma('max_page_count = 1073741823'));
    let refused: Awaited<ReturnType<typeof postEvent>> | undefined;
    for (let i = 0; i < 50 && !refused; i++) {
      const res = await postEvent(app.url, token, { kind: 'alert', category: 'store', title: `disk full #${i}`, summary: 'x'.repeat(1900) });
      if (res.status !== 202) refused = res;
    }
    // Writes fail: the API says the database cannot be written, and keeps saying it.
    expect(refused?.status, refused?.text).toBe(503);
    const again = await postEvent(app.url, token, { kind: 'alert', category: 'store', title: 'still full', summary: 'x'.repeat(1900) });
    expect(again.status, again.text).toBe(503);
    expect(again.json.message).toMatch(/cannot write to its database/);
    const ready = await fetch(app.url + '/readyz');
    expect(`${ready.status} ${await ready.text()}`, '/readyz while every write is refused').toMatch(/^503/);
  });

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

  // README.md, inbound API: "503 when the database cannot be written (nothing stored)", answered
  // with Retry-After; "a signed request is accepted only once"; docs/ARCHITECTURE.md, `signature_replays`:
  // "SHA-256 of each accepted request signature". A signed request refused 503 was not accepted:
  // sent again as it was, it must be taken.
  it('a signed request refused 503 (disk full, nothing stored) is taken when sent again as it was', async () => {
    const { app } = await rig();
    app.deps.settings.setRules({ ...app.deps.settings.rules(), dedupeWindowMinutes: 0 });
    const issued = issueApiToken(app.deps, { name: 'signed sender', requireSignature: true, now: Date.now() });
    const sqlite = app.deps.db.$client;
    const send = (r: { body: string; ts: string; sig: string }) =>
      fetch(app.url + '/api/v1/events', {
        method: 'POST',
        headers: { authorization: `Bearer ${issued.token}`, 'content-type': 'application/json', 'x-signature-timestamp': r.ts, 'x-signature': r.sig },
        body: r.body,
      });
    sqlite.pragma(`max_page_count = ${(sqlite.pragma('page_count', { simple: true }) as number) + 12}`);
    cleanups.push(() => void sqlite.pragma('max_page_count = 1073741823'));
    const refused: Array<{ body: string; ts: string; sig: string; title: string }> = [];
    for (let i = 0; i < 400 && refused.length < 4; i++) {
      const title = `disk full #${i}`;
      const body = JSON.stringify({ kind: 'alert', category: 'inventory', title, summary: 'x'.repeat(1900), fields: { sku: `SKU-${i}` } });
      const ts = String(Math.floor(Date.now() / 1000));
      const r = { body, ts, sig: signBody(issued.signingSecret, ts, body), title };
      const res = await send(r);
      if (res.status === 503) refused.push(r);
      else expect(res.status, await res.text()).toBe(202);
    }
    expect(refused.length).toBe(4);
    // Space is back; the sender does what the 503 asked (Retry-After): the same request again.
    sqlite.pragma('max_page_count = 1073741823');
    const retried: string[] = [];
    for (const r of refused) {
      const res = await send(r);
      retried.push(`${r.title}: ${res.status} ${await res.text()}`);
    }
    expect(retried.filter((line) => !/: 202 /.test(line)), 'retries of requests refused 503').toEqual([]);
    const stored = (sqlite.prepare("select title from events where title like 'disk full #%'").all() as Array<{ title: string }>).map((row) => row.title);
    for (const r of refused) expect(stored).toContain(r.title);
  }, 30_000);

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

  // docs/heartbeats.md, "Checking in": "The job runs even when the appliance cannot be reached; the
  // CLI then warns on stderr"; README.md's crontab line `storeclaw-notify run price-sync -- …`;
  // heartbeatCommands.ts: "the appliance being unreachable is reported on stderr, never blocks it".
  it('storeclaw-notify run starts the job at once when the appliance cannot be reached (the README crontab line)', async () => {
    let clock = Date.parse('2026-12-08T02:00:00+08:00');
    let startedAt: number | undefined;
    const stderr: string[] = [];
    const io: NotifyIo = {
      fetch: (() => Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: new Error('connect ECONNREFUSED 10.0.0.5:8080') }))) as typeof fetch,
      sleep: (ms) => {
        clock += ms;
        return Promise.resolve();
      },
      now: () => clock,
      readFile: () => Promise.resolve(''),
      out: () => undefined,
      err: (line) => void stderr.push(line),
      spawn: () => {
        startedAt ??= clock;
        return Promise.resolve({ code: 0, signal: null, tail: '' });
      },
      signalNumber: () => undefined,
      version: () => 'test',
    };
    const cron = Date.parse('2026-12-08T02:00:00+08:00');
    const code = await runNotify(['run', 'price-sync', '--', '/opt/jobs/price-sync.sh', '--full'], { STORECLAW_NOTIFY_URL: 'http://notifier.internal:8080', STORECLAW_NOTIFY_TOKEN: 'scn_xxxxxxxx' }, io);
    expect(code).toBe(0);
    expect(stderr.join('\n')).toContain('could not reach the appliance');
    expect(startedAt).toBeDefined();
    expect(`the job started ${(startedAt! - cron) / 1000} s after cron ran the line`, stderr.join('\n')).toBe('the job started 0 s after cron ran the line');
  });
});
