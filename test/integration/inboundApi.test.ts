import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { getEvent } from '../../server/delivery/store.ts';
import { revokeApiToken } from '../../db/queries/tokens.ts';
import { CATEGORIES } from '../../server/events/schema.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { ConsoleClient } from '../helpers/consoleClient.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9';

/** One Alertmanager notification of one alert, as Alertmanager's webhook receiver sends it. */
function amPayload(alert: { status: 'firing' | 'resolved'; name: string; severity: string; instance: string; startsAt: string; endsAt?: string }) {
  const labels = { alertname: alert.name, severity: alert.severity, instance: alert.instance };
  return {
    version: '4',
    status: alert.status,
    receiver: 'wecom',
    groupKey: `{}:{alertname="${alert.name}"}`,
    groupLabels: { alertname: alert.name },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: [
      {
        status: alert.status,
        labels,
        annotations: { summary: `${alert.name} on ${alert.instance}` },
        startsAt: alert.startsAt,
        endsAt: alert.endsAt ?? '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus:9090/graph',
        fingerprint: `fp-${alert.name}-${alert.instance}`,
      },
    ],
  };
}

describe('inbound API over real HTTP', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let token: string;
  let signedOnly: string;
  let signingSecret: string;
  let tokenSecret: string;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: 'inbound-test-pass' } });
    const console = new ConsoleClient(app.url);
    await console.signIn('inbound-test-pass');
    await console.postForm('/channels/wecom/connect', { url: KEY });
    // Dedupe off here: the same titles are posted on purpose.
    app.deps.settings.setRules({ ...app.deps.settings.rules(), dedupeWindowMinutes: 0 });
    app.deps.settings.setDelivery({ ...app.deps.settings.delivery(), language: 'en' });
    ({ token, signingSecret: tokenSecret } = issueApiToken(app.deps, { name: 'storeclaw', requireSignature: false, now: Date.now() }));
    ({ token: signedOnly, signingSecret } = issueApiToken(app.deps, { name: 'signed', requireSignature: true, now: Date.now() }));
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  const alert = { kind: 'alert', category: 'inventory', severity: 'warning', title: 'SKU-1024 low stock', store: 'Tmall Flagship' };

  it('answers 202 with the id only after the event is committed', async () => {
    const res = await postEvent(app.url, token, alert);
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ status: 'queued' });
    expect(getEvent(app.deps.db, res.json.id as number)).toMatchObject({ title: 'SKU-1024 low stock', status: expect.any(String) });
  });

  it.each([
    [{ ...alert, kind: 'nope' }, 'kind'],
    [{ ...alert, category: 'food' }, 'category'],
    [{ ...alert, severity: 'fatal' }, 'severity'],
    [{ ...alert, title: 'x'.repeat(201) }, 'title'],
    [{ ...alert, summary: 'x'.repeat(2001) }, 'summary'],
    [{ ...alert, url: 'javascript:alert(1)' }, 'url'],
    [{ ...alert, occurred_at: 'yesterday' }, 'occurred_at'],
    [{ ...alert, idempotency_key: 'k'.repeat(129) }, 'idempotency_key'],
    [{ ...alert, fields: { a: { nested: true } } }, 'fields.a'],
    [{ ...alert, mention: 'everyone' }, 'mention'],
    [{ ...alert, surprise: 1 }, 'surprise'],
    [{ kind: 'task_result', category: 'task', title: 'Sync', status: 'done', task_name: 'sync' }, 'status'],
    [{ kind: 'metric', name: 'gmv' }, 'value'],
  ])('400 names the field: %j → %s', async (body, field) => {
    const res = await postEvent(app.url, token, body);
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid_event');
    const issues = res.json.issues as Array<{ path: string; message: string }>;
    expect(issues.map((i) => i.path)).toContain(field);
    expect(String(res.json.message)).toContain(field);
  });

  it('refuses a missing, wrong or revoked token with 401', async () => {
    expect((await postEvent(app.url, undefined, alert)).status).toBe(401);
    expect((await postEvent(app.url, 'scn_wrong', alert)).status).toBe(401);
    const { id, token: doomed } = issueApiToken(app.deps, { name: 'old', requireSignature: false, now: Date.now() });
    expect((await postEvent(app.url, doomed, alert)).status).toBe(202);
    revokeApiToken(app.deps.db, id, Date.now());
    const res = await postEvent(app.url, doomed, alert);
    expect(res.status).toBe(401);
    expect(res.json.message).toMatch(/revoked/);
  });

  it('checks the optional HMAC signature, its 5-minute window and replays', async () => {
    expect((await postEvent(app.url, signedOnly, alert)).status).toBe(401);
    // Keyed with the bearer token (which a captured request carries), a signature is refused.
    expect((await postEvent(app.url, signedOnly, alert, { sign: {} })).status).toBe(401);
    expect((await postEvent(app.url, signedOnly, alert, { sign: { secret: signingSecret } })).status).toBe(202);
    const old = String(Math.floor(Date.now() / 1000) - 301);
    const stale = await postEvent(app.url, signedOnly, alert, { sign: { timestamp: old, secret: signingSecret } });
    expect(stale.status).toBe(401);
    expect(stale.json.message).toMatch(/5 minutes/);
    const bad = await postEvent(app.url, token, alert, { headers: { 'x-signature': 'sha256=00', 'x-signature-timestamp': String(Math.floor(Date.now() / 1000)) } });
    expect(bad.status).toBe(401);
    const ts = String(Math.floor(Date.now() / 1000));
    const body = { ...alert, title: 'replay me' };
    expect((await postEvent(app.url, token, body, { sign: { timestamp: ts, secret: tokenSecret } })).status).toBe(202);
    const replay = await postEvent(app.url, token, body, { sign: { timestamp: ts, secret: tokenSecret } });
    expect(replay.status).toBe(401);
    expect(replay.json.message).toMatch(/replay/);
  });

  it('answers 413 over 64 KiB, 415 for non-JSON, 400 for broken JSON', async () => {
    const big = await postEvent(app.url, token, { ...alert, summary: 'x'.repeat(70_000) });
    expect(big.status).toBe(413);
    const form = await postEvent(app.url, token, 'kind=alert', { headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(415);
    const broken = await postEvent(app.url, token, '{"kind":');
    expect(broken.status).toBe(400);
    expect(broken.json.error).toBe('invalid_json');
  });

  it('a body that is not valid UTF-8 is refused with a 400 naming the encoding, not stored with U+FFFD in place of the bytes', async () => {
    const count = () => (app.deps.db.$client.prepare('select count(*) as n from events').get() as { n: number }).n;
    const before = count();
    // "库存" sent as GBK (C2 E2 B4 E6) by a sender that forgot to encode UTF-8.
    const body = Buffer.concat([Buffer.from('{"kind":"alert","category":"inventory","title":"'), Buffer.from([0xbf, 0xe2, 0xb4, 0xe6]), Buffer.from(' low"}')]);
    const res = await fetch(app.url + '/api/v1/events', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
    const answer = (await res.json()) as { id?: number; message?: string; error?: string };
    const stored = answer.id !== undefined ? getEvent(app.deps.db, answer.id)?.title : undefined;
    expect(res.status, `answered ${JSON.stringify(answer)}; stored title ${JSON.stringify(stored)}`).toBe(400);
    expect(answer.message).toMatch(/UTF-8/i);
    expect(answer.error).toBe('invalid_encoding');
    expect(count()).toBe(before);
    // Without a valid token, the token is refused first, as before.
    const anonymous = await fetch(app.url + '/api/v1/events', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(anonymous.status).toBe(401);
    // UTF-8 text is signed and checked as the exact text sent.
    const chinese = await postEvent(app.url, signedOnly, { ...alert, title: '库存不足：SKU-1024' }, { sign: { secret: signingSecret } });
    expect(chinese.status).toBe(202);
    expect(getEvent(app.deps.db, chinese.json.id as number)?.title).toBe('库存不足：SKU-1024');
  });

  it('answers a repeated idempotency_key with 200 and the first id', async () => {
    const body = { ...alert, title: 'idem', idempotency_key: 'order-sync-42' };
    const first = await postEvent(app.url, token, body);
    const again = await postEvent(app.url, token, { ...body, title: 'changed' });
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.json.id).toBe(first.json.id);
    expect(again.json.duplicate).toBe(true);
  });

  it('scopes idempotency_key per token: the id answered for a repeated key can be read back with the token that was given it', async () => {
    const script = issueApiToken(app.deps, { name: 'ops-script', requireSignature: false, now: Date.now() }).token;
    const first = await postEvent(app.url, token, { kind: 'alert', category: 'orders', title: 'Order 1001 stuck', idempotency_key: 'job-1001' });
    expect(first.status).toBe(202);
    // Another sender (its own token), its own event, the same natural key.
    const second = await postEvent(app.url, script, { kind: 'task_result', status: 'failed', task_name: 'nightly backup', idempotency_key: 'job-1001' });
    expect([200, 202]).toContain(second.status);
    const id = second.json.id as number;
    const status = await fetch(`${app.url}/api/v1/events/${id}`, { headers: { authorization: `Bearer ${script}` } });
    expect(status.status, `POST answered ${second.status} ${second.text}; GET answered ${await status.clone().text()}`).toBe(200);
  });

  it('over HTTP: the 400 for an Alertmanager alert missing startsAt says the field is required', async () => {
    const res = await fetch(app.url + '/api/v1/alertmanager', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ version: '4', status: 'firing', alerts: [{ status: 'firing', labels: { alertname: 'DiskFull' } }] }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toBe('alerts.0.startsAt: is required');
  });

  it('renders every kind and category into the message the fake WeCom receives', async () => {
    const cases = [
      ...CATEGORIES.map((category) => ({ kind: 'alert', category, severity: 'critical', title: `alert in ${category}`, store: 'JD Store', fields: { sku: 'A-1', qty: 3 }, url: 'https://storeclaw.example/x' })),
      { kind: 'task_result', category: 'task', title: 'Nightly price sync', status: 'failed', task_name: 'price-sync', duration_ms: 125_000 },
      { kind: 'report', category: 'orders', title: 'Daily orders', summary: 'Orders up 12% vs yesterday', fields: { orders: 1204 } },
    ];
    for (const body of cases) expect((await postEvent(app.url, token, body)).status).toBe(202);
    const metric = await postEvent(app.url, token, { kind: 'metric', name: 'gmv', value: 10.5, unit: 'k¥', store: 'JD Store' });
    expect(metric.json.status).toBe('stored');
    const contents = () => fake.receivedFor(KEY).map((m) => JSON.stringify(m.body));
    const all = await waitFor(() => cases.every((c) => contents().some((s) => s.includes(c.title))), 15_000);
    expect(all).toBe(true);
    const alertMsg = fake.receivedFor(KEY).find((m) => JSON.stringify(m.body).includes('alert in ads'))!;
    expect(alertMsg.msgtype).toBe('markdown');
    const content = (alertMsg.body.markdown as { content: string }).content;
    expect(content).toContain('JD Store');
    expect(content).toContain('sku');
    expect(content).toContain('https://storeclaw.example/x');
    expect(content).toContain('<font color="warning">');
    const task = contents().find((s) => s.includes('Nightly price sync'))!;
    expect(task).toContain('price-sync');
    expect(contents().some((s) => s.includes('gmv'))).toBe(false);
  });

  it('maps an Alertmanager webhook (firing and resolved) to alerts', async () => {
    const payload = {
      version: '4',
      status: 'firing',
      receiver: 'wecom',
      groupKey: '{}:{alertname="DiskFull"}',
      groupLabels: { alertname: 'DiskFull' },
      commonLabels: {},
      commonAnnotations: {},
      externalURL: 'http://alertmanager:9093',
      alerts: [
        { status: 'firing', labels: { alertname: 'DiskFull', severity: 'critical', instance: 'db-1' }, annotations: { summary: 'Disk 97% full' }, startsAt: '2026-11-25T01:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prom/graph', fingerprint: 'abc' },
        { status: 'resolved', labels: { alertname: 'HighLatency', severity: 'warning' }, annotations: { description: 'p99 back to normal' }, startsAt: '2026-11-25T00:00:00Z', endsAt: '2026-11-25T01:00:00Z', generatorURL: 'http://prom/graph', fingerprint: 'def' },
      ],
    };
    const res = await postEvent(app.url, token, payload, { path: '/api/v1/alertmanager' });
    expect(res.status).toBe(202);
    expect(res.json.accepted).toBe(2);
    const ids = (res.json.events as Array<{ id: number }>).map((e) => e.id);
    expect(getEvent(app.deps.db, ids[0]!)).toMatchObject({ severity: 'critical', title: 'DiskFull', store: 'db-1', source: 'alertmanager' });
    expect(getEvent(app.deps.db, ids[1]!)?.title).toMatch(/RESOLVED/);
    const bad = await postEvent(app.url, token, { alerts: 'nope' }, { path: '/api/v1/alertmanager' });
    expect(bad.status).toBe(400);
    const again = await postEvent(app.url, token, payload, { path: '/api/v1/alertmanager' });
    expect((again.json.events as Array<{ duplicate?: boolean }>).every((e) => e.duplicate)).toBe(true);
  });

  it('Alertmanager: the resolution of a critical alert that was sent is not suppressed by the minimum severity (README: labels.severity → severity)', async () => {
    const rules = app.deps.settings.rules();
    app.deps.settings.setRules({ ...rules, minSeverity: 'warning' });
    onTestFinished(() => app.deps.settings.setRules(rules));
    const base = { name: 'PaymentsDown', severity: 'critical', instance: 'pay-1' };
    const t = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    const firstId = (res: { json: Record<string, unknown> }) => (res.json.events as Array<{ id: number }>)[0]!.id;
    const firing = await postEvent(app.url, token, amPayload({ ...base, status: 'firing', startsAt: t(3) }), { path: '/api/v1/alertmanager' });
    expect(getEvent(app.deps.db, firstId(firing))?.status).not.toBe('suppressed');
    const resolved = await postEvent(app.url, token, amPayload({ ...base, status: 'resolved', startsAt: t(3), endsAt: t(1) }), { path: '/api/v1/alertmanager' });
    expect(resolved.status).toBe(202);
    const row = getEvent(app.deps.db, firstId(resolved));
    // The group heard "PaymentsDown" (critical) and must hear that it is over.
    expect(`${row?.status}/${row?.reason} (severity ${row?.severity})`).toMatch(/^(queued|sent)\/null \(severity critical\)$/);
  });

  it('Alertmanager: an alert that fires again soon after its resolution is news, and so is its second resolution (dedupe window 10 min)', async () => {
    const rules = app.deps.settings.rules();
    app.deps.settings.setRules({ ...rules, dedupeWindowMinutes: 10 });
    onTestFinished(() => app.deps.settings.setRules(rules));
    const base = { name: 'QueueBacklog', severity: 'warning', instance: 'mq-1' };
    const t = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    const post = async (alert: { status: 'firing' | 'resolved'; startsAt: string; endsAt?: string }) => {
      const res = await postEvent(app.url, token, amPayload({ ...base, ...alert }), { path: '/api/v1/alertmanager' });
      expect(res.status).toBe(202);
      return (res.json.events as Array<{ id: number }>)[0]!.id;
    };
    // A flap: firing, resolved, firing again (a new startsAt), resolved again, all within 8 minutes.
    const ids = [
      await post({ status: 'firing', startsAt: t(8) }),
      await post({ status: 'resolved', startsAt: t(8), endsAt: t(6) }),
      await post({ status: 'firing', startsAt: t(4) }),
      await post({ status: 'resolved', startsAt: t(4), endsAt: t(2) }),
    ];
    const rows = ids.map((id) => getEvent(app.deps.db, id)!);
    // The group's last word must be that it resolved: none of the four is a repeat of an earlier one.
    expect(rows.map((r) => `${r.title}: ${r.reason ?? 'news'}${r.duplicateOf ? ` of #${r.duplicateOf}` : ''}`)).toEqual([
      'QueueBacklog: news',
      '[RESOLVED] QueueBacklog: news',
      'QueueBacklog: news',
      '[RESOLVED] QueueBacklog: news',
    ]);
    await waitFor(() => fake.receivedFor(KEY).filter((m) => JSON.stringify(m.body).includes('QueueBacklog')).length === 4);
  });
});

// Its own appliance: the tests above use up the bot's 20 messages a minute.
describe('an Alertmanager alert with more labels than a message lists', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let token: string;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: 'inbound-test-pass' } });
    const console = new ConsoleClient(app.url);
    await console.signIn('inbound-test-pass');
    await console.postForm('/channels/wecom/connect', { url: KEY });
    app.deps.settings.setDelivery({ ...app.deps.settings.delivery(), language: 'en' });
    ({ token } = issueApiToken(app.deps, { name: 'prometheus', requireSignature: false, now: Date.now() }));
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('says "and N more" for the rest instead of dropping them unannounced (SPEC Bounds)', async () => {
    const labels: Record<string, string> = { alertname: 'NodeDown', severity: 'critical' };
    for (let i = 1; i <= 25; i++) labels[`label_${String(i).padStart(2, '0')}`] = `value-${String(i).padStart(2, '0')}`;
    const payload = { version: '4', status: 'firing', receiver: 'wecom', alerts: [{ status: 'firing', labels, annotations: {}, startsAt: new Date().toISOString() }] };
    expect((await postEvent(app.url, token, payload, { path: '/api/v1/alertmanager' })).status).toBe(202);
    const message = () => fake.receivedFor(KEY).find((m) => JSON.stringify(m.body).includes('NodeDown'));
    expect(await waitFor(() => message() !== undefined)).toBe(true);
    const content = (message()!.body.markdown as { content: string }).content;
    expect(content).toContain('label_20: value-20');
    expect(content).not.toContain('value-21');
    expect(content).toContain('… and 5 more labels');
  });
});
