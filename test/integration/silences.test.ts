import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { listAudit } from '../../db/queries/audit.ts';
import { getEvent } from '../../server/delivery/store.ts';
import { deleteSilence, insertSilence, listActiveSilences } from '../../db/queries/silences.ts';
import { MAX_SILENCES } from '../../server/rules/silences.ts';
import { gatherFigures } from '../../server/reports/reportData.ts';
import { snapshotPeriods } from '../../server/time/periods.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { ConsoleClient, descriptionOf, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d';
const ALERT = { kind: 'alert', category: 'inventory', severity: 'warning', title: 'Low stock: KT-1024', store: 'Lakeside' };

describe('muting one alert from the send log', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let admin: ConsoleClient;
  let token: string;
  const post = async (body: Record<string, unknown>) =>
    (await (
      await fetch(`${app.url}/api/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    ).json()) as { id: number; status: string };

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY] });
    app = await startTestAppliance({ wecomOrigin: fake.origin });
    app.deps.settings.setDelivery({ ...app.deps.settings.delivery(), language: 'en' });
    // No dedupe window: a repeat is judged by the silence alone.
    app.deps.settings.setRules({ ...app.deps.settings.rules(), dedupeWindowMinutes: 0 });
    admin = new ConsoleClient(app.url);
    await admin.signIn('correct horse battery');
    token = issueApiToken(app.deps, { name: 'test', requireSignature: false, now: Date.now() }).token;
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('a refused Mute date: the reason is tied to the Date field it is about (a refused duration to its select)', async () => {
    const { id } = await post({ ...ALERT, title: 'Low stock: KT-2048' });
    const deliveryId = (app.deps.db.$client.prepare('SELECT id FROM deliveries WHERE event_id = ?').get(id) as { id: number }).id;
    const bad = await admin.submit(`/send-log/${deliveryId}/silence`, { duration: 'until', date: '2020-01-01' });
    expect(bad.redirectedTo).toBe(`/send-log/${deliveryId}#mute`);
    expect(descriptionOf(bad.body, 'mute-date')).toContain('Choose a date from today to a year ahead.');
    expect(bad.body).toMatch(/<input[^>]*id="mute-date"[^>]*aria-invalid="true"/);
    const choice = await admin.submit(`/send-log/${deliveryId}/silence`, { duration: 'forever' });
    expect(descriptionOf(choice.body, 'mute-duration')).toContain('Choose one of the options.');
    expect(descriptionOf(choice.body, 'mute-date')).toBe('');
  });

  it('silences category + title + store, lists it with its end, counts it in reports, and removes it; each step audit-logged', async () => {
    const first = await post(ALERT);
    expect(first.status).toBe('queued');
    const deliveryId = (app.deps.db.$client.prepare('SELECT id FROM deliveries WHERE event_id = ?').get(first.id) as { id: number }).id;
    const detail = await admin.get(`/send-log/${deliveryId}`);
    expect(textOf(detail.body)).toContain('Mute this alert');

    // "Until a date" in the past is refused with the reason, nothing stored.
    const bad = await admin.submit(`/send-log/${deliveryId}/silence`, { duration: 'until', date: '2020-01-01' });
    expect(textOf(bad.body)).toContain('Choose a date from today to a year ahead.');
    expect(listActiveSilences(app.deps.db, Date.now())).toHaveLength(0);
    // A date the calendar does not have is refused the same way, not answered with a server error.
    const impossible = await admin.submit(`/send-log/${deliveryId}/silence`, { duration: 'until', date: `${new Date().getUTCFullYear()}-13-01` });
    expect(textOf(impossible.body)).toContain('Choose a date from today to a year ahead.');
    expect(listActiveSilences(app.deps.db, Date.now())).toHaveLength(0);

    const muted = await admin.submit(`/send-log/${deliveryId}/silence`, { duration: '4h' });
    expect(muted.redirectedTo).toBe('/notifications#silences');
    const text = textOf(muted.body);
    expect(text).toContain('Silenced "Low stock: KT-1024" until');
    expect(text).toContain('Inventory · Low stock: KT-1024 · Lakeside');
    const [silence] = listActiveSilences(app.deps.db, Date.now());
    expect(silence).toMatchObject({ category: 'inventory', title: 'Low stock: KT-1024', store: 'Lakeside' });
    expect(silence!.until - Date.now()).toBeGreaterThan(3.9 * 3600_000);
    expect(listAudit(app.deps.db, { limit: 1 })[0]).toMatchObject({ action: 'silence.create' });

    // The same alert is stored and marked; another store's is not silenced.
    const again = await post(ALERT);
    expect(again.status).toBe('suppressed');
    expect(getEvent(app.deps.db, again.id)).toMatchObject({ status: 'suppressed', reason: 'silenced' });
    expect((await post({ ...ALERT, store: 'Riverside' })).status).toBe('queued');
    const inbound = textOf((await admin.get('/inbound')).body);
    expect(inbound).toContain('silenced from the send log');
    const figures = gatherFigures(app.deps.db, 'daily_summary', { ...snapshotPeriods(Date.now() + 1000, 'Asia/Shanghai'), label: 'now' });
    expect(figures.delivery).toMatchObject({ suppressed: 1, silenced: 1 });

    const removed = await admin.submit(`/notifications/silences/${silence!.id}/delete`);
    expect(textOf(removed.body)).toContain('Silence removed: "Low stock: KT-1024" is sent again.');
    expect(textOf(removed.body)).toContain('No alert is silenced.');
    expect(listAudit(app.deps.db, { limit: 1 })[0]).toMatchObject({ action: 'silence.remove' });
    expect((await post(ALERT)).status).toBe('queued');
    expect((await admin.postForm(`/notifications/silences/${silence!.id}/delete`)).status).toBe(404);
  });

  it('an Alertmanager alert muted from the send log does not keep sending its "[RESOLVED] …" messages (the group never heard it fire)', async () => {
    const labels = { alertname: 'FlakyProbe', severity: 'warning', instance: 'web-1' };
    const t = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    const notify = async (status: 'firing' | 'resolved', startsAt: string, endsAt = '0001-01-01T00:00:00Z') => {
      const alert = { status, labels, annotations: { summary: 'FlakyProbe on web-1' }, startsAt, endsAt, fingerprint: 'fp-flaky' };
      const res = await fetch(`${app.url}/api/v1/alertmanager`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ version: '4', status, receiver: 'wecom', alerts: [alert] }),
      });
      return getEvent(app.deps.db, ((await res.json()) as { events: Array<{ id: number }> }).events[0]!.id)!;
    };
    const firing = await notify('firing', t(30));
    const deliveryId = (app.deps.db.$client.prepare('SELECT id FROM deliveries WHERE event_id = ?').get(firing.id) as { id: number }).id;
    // The admin mutes this noisy alert for 4 hours from its message in the send log.
    expect((await admin.submit(`/send-log/${deliveryId}/silence`, { duration: '4h' })).redirectedTo).toBe('/notifications#silences');
    // It flaps: resolves, fires again (muted, as it should be), resolves again.
    await notify('resolved', t(30), t(20));
    expect((await notify('firing', t(15))).reason).toBe('silenced');
    const row = await notify('resolved', t(15), t(5));
    // A resolution of a firing the mute kept from the group: muted as well, not a message.
    expect(`${row.status}/${row.reason} "${row.title}"`).toBe('suppressed/silenced "[RESOLVED] FlakyProbe"');
  });

  it('offers no mute for a message that is not one alert (a test notification)', async () => {
    await admin.postForm('/channels/wecom/connect', { url: KEY });
    const testRow = app.deps.db.$client.prepare("SELECT id FROM deliveries WHERE kind = 'test' LIMIT 1").get() as { id: number };
    expect(textOf((await admin.get(`/send-log/${testRow.id}`)).body)).not.toContain('Mute this alert');
    expect((await admin.postForm(`/send-log/${testRow.id}/silence`, { duration: '1h' })).status).toBe(422);
  });

  it('a muted title with edge spaces or a tab, as the API accepts it, exports in a document that imports again', async () => {
    const odd = { ...ALERT, title: ' Low stock:\tKT-2048 ', store: ' Lakeside ' };
    const event = await post(odd);
    const deliveryId = (app.deps.db.$client.prepare('SELECT id FROM deliveries WHERE event_id = ?').get(event.id) as { id: number }).id;
    await admin.submit(`/send-log/${deliveryId}/silence`, { duration: '4h' });
    expect(listActiveSilences(app.deps.db, Date.now())).toContainEqual(expect.objectContaining({ title: odd.title, store: odd.store }));

    const admin_ = issueApiToken(app.deps, { name: 'gitops', requireSignature: false, now: Date.now(), scopes: ['admin'] }).token;
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${app.url}${path}`, { method, headers: { authorization: `Bearer ${admin_}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const doc = (await (await call('GET', '/api/v1/config')).json()) as { silences: unknown[] };
    expect(doc.silences).toContainEqual(expect.objectContaining({ title: odd.title, store: odd.store }));
    const again = await call('PUT', '/api/v1/config?dry_run=true', doc);
    expect(again.status, await again.clone().text()).toBe(200);
    expect(((await again.json()) as { changes: unknown[] }).changes).toEqual([]);
  });

  const deliveryOf = (eventId: number) => (app.deps.db.$client.prepare('SELECT id FROM deliveries WHERE event_id = ?').get(eventId) as { id: number }).id;
  const gitops = () => {
    const operator = issueApiToken(app.deps, { name: 'config', requireSignature: false, now: Date.now(), scopes: ['read', 'admin'] }).token;
    return (method: string, path: string, body?: string) => fetch(`${app.url}${path}`, { method, headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' }, body });
  };

  it('the console\'s own export of its silences can be imported back: muting an alert already muted keeps its one silence, ending at the later end', async () => {
    const deliveryId = deliveryOf((await post({ ...ALERT, title: 'Low stock: KT-4096' })).id);
    const mine = () => listActiveSilences(app.deps.db, Date.now()).filter((s) => s.title === 'Low stock: KT-4096');
    const before = listActiveSilences(app.deps.db, Date.now()).length;
    // "Mute this alert", clicked again and again: each answers as a mute does.
    for (const duration of ['1h', '24h', '4h', '1h']) expect((await admin.submit(`/send-log/${deliveryId}/silence`, { duration })).redirectedTo).toBe('/notifications#silences');
    expect(listActiveSilences(app.deps.db, Date.now())).toHaveLength(before + 1);
    expect(mine()[0]!.until).toBeGreaterThan(Date.now() + 23 * 3600_000);
    expect(listAudit(app.deps.db, { limit: 2 }).map((a) => a.action)).toEqual(['silence.extend', 'silence.create']);

    const call = gitops();
    const doc = await (await call('GET', '/api/v1/config')).text();
    const dryRun = await call('PUT', '/api/v1/config?dry_run=true', doc);
    expect(dryRun.status, await dryRun.clone().text()).toBe(200);
  });

  it(`refuses a new silence past ${MAX_SILENCES} in force (what a configuration document carries) with the form kept; an alert already muted can still be muted longer`, async () => {
    const fresh = deliveryOf((await post({ ...ALERT, title: 'Low stock: KT-8192' })).id);
    const muted = deliveryOf((await post({ ...ALERT, title: 'Low stock: KT-16384' })).id);
    expect((await admin.submit(`/send-log/${muted}/silence`, { duration: '1h' })).redirectedTo).toBe('/notifications#silences');
    const now = Date.now();
    const seeded: number[] = [];
    for (let i = listActiveSilences(app.deps.db, now).length; i < MAX_SILENCES; i++) {
      seeded.push(insertSilence(app.deps.db, { category: 'orders', title: `Seeded ${i}`, store: '', createdAt: now, until: now + 3600_000 }));
    }
    onTestFinished(() => seeded.forEach((id) => deleteSilence(app.deps.db, id)));
    const date = new Date(now + 3 * 86_400_000).toISOString().slice(0, 10);

    const refused = await admin.submit(`/send-log/${fresh}/silence`, { duration: 'until', date });
    expect(refused.redirectedTo).toBe(`/send-log/${fresh}#mute`);
    expect(textOf(refused.body)).toContain(`The silences in force are at their limit (${MAX_SILENCES}, as many as a configuration export can carry)`);
    expect(refused.body).toMatch(/<option value="until" selected[^>]*>/);
    expect(refused.body).toContain(`value="${date}"`);
    const zh = await admin.submit(`/send-log/${fresh}/silence`, { duration: '4h' }, { 'accept-language': 'zh-CN' });
    expect(textOf(zh.body)).toContain(`已有 ${MAX_SILENCES} 个静音生效，这是配置导出能容纳的上限`);
    expect(listActiveSilences(app.deps.db, Date.now())).toHaveLength(MAX_SILENCES);

    // Muting one already muted adds no silence, so it is not refused.
    expect((await admin.submit(`/send-log/${muted}/silence`, { duration: '24h' })).redirectedTo).toBe('/notifications#silences');
    expect(listActiveSilences(app.deps.db, Date.now())).toHaveLength(MAX_SILENCES);

    const call = gitops();
    const dryRun = await call('PUT', '/api/v1/config?dry_run=true', await (await call('GET', '/api/v1/config')).text());
    expect(dryRun.status, await dryRun.clone().text()).toBe(200);
  });
});
