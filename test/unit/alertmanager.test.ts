import { describe, expect, it } from 'vitest';
import { MAX_ALERTS, mapAlertmanager, mapSeverity } from '../../server/events/alertmanager.ts';
import type { InboundEvent } from '../../server/events/schema.ts';

const ZERO_TIME = '0001-01-01T00:00:00Z';

function firingPayload() {
  return {
    version: '4',
    receiver: 'storeclaw-wecom',
    status: 'firing',
    groupKey: '{}:{alertname="DiskFull"}',
    truncatedAlerts: 0,
    groupLabels: { alertname: 'DiskFull' },
    commonLabels: { alertname: 'DiskFull', job: 'node' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.internal:9093',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'DiskFull', severity: 'critical', instance: 'db-1:9100', job: 'node', mountpoint: '/data' },
        annotations: { summary: 'Disk /data on db-1 is 97% full', description: 'Free space below 3%' },
        startsAt: '2025-03-14T01:30:00.123456789Z',
        endsAt: ZERO_TIME,
        generatorURL: 'http://prometheus.internal:9090/graph?g0.expr=disk_free',
        fingerprint: 'a1b2c3d4e5f60718',
      },
      {
        status: 'firing',
        labels: { alertname: 'OrdersStuck', severity: 'warn', store: 'Lakeside Tmall', category: 'orders', instance: 'api-2' },
        annotations: { description: '12 orders unpaid for 30 min' },
        startsAt: '2025-03-14T09:31:00+08:00',
        endsAt: ZERO_TIME,
        generatorURL: 'javascript:alert(1)',
        fingerprint: 'ffee000011112222',
        silenceURL: 'http://alertmanager.internal:9093/#/silences/new', // a field Alertmanager may add
      },
    ],
  };
}

function resolvedPayload() {
  const payload = firingPayload();
  const first = payload.alerts[0]!;
  return { ...payload, status: 'resolved', alerts: [{ ...first, status: 'resolved', endsAt: '2025-03-14T01:45:00Z' }] };
}

function eventsOf(payload: unknown): InboundEvent[] {
  const result = mapAlertmanager(payload);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.events;
}

describe('mapAlertmanager: a firing group', () => {
  const [disk, orders] = eventsOf(firingPayload());

  it('makes one alert event per alert', () => {
    expect(eventsOf(firingPayload())).toHaveLength(2);
  });

  it('maps the first alert', () => {
    expect(disk).toEqual({
      kind: 'alert',
      category: 'other',
      severity: 'critical',
      title: 'DiskFull',
      summary: 'Disk /data on db-1 is 97% full',
      fields: { job: 'node', mountpoint: '/data' },
      url: 'http://prometheus.internal:9090/graph?g0.expr=disk_free',
      // The link leads to Prometheus, not StoreClaw: its label is the host.
      link_label: 'prometheus.internal:9090',
      store: 'db-1:9100',
      occurred_at: '2025-03-14T01:30:00.123456789Z',
      idempotency_key: 'am:a1b2c3d4e5f60718:firing:2025-03-14T01:30:00.123456789Z',
      mention: 'none',
      // This firing of this alert: its resolution and a later firing are not repeats of it.
      episode: 'alertmanager:a1b2c3d4e5f60718:2025-03-14T01:30:00.123456789Z',
    });
  });

  it('takes store, category and summary fallbacks, and drops a non-http generator URL', () => {
    expect(orders).toMatchObject({
      severity: 'warning',
      category: 'orders',
      store: 'Lakeside Tmall',
      summary: '12 orders unpaid for 30 min',
      fields: { instance: 'api-2' },
      url: 'http://alertmanager.internal:9093',
    });
  });
});

describe('mapAlertmanager: resolved', () => {
  const [resolved] = eventsOf(resolvedPayload());
  const [firing] = eventsOf(firingPayload());

  it('keeps the firing severity, is prefixed, and dated by endsAt', () => {
    expect(resolved).toMatchObject({ severity: 'critical', title: '[RESOLVED] DiskFull', occurred_at: '2025-03-14T01:45:00Z' });
  });

  it('is marked resolved (for the resolved message template); the firing alert is not', () => {
    expect(resolved).toMatchObject({ kind: 'alert', resolved: true });
    expect(firing).not.toHaveProperty('resolved');
  });

  it('has an idempotency key different from the firing one', () => {
    expect(resolved!.idempotency_key).toBe('am:a1b2c3d4e5f60718:resolved:2025-03-14T01:30:00.123456789Z');
    expect(resolved!.idempotency_key).not.toBe(firing!.idempotency_key);
  });

  it('falls back to startsAt when endsAt is Go’s zero time', () => {
    const payload = resolvedPayload();
    payload.alerts[0]!.endsAt = ZERO_TIME;
    expect(eventsOf(payload)[0]!.occurred_at).toBe('2025-03-14T01:30:00.123456789Z');
  });
});

describe('severity mapping', () => {
  it.each([
    ['critical', 'critical'],
    ['Page', 'critical'],
    ['error', 'critical'],
    ['HIGH', 'critical'],
    ['warning', 'warning'],
    ['warn', 'warning'],
    ['info', 'info'],
    ['low', 'info'],
    [undefined, 'info'],
  ] as const)('%s → %s', (label, severity) => {
    expect(mapSeverity(label)).toBe(severity);
  });
});

describe('mapAlertmanager: cuts to the event limits', () => {
  function single(alert: Record<string, unknown>) {
    return { status: 'firing', alerts: [{ status: 'firing', startsAt: '2025-03-14T01:30:00Z', ...alert }] };
  }

  it('cuts title, summary, store and fields, and keeps at most 20 fields, counting the labels left out', () => {
    const labels: Record<string, string> = { alertname: 'A'.repeat(300), instance: 'i'.repeat(150) };
    for (let i = 0; i < 30; i++) labels[`label_${i}`] = 'v'.repeat(600);
    const [event] = eventsOf(single({ labels, annotations: { summary: 's'.repeat(2500) } }));
    expect(event!.title).toHaveLength(200);
    expect(event!.summary).toHaveLength(2000);
    expect(event!.store).toHaveLength(100);
    expect(Object.keys(event!.fields)).toHaveLength(20);
    expect(Object.values(event!.fields).every((value) => String(value).length === 500)).toBe(true);
    // The labels left out are counted, for the message's "and N more labels".
    expect(event).toMatchObject({ kind: 'alert', more_labels: 10 });
    expect(eventsOf(single({ labels: { alertname: 'A', label_1: 'v' } }))[0]).not.toHaveProperty('more_labels');
  });

  it('replaces control characters in the store label: one such alert does not make the whole notification (its other alerts) be refused', () => {
    const payload = firingPayload();
    const tabbed = { ...payload.alerts[0]!, labels: { alertname: 'QueueStuck', severity: 'warning', store: 'Tmall\tFlagship' }, fingerprint: 'fp-other' };
    const broken = { ...tabbed, labels: { alertname: 'QueueStuck', instance: 'worker-\u0001\r\n2\u2028' }, fingerprint: 'fp-third' };
    // Alertmanager cannot be told to change a label: a 400 makes it retry the same group until it gives up.
    const events = eventsOf({ ...payload, alerts: [payload.alerts[0], tabbed, broken] });
    expect(events.map((e) => e.store)).toEqual(['db-1:9100', 'Tmall Flagship', 'worker- 2']);
  });

  it('names an alert without alertname and hashes labels without fingerprint', () => {
    const [a] = eventsOf(single({ labels: { job: 'x' } }));
    const [b] = eventsOf(single({ labels: { job: 'y' } }));
    expect(a!.title).toBe('Alertmanager alert');
    expect(a!.idempotency_key).toMatch(/^am:[0-9a-f]{16}:firing:2025-03-14T01:30:00Z$/);
    expect(a!.idempotency_key).not.toBe(b!.idempotency_key);
  });

  it('keeps labels named constructor, prototype and __proto__: alerts differing only there are two alerts (issue 20)', () => {
    const keys = ['constructor', 'prototype', '__proto__'].flatMap((name) => [
      eventsOf(JSON.parse(JSON.stringify(single({ labels: { alertname: 'Disk', job: 'x' } })).replace('"job":"x"', `"job":"x","${name}":"a"`)))[0]!.idempotency_key,
      eventsOf(JSON.parse(JSON.stringify(single({ labels: { alertname: 'Disk', job: 'x' } })).replace('"job":"x"', `"job":"x","${name}":"b"`)))[0]!.idempotency_key,
    ]);
    const plain = eventsOf(single({ labels: { alertname: 'Disk', job: 'x' } }))[0]!.idempotency_key;
    expect(new Set([...keys, plain]).size).toBe(keys.length + 1);
    // Event fields refuse those names, so they are left out of the fields, not the event.
    const [event] = eventsOf(JSON.parse('{"status":"firing","alerts":[{"status":"firing","startsAt":"2025-03-14T01:30:00Z","labels":{"alertname":"Disk","__proto__":"p","job":"x"}}]}'));
    expect(event!.fields).toEqual({ job: 'x' });
  });

  it('refuses a non-string value of a reserved label name, naming it', () => {
    const result = mapAlertmanager(JSON.parse('{"status":"firing","alerts":[{"status":"firing","startsAt":"2025-03-14T01:30:00Z","labels":{"alertname":"Disk","constructor":7}}]}'));
    expect(result).toEqual({ ok: false, issues: [{ path: 'alerts.0.labels.constructor', message: 'label and annotation values must be strings, not number' }] });
  });
});

describe('mapAlertmanager: invalid payloads', () => {
  function issuesOf(payload: unknown) {
    const result = mapAlertmanager(payload);
    if (result.ok) throw new Error('expected issues');
    return result.issues;
  }

  it.each([
    ['not an object', [], '(root)', 'Alertmanager webhook'],
    ['no alerts', { status: 'firing' }, 'alerts', 'is required'],
    ['bad status', { ...firingPayload(), status: 'pending' }, 'status', '"firing" or "resolved"'],
    ['alerts not an array', { status: 'firing', alerts: {} }, 'alerts', 'array of alerts'],
  ])('%s', (_, payload, path, reason) => {
    expect(issuesOf(payload)).toContainEqual({ path, message: expect.stringContaining(reason) });
  });

  it('names the alert and field that are wrong', () => {
    const payload = firingPayload();
    (payload.alerts[1] as Record<string, unknown>).startsAt = 'yesterday';
    (payload.alerts[0]!.labels as Record<string, unknown>).job = 7;
    const issues = issuesOf(payload);
    expect(issues).toContainEqual({ path: 'alerts.1.startsAt', message: expect.stringContaining('RFC 3339') });
    expect(issues).toContainEqual({ path: 'alerts.0.labels.job', message: expect.stringContaining('must be strings') });
  });

  it.each([
    ['startsAt', { status: 'firing', labels: { alertname: 'DiskFull' } }],
    ['labels', { status: 'firing', startsAt: '2024-05-01T09:30:00Z' }],
    ['status', { labels: { alertname: 'DiskFull' }, startsAt: '2024-05-01T09:30:00Z' }],
  ])('an alert without %s is refused as "is required", not "each alert must be an object"', (field, alert) => {
    const result = mapAlertmanager({ version: '4', status: 'firing', alerts: [alert] });
    expect(result.ok).toBe(false);
    const issue = !result.ok ? result.issues.find((i) => i.path === `alerts.0.${field}`) : undefined;
    expect(issue?.message).not.toBe('each alert must be an object');
    expect(issue?.message).toMatch(/required/);
  });

  it('an alert that is not an object is refused as such', () => {
    expect(issuesOf({ status: 'firing', alerts: ['DiskFull'] })).toEqual([{ path: 'alerts.0', message: 'each alert must be an object' }]);
  });

  it(`refuses more than ${MAX_ALERTS} alerts`, () => {
    const alert = firingPayload().alerts[0]!;
    const issues = issuesOf({ status: 'firing', alerts: Array.from({ length: MAX_ALERTS + 1 }, () => alert) });
    expect(issues).toEqual([{ path: 'alerts', message: `must hold at most ${MAX_ALERTS} alerts per request` }]);
    expect(eventsOf({ status: 'firing', alerts: Array.from({ length: MAX_ALERTS }, () => alert) })).toHaveLength(MAX_ALERTS);
  });
});
