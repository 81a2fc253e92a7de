import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { issueTextZh } from '../../server/configAsCode/issueText.ts';
import {
  CATEGORIES,
  EVENT_LIMITS,
  KINDS,
  parseEvent,
  parseIsoDateTime,
  SEVERITIES,
  SEVERITY_RANK,
  type InboundEvent,
} from '../../server/events/schema.ts';

const alert = { kind: 'alert', title: 'Low stock' };
const task = { kind: 'task_result', task_name: 'Price sync', status: 'succeeded' };
const metric = { kind: 'metric', name: 'gmv', value: 1 };

function issuesOf(body: unknown) {
  const result = parseEvent(body);
  if (result.ok) throw new Error(`expected issues for ${JSON.stringify(body)}`);
  return result.issues;
}

function eventOf(body: unknown): InboundEvent {
  const result = parseEvent(body);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.event;
}

const many = (n: number, make: (i: number) => string = (i) => `user${i}`) => Array.from({ length: n }, (_, i) => make(i));

// [case, body, expected path, part of the reason]
const invalid: Array<[string, unknown, string, string]> = [
  ['unknown category', { ...alert, category: 'food' }, 'category', 'must be one of "orders"'],
  ['unknown severity', { ...alert, severity: 'high' }, 'severity', 'not "high"'],
  ['empty title', { ...alert, title: '' }, 'title', 'must not be empty'],
  ['blank title', { ...alert, title: '   ' }, 'title', 'must not be blank'],
  ['title over 200', { ...alert, title: 'x'.repeat(201) }, 'title', 'must be at most 200 characters'],
  ['numeric title', { ...alert, title: 42 }, 'title', 'must be a string, not a number'],
  ['summary over 2000', { ...alert, summary: 's'.repeat(2001) }, 'summary', 'at most 2000'],
  ['fields as array', { ...alert, fields: [1, 2] }, 'fields', 'not an array'],
  ['fields over 20', { ...alert, fields: Object.fromEntries(many(21).map((k) => [k, 1])) }, 'fields', 'at most 20 entries'],
  ['empty field name', { ...alert, fields: { '': 1 } }, 'fields.""', 'must not be empty'],
  ['field name over 64', { ...alert, fields: { ['k'.repeat(65)]: 1 } }, `fields.${'k'.repeat(65)}`, 'at most 64'],
  ['object field value', { ...alert, fields: { sku: { a: 1 } } }, 'fields.sku', 'must be a string or a number'],
  ['boolean field value', { ...alert, fields: { ok: true } }, 'fields.ok', 'not a boolean'],
  ['field value over 500', { ...alert, fields: { note: 'n'.repeat(501) } }, 'fields.note', 'at most 500'],
  ['infinite field value', { ...alert, fields: { n: Infinity } }, 'fields.n', 'finite'],
  ['__proto__ field', { ...alert, fields: JSON.parse('{"__proto__": 1}') }, 'fields', '"__proto__"'],
  ['ftp url', { ...alert, url: 'ftp://storeclaw.example.com/x' }, 'url', 'http:// or https://'],
  ['relative url', { ...alert, url: '/inventory/1' }, 'url', 'http:// or https://'],
  ['url over 2048', { ...alert, url: `https://e.com/${'a'.repeat(2040)}` }, 'url', 'at most 2048'],
  ['store over 100', { ...alert, store: 's'.repeat(101) }, 'store', 'at most 100'],
  ['control character in store', { ...alert, store: 'Lake\u0001side' }, 'store', 'control characters (found U+0001)'],
  ['line break in store', { ...metric, store: 'Lakeside\n' }, 'store', 'control characters (found U+000A)'],
  ['control character in metric name', { ...metric, name: 'ctl\u0001name' }, 'name', 'control characters (found U+0001)'],
  ['C1 control in metric name', { ...metric, name: 'gmv\u0085' }, 'name', 'control characters (found U+0085)'],
  ['line separator in unit', { ...metric, unit: 'CNY\u2028' }, 'unit', 'control characters (found U+2028)'],
  ['occurred_at without zone', { ...alert, occurred_at: '2024-05-01T10:00:00' }, 'occurred_at', 'with a timezone'],
  ['occurred_at date only', { ...alert, occurred_at: '2024-05-01' }, 'occurred_at', 'ISO 8601'],
  ['occurred_at impossible date', { ...alert, occurred_at: '2023-02-29T10:00:00Z' }, 'occurred_at', 'ISO 8601'],
  ['occurred_at hour 24', { ...alert, occurred_at: '2024-05-01T24:00:00Z' }, 'occurred_at', 'ISO 8601'],
  ['occurred_at as number', { ...alert, occurred_at: 1714557600000 }, 'occurred_at', 'not a number'],
  ['empty idempotency_key', { ...alert, idempotency_key: '' }, 'idempotency_key', 'must not be empty'],
  ['idempotency_key over 128', { ...alert, idempotency_key: 'k'.repeat(129) }, 'idempotency_key', 'at most 128'],
  ['mention word', { ...alert, mention: 'everyone' }, 'mention', 'not "everyone"'],
  ['mention empty list', { ...alert, mention: [] }, 'mention', 'at least one'],
  ['mention over 20', { ...alert, mention: many(21) }, 'mention', 'at most 20'],
  ['mention bad id', { ...alert, mention: ['alice', 'bob', 'no spaces'] }, 'mention.2', 'WeCom user id'],
  ['mention @all in list', { ...alert, mention: ['@all'] }, 'mention.0', 'use "mention": "all"'],
  ['mention target over 64', { ...alert, mention: ['u'.repeat(65)] }, 'mention.0', 'at most 64'],
  ['mention number', { ...alert, mention: [13800138000] }, 'mention.0', 'must be a string'],
  ['unknown kind', { ...alert, kind: 'incident' }, 'kind', '"alert", "task_result", "report", "metric"'],
  ['missing kind', { title: 'x' }, 'kind', 'is required'],
  ['alert without title', { kind: 'alert' }, 'title', 'is required for kind "alert"'],
  ['report without title', { kind: 'report', summary: 's' }, 'title', 'is required for kind "report"'],
  ['task without status', { kind: 'task_result', task_name: 'x' }, 'status', 'is required'],
  ['task with unknown status', { ...task, status: 'done' }, 'status', '"succeeded", "failed", "partial"'],
  ['task without task_name', { kind: 'task_result', status: 'failed' }, 'task_name', 'is required'],
  ['task_name over 200', { ...task, task_name: 't'.repeat(201) }, 'task_name', 'at most 200'],
  ['negative duration', { ...task, duration_ms: -1 }, 'duration_ms', 'must not be negative'],
  ['fractional duration', { ...task, duration_ms: 1.5 }, 'duration_ms', 'whole number'],
  ['string duration', { ...task, duration_ms: '10' }, 'duration_ms', 'not a string'],
  ['metric without name', { kind: 'metric', value: 1 }, 'name', 'is required'],
  ['metric name over 100', { ...metric, name: 'n'.repeat(101) }, 'name', 'at most 100'],
  ['metric without value', { kind: 'metric', name: 'gmv' }, 'value', 'is required'],
  ['metric string value', { ...metric, value: '12' }, 'value', 'must be a number, not a string'],
  ['metric NaN value', { ...metric, value: NaN }, 'value', 'must be a number'],
  ['metric unit over 20', { ...metric, unit: 'u'.repeat(21) }, 'unit', 'at most 20'],
];

describe('parseEvent: each invalid field is named by its path', () => {
  it.each(invalid)('%s', (_, body, path, reason) => {
    const issues = issuesOf(body);
    const issue = issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue!.message).toContain(reason);
    expect(`${issue!.path}: ${issue!.message}`).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  });

  it('reports every problem at once', () => {
    const issues = issuesOf({ ...alert, title: '', severity: 'loud', url: 'nope' });
    expect(issues.map((i) => i.path).sort()).toEqual(['severity', 'title', 'url']);
  });

  it('rejects non-object bodies at (root)', () => {
    for (const body of [null, [], 'alert', 3, true]) {
      expect(issuesOf(body)).toEqual([{ path: '(root)', message: expect.stringContaining('must be a JSON object') }]);
    }
  });
});

describe('parseEvent: unknown fields', () => {
  it('names the unknown field and lists the allowed ones', () => {
    const [issue, ...rest] = issuesOf({ ...alert, foo: 1 });
    expect(rest).toEqual([]);
    expect(issue!.path).toBe('foo');
    expect(issue!.message).toContain('unknown field "foo"');
    expect(issue!.message).toContain('title, category, severity');
  });

  it('rejects fields of another kind', () => {
    const [issue] = issuesOf({ ...alert, status: 'failed' });
    expect(issue).toMatchObject({ path: 'status', message: expect.stringContaining('unknown field "status"') });
    expect(issuesOf({ ...task, value: 3 })[0]).toMatchObject({ path: 'value' });
  });
});

describe('parseEvent: defaults', () => {
  it('fills category, severity, fields and mention for an alert', () => {
    expect(eventOf(alert)).toEqual({
      kind: 'alert',
      category: 'other',
      severity: 'info',
      title: 'Low stock',
      fields: {},
      mention: 'none',
    });
  });

  it('defaults a task result to category task and its title to the task name', () => {
    const event = eventOf(task);
    expect(event).toMatchObject({ category: 'task', title: 'Price sync', severity: 'info' });
    expect(eventOf({ ...task, title: 'Prices synced' }).title).toBe('Prices synced');
  });

  it('defaults a metric title to its name', () => {
    expect(eventOf(metric)).toMatchObject({ title: 'gmv', category: 'other' });
  });

  it('reads null as "not given"', () => {
    const event = eventOf({ ...alert, category: null, severity: null, summary: null, url: null, mention: null, fields: null });
    expect(event).toEqual(eventOf(alert));
    expect('summary' in event).toBe(false);
  });

  it('keeps explicit values', () => {
    expect(eventOf({ ...alert, category: 'ads', severity: 'critical' })).toMatchObject({ category: 'ads', severity: 'critical' });
  });
});

describe('parseEvent: mention', () => {
  it.each([
    ['none', 'none'],
    ['all', 'all'],
    [['alice', 'Bob.Li', '+8613800138000', '13800138000'], ['alice', 'Bob.Li', '+8613800138000', '13800138000']],
    [many(20), many(20)],
  ])('accepts %j', (mention, expected) => {
    expect(eventOf({ ...alert, mention }).mention).toEqual(expected);
  });
});

describe('parseEvent: limits are counted in characters, not bytes', () => {
  it('accepts 200 emoji or CJK characters as a title', () => {
    expect(eventOf({ ...alert, title: '😀'.repeat(200) }).title).toHaveLength(400);
    expect(eventOf({ ...alert, title: '库'.repeat(200) }).title).toHaveLength(200);
    expect(issuesOf({ ...alert, title: '😀'.repeat(201) })[0]!.path).toBe('title');
  });
});

describe('parseEvent: a valid full event of each kind', () => {
  const common = {
    category: 'inventory',
    severity: 'warning',
    summary: 'Only 3 left',
    fields: { sku: 'KT-1024', on_hand: 3, ratio: 0.25 },
    url: 'https://storeclaw.example.com/inventory/KT-1024',
    store: 'Lakeside Tmall',
    occurred_at: '2025-03-14T09:30:00.123+08:00',
    idempotency_key: 'inv:KT-1024:2025-03-14',
    mention: ['alice', '+8613800138000'],
  };

  it.each([
    { kind: 'alert', title: 'Low stock', ...common },
    { kind: 'report', title: 'Daily summary', ...common },
    { kind: 'task_result', title: 'Sync done', ...common, status: 'partial', task_name: 'Price sync', duration_ms: 125000 },
    { kind: 'metric', title: 'GMV', ...common, name: 'gmv', value: -12.5, unit: 'CNY' },
  ])('$kind', (body) => {
    expect(eventOf(body)).toEqual(body);
  });

  it('covers every kind', () => {
    expect(KINDS).toEqual(['alert', 'task_result', 'report', 'metric']);
  });
});

describe('occurred_at', () => {
  it.each([
    ['2025-03-14T09:30:00+08:00', Date.UTC(2025, 2, 14, 1, 30)],
    ['2025-03-14T01:30:00Z', Date.UTC(2025, 2, 14, 1, 30)],
    ['2025-03-14T01:30Z', Date.UTC(2025, 2, 14, 1, 30)],
    ['2025-03-13T20:30:00-0500', Date.UTC(2025, 2, 14, 1, 30)],
    ['2025-03-14T01:30:00.123456789Z', Date.UTC(2025, 2, 14, 1, 30, 0, 123)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['0001-01-01T00:00:00Z', -62135596800000],
  ])('parses %s', (s, ms) => {
    expect(parseIsoDateTime(s)).toBe(ms);
    expect(eventOf({ ...alert, occurred_at: s }).occurred_at).toBe(s);
  });

  it.each(['2025-13-01T00:00:00Z', '2025-03-14 01:30:00Z', '2025-03-14T01:30:61Z', '2025-03-14T01:30:00+24:00', 'yesterday'])(
    'rejects %s',
    (s) => {
      expect(parseIsoDateTime(s)).toBeUndefined();
    },
  );
});

describe('constants', () => {
  it('ranks severities', () => {
    expect(SEVERITIES.map((s) => SEVERITY_RANK[s])).toEqual([0, 1, 2]);
    expect(CATEGORIES).toHaveLength(7);
  });
});

describe('parseEvent never throws', () => {
  const eventLike = fc.record(
    {
      kind: fc.oneof(fc.constantFrom(...KINDS), fc.jsonValue()),
      title: fc.oneof(fc.string(), fc.jsonValue()),
      category: fc.oneof(fc.constantFrom(...CATEGORIES), fc.jsonValue()),
      severity: fc.oneof(fc.constantFrom(...SEVERITIES), fc.jsonValue()),
      fields: fc.oneof(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.double())), fc.jsonValue()),
      mention: fc.oneof(fc.constantFrom('none', 'all'), fc.array(fc.string()), fc.jsonValue()),
      status: fc.oneof(fc.constantFrom('succeeded', 'failed', 'partial'), fc.jsonValue()),
      task_name: fc.oneof(fc.string(), fc.jsonValue()),
      name: fc.string(),
      value: fc.oneof(fc.double(), fc.jsonValue()),
      occurred_at: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()),
    },
    { requiredKeys: [] },
  );

  it('returns ok or issues with non-empty paths for any JSON value', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), eventLike), (json) => {
        const result = parseEvent(json);
        if (result.ok) {
          expect(typeof result.event.title).toBe('string');
          expect(KINDS).toContain(result.event.kind);
        } else {
          expect(result.issues.length).toBeGreaterThan(0);
          for (const issue of result.issues) {
            expect(issue.path).not.toBe('');
            expect(issue.message).not.toBe('');
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseEvent’s refusals in Chinese', () => {
  it('every reason it can give reads in Chinese too (a hook’s preview on a Chinese console shows them)', () => {
    const untranslated = new Set<string>();
    const check = (json: unknown) => {
      const r = parseEvent(json);
      if (!r.ok) for (const i of r.issues) if (issueTextZh(i.message) === undefined) untranslated.add(i.message);
    };
    const valid = [alert, task, metric, { kind: 'report', title: 'Daily' }];
    const keys = ['kind', 'title', 'category', 'severity', 'summary', 'fields', 'url', 'store', 'occurred_at', 'idempotency_key', 'mention', 'status', 'task_name', 'duration_ms', 'name', 'value', 'unit', 'extra'];
    const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    const odd = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom('', '  ', 'a\u0001b', 'x'.repeat(EVENT_LIMITS.summary + 1), -1, 2.5, true, 'not a date', '2026-13-01T00:00:00Z', 'ftp://x', '@all', 'bad id!', [], ['@all'], ['ok', 'bad id!'], Array.from({ length: EVENT_LIMITS.mentions + 1 }, (_, i) => `u${i}`)),
      fc.constantFrom({ '': 1 }, { ['k'.repeat(EVENT_LIMITS.fieldKey + 1)]: 1 }, JSON.parse('{"__proto__": 1}') as object, { a: { b: 1 } }, { a: null }, many(EVENT_LIMITS.fields + 1)),
    );
    fc.assert(fc.property(fc.constantFrom(...valid), fc.constantFrom(...keys), odd, (base, key, value) => check({ ...base, [key]: value })), { numRuns: 2000 });
    for (const json of [null, [], 'x', {}, { kind: 'nope' }, { kind: 'alert' }, { ...metric, kind: undefined }]) check(json);
    expect([...untranslated]).toEqual([]);
    expect(issueTextZh('must be a string, not a number')).toBe('必须是字符串（现在是数字）');
    expect(issueTextZh('must be a number, not null')).toBe('必须是数字（现在是 null）');
  });
});
