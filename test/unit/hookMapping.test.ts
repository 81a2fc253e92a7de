import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linkedElsewhere, parseEvent } from '../../server/events/schema.ts';
import { renderEvent } from '../../server/render/builtInRender.ts';
import { contentOf, options } from '../helpers/renderFixtures.ts';
import { HOOK_EXAMPLES, type HookExampleName } from '../../server/hooks/examples.ts';
import { parsePath, readPath } from '../../server/hooks/jsonPath.ts';
import { applyHook, compileHook, type CompiledHook, type HookDefinition } from '../../server/hooks/mapping.ts';
import { HOOK_PAYLOAD_DEPTH, nestsDeeperThan } from '../../server/hooks/payloadDepth.ts';
import { parseTemplate, renderTemplate } from '../../server/hooks/mappingText.ts';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/hooks/${name}.json`, import.meta.url), 'utf8'));

function compiled(def: HookDefinition): CompiledHook {
  const result = compileHook(def);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.hook;
}

/** The event a fixture becomes through an example mapping and the inbound API's own parser. */
function eventOf(example: HookExampleName, payload: string) {
  const result = applyHook(compiled(HOOK_EXAMPLES[example]), fixture(payload));
  if (result.dropped) throw new Error(`dropped by ${result.condition}`);
  const parsed = parseEvent(result.body);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.event;
}

const blank: HookDefinition = {
  title: '{{title}}', summary: '', severity: '', severityMap: '', defaultSeverity: 'info', category: '', defaultCategory: 'other',
  store: '', url: '', idempotencyKey: '', fields: '', dropWhen: '',
};

describe('JSON paths', () => {
  it.each([
    ['a.b', ['a', 'b']],
    ['$.a[0].b', ['a', 0, 'b']],
    ['$', []],
    ['labels["app.kubernetes.io/name"]', ['labels', 'app.kubernetes.io/name']],
    ['alerts[-1]', ['alerts', -1]],
    ['[1]', [1]],
  ])('%s parses', (text, segments) => {
    expect(parsePath(text)).toEqual({ ok: true, segments });
  });

  it.each([
    ['', 'empty'],
    ['.a', 'leadingDot'],
    ['a..b', 'badName'],
    ['a[x]', 'badBracket'],
    ['a b', 'unexpected'],
    ['a' + '.b'.repeat(25), 'tooManyParts'],
  ])('%j is refused (%s)', (text, code) => {
    const parsed = parsePath(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.code).toBe(code);
  });

  it('reads own members only, never the prototype, and counts negative indexes from the end', () => {
    const doc = { a: [1, 2, 3], o: {} };
    expect(readPath(doc, ['a', -1])).toBe(3);
    expect(readPath(doc, ['o', 'constructor'])).toBeUndefined();
    expect(readPath(doc, ['o', '__proto__'])).toBeUndefined();
    expect(readPath(doc, ['a', 'length'])).toBeUndefined();
  });
});

describe('templates', () => {
  it('fills placeholders and reports the missing ones', () => {
    const parts = parseTemplate('{{name}} is {{ state }} ({{nope}})');
    expect(parts.ok).toBe(true);
    if (!parts.ok) return;
    expect(renderTemplate(parts.parts, { name: 'db', state: 'up' })).toEqual({ text: 'db is up ()', missing: ['nope'] });
  });

  it('reads scalars only: an object, an array or the whole payload renders as nothing and counts as missing (issue 20)', () => {
    const parts = parseTemplate('{{$}}|{{state}}|{{list}}|{{ok}}|{{n}}');
    if (!parts.ok) throw new Error('parse');
    const deep = JSON.parse('['.repeat(5000) + ']'.repeat(5000));
    expect(renderTemplate(parts.parts, { state: { up: false }, list: [1, 2], ok: true, n: 0, deep })).toEqual({ text: '|||true|0', missing: ['$', 'state', 'list'] });
    const lone = parseTemplate('{{state}}');
    if (!lone.ok) throw new Error('parse');
    expect(renderTemplate(lone.parts, { state: { up: false } })).toEqual({ text: '', missing: ['state'] });
  });

  it('measures nesting without recursion', () => {
    expect(nestsDeeperThan({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: [{ b: {} }] }, 3)).toBe(true);
    expect(nestsDeeperThan('text', 0)).toBe(false);
    expect(nestsDeeperThan(JSON.parse('['.repeat(HOOK_PAYLOAD_DEPTH) + ']'.repeat(HOOK_PAYLOAD_DEPTH)), HOOK_PAYLOAD_DEPTH)).toBe(false);
    expect(nestsDeeperThan(JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)), HOOK_PAYLOAD_DEPTH)).toBe(true);
  });

  it('keeps the value of a lone placeholder, so numbers stay numbers', () => {
    const parts = parseTemplate('{{n}}');
    if (!parts.ok) throw new Error('parse');
    expect(renderTemplate(parts.parts, { n: 4.5 }).single).toBe(4.5);
  });

  it.each([['{{a'], ['a}}'], ['{{a..b}}']])('%j does not parse', (text) => {
    expect(parseTemplate(text).ok).toBe(false);
  });

  it('names the first problem from the left, found by the scanner the message and report templates use', () => {
    expect(parseTemplate('{{a {{b}}')).toEqual({ ok: false, error: { code: 'unclosed' } });
    expect(parseTemplate('{{a}} }} {{b')).toEqual({ ok: false, error: { code: 'unopened' } });
    expect(parseTemplate('{{.a}} {{b')).toEqual({ ok: false, error: { code: 'leadingDot', at: '.a' } });
  });
});

describe('compiling a mapping', () => {
  it('names every problem with its field and line', () => {
    const result = compileHook({ ...blank, title: ' ', severityMap: 'firing = fatal\nnonsense', fields: 'A = {{x', dropWhen: 'status ~ 3' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual(
      expect.arrayContaining([
        { field: 'title', code: 'titleRequired' },
        { field: 'severityMap', line: 1, code: 'badSeverity' },
        { field: 'severityMap', line: 2, code: 'badLine' },
        { field: 'fields', line: 1, code: 'syntax', error: { code: 'unclosed' } },
        { field: 'dropWhen', line: 1, code: 'badCondition' },
      ]),
    );
  });
});

describe('applying a mapping', () => {
  it('maps severity through the value map, then a severity name, then the default', () => {
    const hook = compiled({ ...blank, severity: '{{s}}', severityMap: 'FIRING = critical', defaultSeverity: 'warning' });
    const severityOf = (s: unknown) => {
      const r = applyHook(hook, { title: 't', s });
      return r.dropped ? 'dropped' : r.body.severity;
    };
    expect([severityOf('firing'), severityOf('info'), severityOf('odd'), severityOf(undefined)]).toEqual(['critical', 'info', 'warning', 'warning']);
  });

  it('drops a payload when any condition holds', () => {
    const hook = compiled({ ...blank, dropWhen: 'kind == "test"\nheartbeat missing' });
    expect(applyHook(hook, { title: 't', kind: 'test', heartbeat: 1 })).toEqual({ dropped: true, condition: 'kind == "test"' });
    expect(applyHook(hook, { title: 't', kind: 'real' })).toEqual({ dropped: true, condition: 'heartbeat missing' });
    expect(applyHook(hook, { title: 't', kind: 'real', heartbeat: 0 }).dropped).toBe(false);
  });

  it('a value that is the word missing or exists is compared as text, unquoted too; a quoted key with == in it is still a path', () => {
    const hook = compiled({ ...blank, dropWhen: 'state == missing\nphase != exists\n["a == b"] exists' });
    expect(applyHook(hook, { title: 't', state: 'missing', phase: 'exists' })).toEqual({ dropped: true, condition: 'state == missing' });
    expect(applyHook(hook, { title: 't', state: 'ok', phase: 'x' })).toEqual({ dropped: true, condition: 'phase != exists' });
    expect(applyHook(hook, { title: 't', state: 'ok', phase: 'exists', 'a == b': 1 })).toEqual({ dropped: true, condition: '["a == b"] exists' });
    expect(applyHook(hook, { title: 't', state: 'ok', phase: 'exists' }).dropped).toBe(false);
  });

  it('cuts long texts, leaves out a URL that is not http(s) and a key with missing parts', () => {
    const hook = compiled({ ...blank, url: '{{u}}', idempotencyKey: 'k:{{id}}:{{gone}}', fields: 'Long = {{long}}' });
    const result = applyHook(hook, { title: '标'.repeat(300), u: 'javascript:alert(1)', id: 1, long: 'x'.repeat(600) });
    if (result.dropped) throw new Error('dropped');
    expect([...(result.body.title as string)]).toHaveLength(200);
    expect(result.body).not.toHaveProperty('url');
    expect(result.body).not.toHaveProperty('idempotency_key');
    expect((result.body.fields as Record<string, string>).Long).toHaveLength(500);
    expect(result.notes.map((n) => n.code)).toEqual(['urlNotHttp', 'idempotencyKeyIncomplete']);
    expect(parseEvent(result.body).ok).toBe(true);
  });

  it('any JSON maps to a body the event parser accepts, or refuses only for an empty title', () => {
    const hook = compiled({ ...HOOK_EXAMPLES.grafana, dropWhen: '' });
    fc.assert(
      fc.property(fc.jsonValue(), (payload) => {
        const result = applyHook(hook, payload);
        if (result.dropped) return false;
        const parsed = parseEvent(result.body);
        return parsed.ok || parsed.issues.every((i) => i.path === 'title');
      }),
    );
  });
});

describe('example mappings against their products’ documented payloads', () => {
  it('Grafana alerting: firing is critical, resolved is info, the alert links back', () => {
    const firing = eventOf('grafana', 'grafana-firing');
    expect(firing).toMatchObject({
      kind: 'alert',
      severity: 'critical',
      category: 'orders',
      store: 'Tmall Flagship',
      title: '[FIRING:1] Checkout latency high Shop (orders Tmall Flagship)',
      summary: 'p95 checkout latency above 2 s for 5 minutes',
      url: 'https://grafana.example.com/alerting/grafana/checkout-latency/view?orgId=1',
      fields: { Alert: 'Checkout latency high' },
    });
    // Grafana's group keys are long: a key over 128 characters is hashed, never cut.
    expect(firing.idempotency_key).toMatch(/^sha256:[0-9a-f]{64}$/);
    const resolved = eventOf('grafana', 'grafana-resolved');
    expect(resolved).toMatchObject({ severity: 'info', title: '[RESOLVED] Checkout latency high (orders Tmall Flagship)' });
    expect(resolved.idempotency_key).not.toBe(firing.idempotency_key);
  });

  it('GitHub workflow_run: a failed run is critical; runs still in progress are dropped', () => {
    expect(eventOf('github_workflow_run', 'github-workflow_run-failure')).toMatchObject({
      severity: 'critical',
      category: 'task',
      title: 'Nightly price sync #212: failure',
      summary: 'Sync prices from ERP',
      store: 'storeclaw/shop-ops',
      url: 'https://github.com/storeclaw/shop-ops/actions/runs/11223344556',
      idempotency_key: 'github:11223344556:1',
      fields: { Branch: 'main', Trigger: 'schedule', By: 'ops-bot' },
    });
    const inProgress = applyHook(compiled(HOOK_EXAMPLES.github_workflow_run), fixture('github-workflow_run-in_progress'));
    expect(inProgress).toEqual({ dropped: true, condition: 'action != completed' });
  });

  it('Uptime Kuma: a monitor going down is critical; the "Test" button still gets through', () => {
    expect(eventOf('uptime_kuma', 'uptime-kuma-down')).toMatchObject({
      severity: 'critical',
      category: 'store',
      title: '[Storefront] [🔴 Down] timeout of 48000ms exceeded',
      store: 'Storefront',
      url: 'https://shop.example.com/',
      idempotency_key: 'kuma:7:2026-11-28 09:12:45.123:0',
      fields: { 'Monitor type': 'http', Time: '2026-11-28 17:12:45' },
    });
    const test = eventOf('uptime_kuma', 'uptime-kuma-test');
    expect(test).toMatchObject({ severity: 'info', title: 'Uptime Kuma Webhook Testing' });
    expect(test.idempotency_key).toBeUndefined();
  });

  it('a hook’s link is labelled with its host (the monitored site), never "View in StoreClaw", in both languages and formats', () => {
    const down = linkedElsewhere(eventOf('uptime_kuma', 'uptime-kuma-down'));
    expect(down.link_label).toBe('shop.example.com');
    for (const lang of ['en', 'zh'] as const) {
      const markdown = renderEvent(down, options('markdown', { lang })).map(contentOf).join('\n');
      expect(markdown).toContain('[shop.example.com](https://shop.example.com/)');
      expect(markdown).not.toMatch(/StoreClaw/);
      expect(renderEvent(down, options('text', { lang })).map(contentOf).join('\n')).toContain('shop.example.com');
    }
    // Without a link there is nothing to label.
    const test = eventOf('uptime_kuma', 'uptime-kuma-test');
    expect(linkedElsewhere(test)).toBe(test);
  });

  it('Zabbix: a High problem is critical, its recovery is info with its own key', () => {
    const problem = eventOf('zabbix', 'zabbix-problem');
    expect(problem).toMatchObject({
      severity: 'critical',
      title: 'Problem: High CPU utilization on shop-db-1',
      store: 'shop-db-1',
      url: 'https://zabbix.example.com/tr_events.php?triggerid=23541&eventid=48213',
      fields: { Host: 'shop-db-1', Severity: 'High', Status: 'PROBLEM', Time: '2026.11.28 09:31:07' },
    });
    const recovery = eventOf('zabbix', 'zabbix-recovery');
    expect(recovery).toMatchObject({ severity: 'info', fields: { Status: 'RESOLVED' } });
    expect(recovery.idempotency_key).not.toBe(problem.idempotency_key);
  });
});
