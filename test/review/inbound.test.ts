// Review round: the inbound integrations (events, Alertmanager, hooks, metrics, event status).
// Each test fails on the current code for the defect its name states.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getEvent } from '../../server/delivery/store.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { ConsoleClient } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '5a6b7c8d-1e2f-4a3b-9c4d-5e6f7a8b9c0d';
const AM = { path: '/api/v1/alertmanager' };

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

describe('review: inbound integrations', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let token: string;
  let admin: ConsoleClient;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: 'review-inbound-password' } });
    admin = new ConsoleClient(app.url);
    await admin.signIn('review-inbound-password');
    await admin.postForm('/channels/wecom/connect', { url: KEY });
    app.deps.settings.setDelivery({ ...app.deps.settings.delivery(), language: 'en' });
    ({ token } = issueApiToken(app.deps, { name: 'alertmanager', requireSignature: false, now: Date.now() }));
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  const firstId = (res: { json: Record<string, unknown> }) => (res.json.events as Array<{ id: number }>)[0]!.id;

  it('Alertmanager: an alert that fires again after it resolved (within the dedupe window) is sent, not suppressed as a repeat of its first firing', async () => {
    const base = { name: 'DiskFull', severity: 'critical', instance: 'db-1' };
    const now = Date.now();
    const t = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
    const firing = await postEvent(app.url, token, amPayload({ ...base, status: 'firing', startsAt: t(6) }), AM);
    expect(firing.status).toBe(202);
    const resolved = await postEvent(app.url, token, amPayload({ ...base, status: 'resolved', startsAt: t(6), endsAt: t(4) }), AM);
    expect(resolved.status).toBe(202);
    // Two minutes later the disk fills up again: Alertmanager sends a new firing (a new startsAt).
    const again = await postEvent(app.url, token, amPayload({ ...base, status: 'firing', startsAt: t(1) }), AM);
    expect(again.status).toBe(202);
    expect(getEvent(app.deps.db, firstId(firing))?.status).not.toBe('suppressed');
    expect(getEvent(app.deps.db, firstId(resolved))?.status).not.toBe('suppressed');
    // The group last read "[RESOLVED] DiskFull": the new firing must reach it.
    const refire = getEvent(app.deps.db, firstId(again));
    expect(`${refire?.status}/${refire?.reason}`).toMatch(/^(queued|sent)\//);
    const contents = () => fake.receivedFor(KEY).map((m) => JSON.stringify(m.body));
    await waitFor(() => contents().filter((c) => c.includes('DiskFull') && !c.includes('RESOLVED')).length >= 2, 5_000);
    expect(contents().filter((c) => c.includes('DiskFull') && !c.includes('RESOLVED'))).toHaveLength(2);
  });
});
