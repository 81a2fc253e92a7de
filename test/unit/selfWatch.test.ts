import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from '../../db/client.ts';
import { createOpsCounters } from '../../server/opsCounters.ts';
import { createSecretBox } from '../../server/security/secretBox.ts';
import { createNextFireCache, observe } from '../../server/selfWatch/observe.ts';
import { holidayDataFrom } from '../../server/calendar/chinaHolidays.ts';
import { createWorkdayCalendar, type WorkdayCalendar } from '../../server/calendar/workdays.ts';
import { createLogger } from '../../server/log.ts';
import { createFallbackSender, type FallbackSender, type HealthNotice } from '../../server/selfWatch/fallback.ts';
import { problemText } from '../../server/selfWatch/problemText.ts';
import { DEFAULT_THRESHOLDS, judge, overallStatus, STORAGE_CAUSES, type Observation } from '../../server/selfWatch/reasons.ts';
import { translator } from '../../server/strings/translate.ts';
import { createSelfWatch } from '../../server/selfWatch/watcher.ts';
import { createWecomClient } from '../../server/wecom/client.ts';
import { describeFallback, parseFallbackUrl } from '../../server/wecom/fallbackUrl.ts';
import { parseWebhookUrl } from '../../server/wecom/webhookUrl.ts';

const NOW = 1_800_000_000_000;
const calm = (over: Partial<Observation> = {}): Observation => ({
  now: NOW,
  processStartedAt: NOW - 3600_000,
  wecom: { latencies: [], lastCallAt: NOW - 1000 },
  channel: { state: 'connected' },
  storage: { freeBytes: 10 * 1024 ** 3 },
  reports: [],
  schedulerTimers: true,
  ...over,
});

describe('judging an observation', () => {
  it('finds nothing wrong in a calm appliance', () => {
    expect(judge(calm(), DEFAULT_THRESHOLDS)).toEqual([]);
    expect(overallStatus([])).toBe('ok');
  });

  it('each threshold is where it says: unreachable, slow, queued, rate, storage, worker', () => {
    const t = DEFAULT_THRESHOLDS;
    const codes = (o: Observation) => judge(o, t).map((p) => p.code);
    expect(codes(calm({ wecom: { latencies: [], failingSince: NOW - t.unreachableMs + 1 } }))).toEqual([]);
    expect(codes(calm({ wecom: { latencies: [], failingSince: NOW - t.unreachableMs } }))).toEqual(['wecom_unreachable']);
    // The bot disconnected while WeCom was unreachable: nothing will call it again to clear the problem.
    expect(codes(calm({ channel: { state: 'none' }, wecom: { latencies: [], failingSince: NOW - t.unreachableMs } }))).toEqual([]);
    // Slow needs three answers, and only recent ones count.
    const slow = (ms: number, ago = 1000) => ({ at: NOW - ago, ms });
    expect(codes(calm({ wecom: { latencies: [slow(4000), slow(4000)] } }))).toEqual([]);
    expect(codes(calm({ wecom: { latencies: [slow(4000), slow(4000), slow(10)] } }))).toEqual(['wecom_slow']);
    expect(codes(calm({ wecom: { latencies: [slow(4000, 11 * 60_000), slow(4000, 11 * 60_000), slow(4000)] } }))).toEqual([]);
    expect(codes(calm({ oldestQueuedAt: NOW - t.queuedMs }))).toEqual(['queue_stuck']);
    expect(codes(calm({ wecom: { latencies: [], lastRateLimitedAt: NOW - 2 * t.rateWindowMs + 1 } }))).toEqual(['rate_blocked']);
    expect(codes(calm({ wecom: { latencies: [], lastRateLimitedAt: NOW - 2 * t.rateWindowMs } }))).toEqual([]);
    expect(judge(calm({ storage: { freeBytes: 1024 } }), t)[0]).toMatchObject({ code: 'storage', detail: { cause: 'low_space', mb: 0 } });
    expect(codes(calm({ channel: { state: 'unreadable' } }))).toEqual(['channel_invalid']);
    // Due for long with no call: stalled; not while the bot is invalid (sending is paused on purpose).
    expect(codes(calm({ oldestDueAt: NOW - t.stallMs, wecom: { latencies: [], lastCallAt: NOW - t.stallMs } }))).toEqual(['worker_stalled']);
    expect(codes(calm({ oldestDueAt: NOW - t.stallMs, wecom: { latencies: [], lastCallAt: NOW - 1000 } }))).toEqual([]);
    expect(codes(calm({ channel: { state: 'invalid' }, oldestDueAt: NOW - t.stallMs, wecom: { latencies: [], lastCallAt: NOW - t.stallMs } }))).toEqual(['channel_invalid']);
  });

  it('says each storage cause in words in both languages, the free space in MB; never the cause’s code', () => {
    for (const lang of ['en', 'zh'] as const) {
      const texts = STORAGE_CAUSES.map((cause) => problemText(translator(lang), { code: 'storage', detail: cause === 'low_space' ? { cause, mb: 12 } : { cause } }));
      expect(new Set(texts).size, lang).toBe(STORAGE_CAUSES.length);
      // A missing key would show as the key itself; a code as a word with an underscore (or, in Chinese, any Latin word).
      for (const text of texts) expect(text, lang).not.toMatch(lang === 'zh' ? /[a-z]/ : /watch\.|_/);
      expect(texts[STORAGE_CAUSES.indexOf('low_space')]).toContain('12 MB');
    }
  });

  it('a fire time unhandled after start-up is the scheduler stalling; a skipped or failed run is its own reason', () => {
    const t = DEFAULT_THRESHOLDS;
    const job = { name: 'Daily', unhandledSince: NOW - t.reportGraceMs };
    expect(judge(calm({ reports: [job] }), t).map((p) => p.code)).toEqual(['scheduler_stalled']);
    // Just started: the catch-up has not had its chance yet.
    expect(judge(calm({ reports: [job], processStartedAt: NOW - 1000 }), t)).toEqual([]);
    expect(judge(calm({ reports: [job], schedulerTimers: false }), t)).toEqual([]);
    expect(judge(calm({ reports: [{ name: 'A', lastRunStatus: 'skipped' }, { name: 'B', lastRunStatus: 'failed' }] }), t).map((p) => [p.code, p.detail.jobs])).toEqual([
      ['report_missed', ['A']],
      ['report_failed', ['B']],
    ]);
  });

  it('two reports skipped while the appliance was down: the self-watch names both, not only the first', () => {
    // observe() lists every enabled job; the appliance was down over both fire times.
    const o = calm({
      reports: [
        { name: 'Daily sales', lastRunStatus: 'skipped', lastRunAt: NOW - 60_000 },
        { name: 'Weekly stock', lastRunStatus: 'skipped', lastRunAt: NOW - 30_000 },
        { name: 'Store A tasks', lastRunStatus: 'failed', lastRunAt: NOW - 20_000 },
        { name: 'Store B tasks', lastRunStatus: 'failed', lastRunAt: NOW - 10_000 },
      ],
    });
    const shown = judge(o, DEFAULT_THRESHOLDS).map((p) => problemText(translator('en'), p));
    for (const job of ['Daily sales', 'Weekly stock', 'Store A tasks', 'Store B tasks']) expect(shown.join('\n'), `what the dashboard, /healthz?verbose and the fallback say:\n${shown.join('\n')}`).toContain(job);
    expect(shown).toEqual([
      'The reports “Daily sales”, “Weekly stock” missed their times: the appliance was not running then, and the runs were skipped.',
      'The last runs of the reports “Store A tasks”, “Store B tasks” failed.',
    ]);
    expect(judge(o, DEFAULT_THRESHOLDS)[0]!.since).toBe(NOW - 60_000);
  });

  it('names the first three late, missed or failed reports and how many more, in both languages', () => {
    const t = DEFAULT_THRESHOLDS;
    const late = ['A', 'B', 'C', 'D', 'E'].map((name, i) => ({ name, unhandledSince: NOW - t.reportGraceMs - i * 60_000 }));
    const [stalled] = judge(calm({ reports: late }), t);
    expect(stalled).toMatchObject({ code: 'scheduler_stalled', since: NOW - t.reportGraceMs - 4 * 60_000, detail: { jobs: ['A', 'B', 'C', 'D', 'E'], minutes: 14 } });
    expect(problemText(translator('en'), stalled!)).toBe('The reports “A”, “B”, “C” and 2 more are late, the first by 14 min: the scheduler did not run them.');
    expect(problemText(translator('zh'), stalled!)).toBe('报表“A”、“B”、“C”等另外 2 个已晚了（最早的晚了 14 分钟）：调度器没有运行它们。');
    expect(problemText(translator('zh'), { code: 'report_failed', detail: { jobs: ['A'] } })).toBe('报表“A”最近一次运行失败。');
  });
});

describe('the watcher and its fallback', () => {
  function rig(opts: { perHour?: number } = {}) {
    let obs = calm();
    let now = NOW;
    let up = true;
    const sent: HealthNotice[] = [];
    const fallback: FallbackSender = {
      target: { kind: 'json', url: 'https://alerts.example.com/hook/secret-token' },
      send: async (n) => {
        if (!up) return false;
        sent.push(n);
        return true;
      },
    };
    const lines: string[] = [];
    const watch = createSelfWatch({ observe: () => ({ ...obs, now }), thresholds: DEFAULT_THRESHOLDS, intervalMs: 1000, now: () => now, log: createLogger({ level: 'debug', write: (l) => lines.push(l) }), fallback, lang: () => 'en', fallbackPerHour: opts.perHour });
    return {
      watch,
      sent,
      lines,
      set: (o: Partial<Observation>) => (obs = calm(o)),
      advance: (ms: number) => (now += ms),
      fallbackUp: (v: boolean) => (up = v),
    };
  }

  it('one alert for each reason when it first appears in an outage, one recovery naming them all when it ends, retried while the fallback fails', async () => {
    const r = rig();
    await r.watch.check();
    r.set({ channel: { state: 'invalid', since: NOW } });
    r.fallbackUp(false);
    await r.watch.check();
    expect(r.watch.status()).toMatchObject({ status: 'critical', problems: [{ code: 'channel_invalid' }], fallback: 'https://alerts.example.com/…' });
    expect(r.sent).toEqual([]);
    expect(r.watch.counters.fallbackFailures).toBe(1);
    r.fallbackUp(true);
    r.set({ channel: { state: 'invalid', since: NOW }, oldestQueuedAt: NOW - DEFAULT_THRESHOLDS.queuedMs });
    await r.watch.check();
    const heard = () => r.sent.map((n) => `${n.type}: ${n.problems.map((p) => p.code).join(',')}`);
    expect(heard()).toEqual(['alert: channel_invalid', 'alert: queue_stuck']);
    expect(r.sent[0]!.lines).toEqual(['The WeCom Bot cannot be used: WeCom refused its key, or the stored key cannot be decrypted. Replace the webhook URL on the Channels page.']);
    // A reason that clears and comes back within the outage was announced already.
    r.set({ channel: { state: 'invalid', since: NOW } });
    await r.watch.check();
    r.set({ channel: { state: 'invalid', since: NOW }, oldestQueuedAt: NOW - DEFAULT_THRESHOLDS.queuedMs });
    await r.watch.check();
    r.advance(7 * 60_000);
    r.set({});
    await r.watch.check();
    await r.watch.check();
    expect(heard()).toEqual(['alert: channel_invalid', 'alert: queue_stuck', 'recovery: channel_invalid,queue_stuck']);
    expect(r.sent[2]!.title).toBe('StoreClaw WeCom Notifier is back to normal after 7 min: every problem below has cleared');
    expect(r.lines.some((l) => l.includes('"self-watch: problem"') && l.includes('queue_stuck'))).toBe(true);
    expect(r.lines.join('\n')).not.toContain('secret-token');
  });

  it('the bot refused (channel_invalid, critical) a day after a weekly report failed is sent to the fallback URL', async () => {
    const r = rig();
    const heard = () => r.sent.map((n) => `${n.type}: ${n.problems.map((p) => p.code).join(',')}`);
    await r.watch.check();
    // Monday: the weekly report's run failed (a warning that holds until its next run, a week later).
    const failedReport = { reports: [{ name: 'Weekly sales', lastRunStatus: 'failed', lastRunAt: NOW }] };
    r.set(failedReport);
    await r.watch.check();
    expect(heard()).toEqual(['alert: report_failed']);
    // Tuesday: the bot is removed from the group; nothing reaches the group any more.
    r.advance(24 * 3600_000);
    r.set({ ...failedReport, channel: { state: 'invalid', since: NOW + 24 * 3600_000, errcode: 93000 } });
    await r.watch.check();
    r.advance(15_000);
    await r.watch.check();
    expect(r.watch.status().problems.map((p) => p.code)).toEqual(['channel_invalid', 'report_failed']);
    expect(heard(), `the fallback heard: ${JSON.stringify(heard())}`).toEqual(['alert: report_failed', 'alert: channel_invalid']);
  });

  it('at most so many a hour: the rest dropped and counted', async () => {
    const r = rig({ perHour: 2 });
    for (let i = 0; i < 3; i++) {
      r.set({ channel: { state: 'invalid', since: NOW } });
      await r.watch.check();
      r.set({});
      await r.watch.check();
      r.advance(60_000);
    }
    expect(r.sent.map((n) => n.type)).toEqual(['alert', 'recovery']);
    expect(r.watch.counters.fallbackDropped).toBe(4);
    r.advance(3600_000);
    r.set({ channel: { state: 'invalid', since: NOW } });
    await r.watch.check();
    expect(r.sent.map((n) => n.type)).toEqual(['alert', 'recovery', 'alert']);
  });

  it('the bot removed after an hour of 45009 flaps: its alert, dropped by the hourly limit, is sent once the limit allows while the bot stays refused', async () => {
    const r = rig(); // the shipped limit: 12 an hour
    await r.watch.check();
    // Something else sends through the bot: six 45009 episodes in an hour, each an alert and a recovery.
    for (let i = 0; i < 6; i++) {
      r.advance(60_000);
      r.set({ wecom: { latencies: [], lastCallAt: NOW, lastRateLimitedAt: NOW + (i * 10 + 1) * 60_000 } });
      await r.watch.check();
      r.advance(3 * 60_000);
      r.set({});
      await r.watch.check();
      r.advance(6 * 60_000);
    }
    expect(r.sent).toHaveLength(12);
    // Then the bot is removed from the group (93000): nothing reaches the group until the URL is replaced.
    r.set({ channel: { state: 'invalid', since: NOW + 60 * 60_000, errcode: 93000 } });
    await r.watch.check();
    expect(r.watch.counters.fallbackDropped).toBe(1);
    // Three hours later the bot is still refused, and the hourly limit long free again.
    for (let i = 0; i < 12; i++) {
      r.advance(15 * 60_000);
      await r.watch.check();
    }
    expect(r.watch.status()).toMatchObject({ status: 'critical', problems: [{ code: 'channel_invalid' }] });
    const heard = r.sent.map((n) => `${n.type}: ${n.problems.map((p) => p.code).join(',')}`);
    expect(heard.slice(12), `the fallback's last words: ${JSON.stringify(heard.slice(-2))}`).toEqual(['alert: channel_invalid']);
  });

  it('an outage that began and ended while the hourly limit dropped its notices: its recovery is sent once the limit allows', async () => {
    const r = rig({ perHour: 2 });
    r.set({ channel: { state: 'invalid', since: NOW } });
    await r.watch.check();
    r.set({});
    await r.watch.check();
    r.set({ oldestQueuedAt: NOW - DEFAULT_THRESHOLDS.queuedMs });
    await r.watch.check();
    r.advance(5 * 60_000);
    r.set({});
    await r.watch.check();
    expect(r.sent.map((n) => n.type)).toEqual(['alert', 'recovery']);
    expect(r.watch.counters.fallbackDropped).toBe(2);
    r.advance(3600_000);
    await r.watch.check();
    await r.watch.check();
    expect(r.sent.map((n) => `${n.type}: ${n.problems.map((p) => p.code).join(',')}`)).toEqual(['alert: channel_invalid', 'recovery: channel_invalid', 'recovery: queue_stuck']);
  });

  it('FALLBACK_WEBHOOK_URL: another WeCom bot or any http(s) URL; shown without its secret', () => {
    const bot = parseFallbackUrl('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d');
    expect(bot).toEqual({ ok: true, target: { kind: 'wecom', key: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' } });
    expect(bot.ok && describeFallback(bot.target)).toBe('WeCom bot key=****3c4d');
    const url = parseFallbackUrl('https://hooks.example.com/services/T0/B0/abc?x=1');
    expect(url.ok && describeFallback(url.target)).toBe('https://hooks.example.com/…');
    expect(parseFallbackUrl('https://qyapi.weixin.qq.com/cgi-bin/webhook/send')).toMatchObject({ ok: false, message: expect.stringContaining('missing_key') });
    expect(parseFallbackUrl('ftp://example.com/x')).toMatchObject({ ok: false });
    expect(parseFallbackUrl('https://user:pw@example.com/x')).toMatchObject({ ok: false });
    expect(parseFallbackUrl('not a url')).toMatchObject({ ok: false });
  });

  it('a WeCom URL the main form refuses as the wrong host (trailing dot) is not taken as a JSON target that WeCom would answer 200 + errcode', async () => {
    const raw = 'https://qyapi.weixin.qq.com./cgi-bin/webhook/send?key=0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
    expect(parseWebhookUrl(raw)).toMatchObject({ ok: false, code: 'wrong_host' });
    expect(parseFallbackUrl(raw)).toEqual({ ok: false, message: 'is not a usable WeCom webhook URL (wrong_host)' });
    expect(parseFallbackUrl('https://QYAPI.Weixin.qq.com/cgi-bin/webhook/send?key=0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d')).toMatchObject({ ok: true, target: { kind: 'wecom' } });
    // Any other URL answering 2xx with a non-zero errcode in its JSON refused the notice.
    let answer = { status: 200, text: '{"errcode":93000,"errmsg":"invalid webhook url"}' };
    const sender = createFallbackSender({
      target: { kind: 'json', url: 'https://alerts.example.com/hook/secret-token' },
      wecom: createWecomClient({ origin: 'http://127.0.0.1:9', timeoutMs: 1000 }),
      post: async () => answer,
      timeoutMs: 1000,
      log: createLogger({ level: 'error', write: () => {} }),
      version: 'test',
      publicUrl: undefined,
    });
    const alert: HealthNotice = { type: 'alert', at: NOW, problems: [], lines: [], title: 'StoreClaw WeCom Notifier needs attention' };
    expect(await sender.send(alert)).toBe(false);
    answer = { status: 200, text: '{"errcode":0,"errmsg":"ok"}' };
    expect(await sender.send(alert)).toBe(true);
    answer = { status: 204, text: '' };
    expect(await sender.send(alert)).toBe(true);
  });
});

describe('observing report jobs', () => {
  it('works out at most one new schedule per check (croner is slow per time zone), the rest at the next checks, then from the cache', () => {
    const dir = mkdtempSync(join(tmpdir(), 'observe-'));
    const db = openDatabase(join(dir, 'notifier.db'));
    try {
      const now = Date.now();
      // Five jobs whose fire time passed an hour after their cursor.
      for (let j = 0; j < 5; j++) {
        db.$client
          .prepare("insert into report_jobs (name, cron, timezone, type, enabled, auto_enable, schedule_from, created_at, updated_at) values (?, ?, 'Asia/Shanghai', 'daily_summary', 1, 0, ?, ?, ?)")
          .run(`job ${j}`, `${j} * * * *`, now - 2 * 3600_000, now, now);
      }
      const deps = { db, counters: createOpsCounters(now), secretBox: createSecretBox(Buffer.alloc(32, 1)), dataDir: dir, schedulerTimers: true, nextFireCache: createNextFireCache() };
      const known = () => observe(deps, now).reports.filter((r) => r.unhandledSince !== undefined).length;
      for (const n of [1, 2, 3, 4, 5, 5]) expect(known()).toBe(n);
      expect(deps.nextFireCache.times.size).toBe(5);
    } finally {
      closeDatabase(db);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a message held back behind its event\'s first, which waits for its retry, is not "due": no worker_stalled while the worker waits as told', () => {
    const dir = mkdtempSync(join(tmpdir(), 'observe-'));
    const db = openDatabase(join(dir, 'notifier.db'));
    try {
      const now = NOW;
      const insert = db.$client.prepare(
        "insert into deliveries (created_at, kind, category, severity, priority, status, title, msgtype, payload, bytes, attempts, queued_at, next_attempt_at, event_id) values (?, 'event', 'orders', 'warning', 1, 'queued', ?, ?, '{}', 2, ?, ?, ?, 7)",
      );
      // An alert WeCom answered -1: its retry in 5 minutes. Its @all follow-up, due long ago, waits behind it.
      insert.run(now - 600_000, 'alert', 'markdown', 1, now - 600_000, now + 300_000);
      insert.run(now - 600_000, 'alert · @', 'text', 0, now - 600_000, now - 600_000);
      const deps = { db, counters: createOpsCounters(now), secretBox: createSecretBox(Buffer.alloc(32, 1)), dataDir: dir, schedulerTimers: true, nextFireCache: createNextFireCache() };
      const seen = observe(deps, now);
      expect(seen.oldestDueAt).toBeUndefined();
      expect(judge({ ...seen, wecom: { latencies: [], lastCallAt: now - 600_000 } }, DEFAULT_THRESHOLDS).map((p) => p.code)).not.toContain('worker_stalled');
      // Once the first is due, both are: the stall counts from the first's time.
      expect(observe(deps, now + 300_000).oldestDueAt).toBe(now + 300_000);
    } finally {
      closeDatabase(db);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a job on workdays is not due on a holiday the scheduler passes over; the admin making it a workday makes it due', () => {
    const dir = mkdtempSync(join(tmpdir(), 'observe-'));
    const db = openDatabase(join(dir, 'notifier.db'));
    try {
      // Thursday 2026-10-01 10:00 in Shanghai (国庆): the 09:00 run of a workday job is passed over.
      const now = Date.parse('2026-10-01T02:00:00Z');
      const cursor = Date.parse('2026-09-30T01:00:00Z');
      db.$client
        .prepare("insert into report_jobs (name, cron, timezone, calendar, type, enabled, auto_enable, schedule_from, last_fire_at, created_at, updated_at) values (?, '0 9 * * *', 'Asia/Shanghai', ?, 'daily_summary', 1, 0, ?, ?, ?, ?)")
        .run('workdays', 'workdays_cn', cursor - 86_400_000, cursor, cursor, cursor);
      db.$client
        .prepare("insert into report_jobs (name, cron, timezone, calendar, type, enabled, auto_enable, schedule_from, last_fire_at, created_at, updated_at) values (?, '0 9 * * *', 'Asia/Shanghai', 'every_day', 'daily_summary', 1, 0, ?, ?, ?, ?)")
        .run('every day', cursor - 86_400_000, cursor, cursor, cursor);
      const data = holidayDataFrom({ holidays: { '2026-10-01': 'National Day,国庆节,1' }, workdays: {} }, 'test');
      let calendar: WorkdayCalendar = createWorkdayCalendar(data, []);
      const deps = { db, counters: createOpsCounters(now), secretBox: createSecretBox(Buffer.alloc(32, 1)), dataDir: dir, schedulerTimers: true, nextFireCache: createNextFireCache(), calendar: { calendar: () => calendar } };
      const unhandled = () => Object.fromEntries(observe(deps, now).reports.map((r) => [r.name, r.unhandledSince]));
      // One schedule worked out per observation.
      unhandled();
      expect(unhandled()).toEqual({ workdays: undefined, 'every day': Date.parse('2026-10-01T01:00:00Z') });
      calendar = createWorkdayCalendar(data, [{ date: '2026-10-01', workday: true, note: '' }]);
      unhandled();
      expect(unhandled()).toEqual({ workdays: Date.parse('2026-10-01T01:00:00Z'), 'every day': Date.parse('2026-10-01T01:00:00Z') });
    } finally {
      closeDatabase(db);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
