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
