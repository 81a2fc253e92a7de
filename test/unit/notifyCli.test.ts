import { describe, expect, it } from 'vitest';
import { NOTIFY_HELP, parseNotifyArgs } from '../../server/cli/notifyArgs.ts';
import { retryDelayMs } from '../../server/cli/applianceClient.ts';
import { exitCodeForOutcome, runNotify, type NotifyIo } from '../../server/cli/notifyRun.ts';

const env = { STORECLAW_NOTIFY_URL: 'http://localhost:8080', STORECLAW_NOTIFY_TOKEN: 'scn_test' };

describe('storeclaw-notify arguments', () => {
  it('builds an alert body from the options, numbers in --field staying numbers', () => {
    const parsed = parseNotifyArgs(['alert', '--title', 'Disk full', '--severity', 'critical', '--field', 'free=3', '--field', 'host=db-1', '--link', 'https://x.example/y', '--mention', 'a1,b2', '--wait'], env);
    expect(parsed).toEqual({
      kind: 'request',
      request: {
        baseUrl: 'http://localhost:8080',
        token: { value: 'scn_test' },
        body: { kind: 'alert', title: 'Disk full', severity: 'critical', fields: { free: 3, host: 'db-1' }, url: 'https://x.example/y', mention: ['a1', 'b2'] },
        wait: true,
        timeoutSeconds: 300,
        retries: 5,
        json: false,
      },
    });
  });

  it('keeps a --field value as written when a number would change it: a 19-digit order id, leading zeros', () => {
    const parsed = parseNotifyArgs(['alert', '--title', 'Refund spike', '--field', 'order=4028394857261738492', '--field', 'sku=007'], env);
    expect(parsed.kind).toBe('request');
    const body = (parsed as Extract<typeof parsed, { kind: 'request' }>).request.body as { fields: Record<string, unknown> };
    expect(JSON.stringify(body.fields)).toBe('{"order":"4028394857261738492","sku":"007"}');
  });

  it('builds task and metric bodies', () => {
    const task = parseNotifyArgs(['task', '--name', 'price-sync', '--status', 'failed', '--duration-ms', '1200', '--url', 'http://h:1/', '--token-file', '/t'], {});
    expect(task).toMatchObject({ kind: 'request', request: { baseUrl: 'http://h:1', token: { file: '/t' }, body: { kind: 'task_result', task_name: 'price-sync', status: 'failed', duration_ms: 1200 } } });
    const metric = parseNotifyArgs(['metric', '--name', 'gmv', '--value=-12.5', '--unit', 'k¥'], { ...env, STORECLAW_NOTIFY_SIGNING_SECRET: 's' });
    expect(metric).toMatchObject({ kind: 'request', request: { signingSecret: { value: 's' }, body: { kind: 'metric', name: 'gmv', value: -12.5, unit: 'k¥' } } });
  });

  it.each([
    [['alert'], 'alert needs --title'],
    [['alert', '--title', 't', '--severity', 'fatal'], '--severity must be one of info, warning, critical'],
    [['alert', '--title', 't', '--status', 'failed'], '--status does not apply to "alert"'],
    [['task', '--name', 'x', '--status', 'done'], '--status must be one of succeeded, failed, partial'],
    [['metric', '--name', 'x', '--value', 'lots'], '--value must be a number'],
    [['alert', '--title', 't', '--field', 'novalue'], '--field must be name=value'],
    [['alert', '--title', 't', '--timeout', '0'], '--timeout must be at least 1'],
    [['send', '--title', 't'], 'unknown command "send"'],
    [['alert', '--title', 't', '--bogus'], "Unknown option '--bogus'"],
  ])('%j is a usage error: %s', (argv, message) => {
    const parsed = parseNotifyArgs(argv, env);
    expect(parsed.kind).toBe('error');
    if (parsed.kind === 'error') expect(parsed.message).toContain(message);
  });

  it('needs the appliance URL and a token, from options or the environment', () => {
    expect(parseNotifyArgs(['alert', '--title', 't'], { STORECLAW_NOTIFY_TOKEN: 'x' })).toMatchObject({ kind: 'error', message: expect.stringContaining('--url') });
    expect(parseNotifyArgs(['alert', '--title', 't', '--url', 'ftp://h'], { STORECLAW_NOTIFY_TOKEN: 'x' })).toMatchObject({ kind: 'error' });
    expect(parseNotifyArgs(['alert', '--title', 't'], { STORECLAW_NOTIFY_URL: 'http://h' })).toMatchObject({ kind: 'error', message: expect.stringContaining('token') });
    expect(parseNotifyArgs(['alert', '--title', 't', '--token', 'a', '--token-file', 'b'], env)).toMatchObject({ kind: 'error' });
    expect(parseNotifyArgs(['--help'], {})).toEqual({ kind: 'help' });
    expect(parseNotifyArgs([], {})).toEqual({ kind: 'help' });
  });

  it('its help offers --token-file first and says why: a token on the command line shows in ps (issue 20)', () => {
    const options = NOTIFY_HELP.slice(NOTIFY_HELP.indexOf('Options:'));
    expect(options.indexOf('--token-file FILE')).toBeGreaterThan(0);
    expect(options.indexOf('--token-file FILE')).toBeLessThan(options.indexOf('--token TOKEN'));
    expect(options).toMatch(/--token-file FILE +read the inbound API token from FILE: it stays out of `ps`/);
    expect(options).toMatch(/--token TOKEN +the token on the command line, where every local user sees it in\s+`ps`: prefer --token-file/);
  });
});

describe('storeclaw-notify given an appliance address with a user and password', () => {
  const io = (lines: string[], counts: { sleeps: number }): NotifyIo => ({
    // The real fetch: it refuses a URL with credentials, quoting it whole.
    fetch,
    sleep: async () => void counts.sleeps++,
    now: Date.now,
    readFile: () => Promise.reject(new Error('no files here')),
    out: (l) => void lines.push(l),
    err: (l) => void lines.push(l),
    version: () => 'test',
  });

  it('neither prints the password nor calls a reachable appliance unreachable after retrying: a usage error', async () => {
    // A reverse proxy's basic-auth user in the address (http://ops:secret@host), as --url or STORECLAW_NOTIFY_URL.
    for (const [argv, env] of [
      [['alert', '--title', 'Backup failed', '--url', 'http://ops:Pr0xyPass@127.0.0.1:9'], { STORECLAW_NOTIFY_TOKEN: 'scn_test' }],
      [['alert', '--title', 'Backup failed'], { STORECLAW_NOTIFY_URL: 'http://ops:Pr0xyPass@127.0.0.1:9', STORECLAW_NOTIFY_TOKEN: 'scn_test' }],
      [['ping', 'price-sync', '--url', 'https://Pr0xyPass@127.0.0.1:9'], { STORECLAW_NOTIFY_TOKEN: 'scn_test' }],
    ] as const) {
      const lines: string[] = [];
      const counts = { sleeps: 0 };
      const code = await runNotify(argv, env, io(lines, counts));
      const printed = lines.join('\n');
      expect(printed.includes('Pr0xyPass'), `the password is printed:\n${printed}`).toBe(false);
      expect({ code, sleeps: counts.sleeps }).toEqual({ code: 2, sleeps: 0 });
      expect(printed).toContain('must not carry a user or password');
    }
  });

  it('does not retry a request fetch will not make (a token a header cannot carry), nor echo the token', async () => {
    const lines: string[] = [];
    const counts = { sleeps: 0 };
    const code = await runNotify(['alert', '--title', 'Backup failed', '--url', 'http://127.0.0.1:9', '--token', 'scn_bad\nSecretPart'], {}, io(lines, counts));
    expect({ code, sleeps: counts.sleeps }).toEqual({ code: 2, sleeps: 0 });
    expect(lines.join('\n')).not.toContain('SecretPart');
    expect(lines.join('\n')).toContain('the request could not be made');
  });
});

describe('storeclaw-notify outcomes and retries', () => {
  it('maps each final status to its exit code', () => {
    expect(['sent', 'stored', 'digested', 'suppressed', 'dead'].map(exitCodeForOutcome)).toEqual([0, 0, 10, 11, 12]);
  });

  it('backs off 1, 2, 4 … s up to 30 s, follows Retry-After, and never retries within the same second', () => {
    expect([1, 2, 3, 10].map((n) => retryDelayMs(n, null, 0))).toEqual([1000, 2000, 4000, 30_000]);
    expect(retryDelayMs(1, '5', 0)).toBe(5000);
    expect(retryDelayMs(1, '0', 0)).toBe(1000);
    expect(retryDelayMs(1, null, 1)).toBe(1500);
  });
});

describe('storeclaw-notify run', () => {
  const ENV = { STORECLAW_NOTIFY_URL: 'http://notifier.internal:8080', STORECLAW_NOTIFY_TOKEN: 'scn_xxxxxxxx' };
  const ARGV = ['run', 'price-sync', '--', '/opt/jobs/price-sync.sh', '--full'];
  /** An io on a fake clock: sleeping moves the clock; `spawn` is the job. */
  const fakeIo = (clock: { now: number }, fetch: NotifyIo['fetch'], spawn: NonNullable<NotifyIo['spawn']>, stderr: string[] = []): NotifyIo => ({
    fetch,
    sleep: (ms) => {
      clock.now += ms;
      return Promise.resolve();
    },
    now: () => clock.now,
    readFile: () => Promise.resolve(''),
    out: () => undefined,
    err: (line) => void stderr.push(line),
    spawn,
    signalNumber: () => undefined,
    version: () => 'test',
  });

  // docs/heartbeats.md: "The job runs even when the appliance cannot be reached"; README's crontab line.
  it('starts the job at once when the appliance cannot be reached (the README crontab line)', async () => {
    const cron = Date.parse('2026-12-08T02:00:00+08:00');
    const clock = { now: cron };
    let startedAt: number | undefined;
    const stderr: string[] = [];
    const unreachable = (() => Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: new Error('connect ECONNREFUSED 10.0.0.5:8080') }))) as typeof fetch;
    const io = fakeIo(clock, unreachable, () => {
      startedAt ??= clock.now;
      return Promise.resolve({ code: 0, signal: null, tail: '' });
    }, stderr);
    expect(await runNotify(ARGV, ENV, io)).toBe(0);
    expect(stderr.join('\n')).toContain('could not reach the appliance');
    expect(startedAt).toBeDefined();
    expect(`the job started ${(startedAt! - cron) / 1000} s after cron ran the line`, stderr.join('\n')).toBe('the job started 0 s after cron ran the line');
  });

  it('still runs the job when its token file cannot be read (docs/heartbeats.md: "The job starts at once, even when the appliance cannot be reached"), exiting as it did', async () => {
    const ran: string[] = [];
    const stderr: string[] = [];
    const pinged: string[] = [];
    const io: NotifyIo = {
      ...fakeIo({ now: Date.now() }, ((url: string) => (pinged.push(url), Promise.reject(new Error('no ping expected')))) as typeof fetch, (command, args) => {
        ran.push([command, ...args].join(' '));
        return Promise.resolve({ code: 3, signal: null, tail: '' });
      }, stderr),
      // The secret is missing or unreadable this night (rotated, wrong mode): the job itself is fine.
      readFile: () => Promise.reject(Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT', path: '/run/secrets/notifier-token' })),
    };
    const code = await runNotify(['run', 'price-sync', '--url', 'http://127.0.0.1:9', '--token-file', '/run/secrets/notifier-token', '--', '/opt/jobs/price-sync.sh', '--full'], {}, io);
    expect({ ran, code, pinged }, stderr.join('\n')).toEqual({ ran: ['/opt/jobs/price-sync.sh --full'], code: 3, pinged: [] });
    expect(stderr).toEqual(['storeclaw-notify: heartbeat price-sync: cannot read /run/secrets/notifier-token: ENOENT; running the command without pings']);
    // Its own arguments wrong (no command) is still a usage error, nothing run.
    expect(await runNotify(['run', 'price-sync', '--url', 'http://127.0.0.1:9', '--token-file', '/run/secrets/notifier-token'], {}, io)).toBe(2);
    expect(ran).toHaveLength(1);
    // ping has no job to run: the same unreadable file is a usage error.
    expect(await runNotify(['ping', 'price-sync', '--url', 'http://127.0.0.1:9', '--token-file', '/run/secrets/notifier-token'], {}, io)).toBe(2);
  });

  it('pings the end only once the start ping was answered, when the job ends first', async () => {
    const clock = { now: Date.parse('2026-12-08T02:00:00+08:00') };
    const seen: string[] = [];
    const answering = ((url: string) => {
      const path = new URL(url).pathname;
      seen.push(path);
      const answer = () => new Response(JSON.stringify({ check: 'price-sync', status: 'up' }), { status: 200, headers: { 'content-type': 'application/json' } });
      return path.endsWith('/start')
        ? new Promise<Response>((resolve) => setTimeout(() => (seen.push('start answered'), resolve(answer())), 20))
        : Promise.resolve(answer());
    }) as typeof fetch;
    const io = fakeIo(clock, answering, () => {
      seen.push('job ran');
      return Promise.resolve({ code: 0, signal: null, tail: '' });
    });
    expect(await runNotify(ARGV, ENV, io)).toBe(0);
    expect(seen).toEqual(['/api/v1/heartbeats/price-sync/start', 'job ran', 'start answered', '/api/v1/heartbeats/price-sync']);
  });
});
