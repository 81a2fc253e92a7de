// Review round 5: the console's everyday flows (send log, dashboard, inbound, reports, heartbeats,
// calendar) over the real server and a real SQLite file. Each test fails on the code at 287b993.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveries } from '../../db/schema.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';
import { listDeliveries } from '../../db/queries/deliveries.ts';

const PASSWORD = 'review-flows-pass-5';

/** Stored send-log rows of one status and category, as the worker leaves them once final. */
function insertRows(app: TestAppliance, n: number, row: { status: 'sent' | 'dead'; category: string; at: number }): void {
  const payload = JSON.stringify({ msgtype: 'markdown', markdown: { content: 'x' } });
  for (let i = 0; i < n; i++) {
    app.deps.db
      .insert(deliveries)
      .values({
        createdAt: row.at + i,
        kind: 'alert',
        category: row.category,
        severity: 'warning',
        priority: 1,
        status: row.status,
        title: `${row.category} ${row.status} #${i}`,
        msgtype: 'markdown',
        payload,
        bytes: payload.length,
        attempts: 1,
        queuedAt: row.at + i,
        nextAttemptAt: row.at + i,
        lastAttemptAt: row.at + i,
        ...(row.status === 'sent' ? { sentAt: row.at + i, errcode: 0 } : { errcode: 40008, errmsg: 'bad' }),
      })
      .run();
  }
}

function olderHref(html: string): string | undefined {
  const m = /<a href="([^"]*before=[^"]*)">/.exec(html);
  return m?.[1]?.replace(/&amp;/g, '&');
}

function newestHref(html: string): string | undefined {
  const m = /<div class="actions"><a href="([^"]*)">Newest<\/a>/.exec(html);
  return m?.[1]?.replace(/&amp;/g, '&');
}

describe('heartbeats: the "how to ping" crontab line for a key the form accepts', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let c: ConsoleClient;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD } });
    c = new ConsoleClient(app.url);
    await c.signIn(PASSWORD);
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  /** The shell words bash makes of a command line (no command is run: `set --` only splits). */
  function shellWords(line: string): string[] {
    const out = execFileSync('bash', ['-c', 'eval "set -- $LINE"; printf "%s\\0" "$@"'], { env: { ...process.env, LINE: line, TOKEN: 'tok' } }).toString();
    return out.split('\0').slice(0, -1);
  }

  it('a key with a space ("价格 同步", accepted by the form) is one word of the crontab example (it was split in two)', async () => {
    await c.get('/heartbeats/new');
    const created = await c.submit('/heartbeats', {
      name: '价格同步 🏪',
      key: '价格 同步',
      scheduleKind: 'period',
      periodMinutes: '60',
      cron: '0 2 * * *',
      timezone: 'Asia/Shanghai',
      graceMinutes: '15',
      calendar: 'every_day',
      category: 'task',
      severity: 'critical',
      reminderHours: '4',
    });
    expect(created.redirectedTo, textOf(created.body).slice(0, 400)).toBe('/heartbeats');
    const id = /<a href="\/heartbeats\/(\d+)">/.exec(created.body)?.[1];
    expect(id).toBeDefined();
    const detail = await c.get(`/heartbeats/${id}`);
    const code = textOf(/<pre>[\s\S]*?<\/pre>/.exec(detail.body)?.[0] ?? '');
    const cron = /storeclaw-notify run .*? -- \S+/.exec(code)?.[0];
    expect(cron, 'the page shows the crontab line').toBeDefined();
    const words = shellWords(cron!);
    // storeclaw-notify run <key> -- <command>: the key must reach the CLI as one argument.
    expect(words.slice(0, 3), `the copied line: ${cron}`).toEqual(['storeclaw-notify', 'run', '价格 同步']);
  });
});

describe('Inbound API page: the token form refused for its hooks or scopes', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let c: ConsoleClient;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD } });
    c = new ConsoleClient(app.url);
    await c.signIn(PASSWORD);
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('a bad hook name marks the hooks field invalid, not the (valid) token name', async () => {
    await c.get('/inbound');
    const res = await c.postForm('/inbound/tokens', { name: 'Uptime Kuma 监控', hooks: 'uptime kuma!', scope: 'send' });
    expect(res.status).toBe(422);
    const name = /<input[^>]*id="token-name"[^>]*>/.exec(res.body)?.[0] ?? '';
    const hooks = /<input[^>]*id="token-hooks"[^>]*>/.exec(res.body)?.[0] ?? '';
    const error = /<p class="notice bad" id="([^"]+)"[^>]*>([^<]*)<\/p>/.exec(res.body);
    expect(error?.[2], 'the message is about the hooks').toMatch(/hook/i);
    // A screen reader announces the field marked invalid and the message tied to it.
    expect(hooks, `the hooks field (the message is "${error?.[2]}")`).toContain('aria-invalid="true"');
    expect(name, 'the token name, which is fine').not.toContain('aria-invalid="true"');
  });
});
