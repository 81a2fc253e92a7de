import { describe, expect, it } from 'vitest';
import { notificationStrings } from '../../server/strings/notificationStrings.ts';
import { reportMessageStrings } from '../../server/strings/reportMessageStrings.ts';
import { GLOSSARY } from '../../server/strings/glossary.ts';
import { apiDescriptionsZh, apiReferenceZh } from '../../server/strings/apiReferenceStrings.ts';
import { buildOpenApiDocument } from '../../server/api/openapi.ts';
import { dictionaries } from '../../server/strings/translate.ts';

// Every Chinese string a person reads: the console, report messages and event messages.
const zhStrings: Array<[string, string]> = [
  ...Object.entries(dictionaries.zh),
  ...Object.entries(reportMessageStrings.zh),
  ...Object.entries(notificationStrings.zh),
  ...Object.entries(apiReferenceZh).map(([key, value]): [string, string] => [`apiReference:${key}`, value]),
  ...Object.entries(apiDescriptionsZh).map(([key, value]): [string, string] => [`apiDescription:${key}`, value]),
];

describe('Chinese wording', () => {
  it('the glossary gives each term one translation, and no two terms the same', () => {
    const en = GLOSSARY.map((g) => g.en.toLowerCase());
    const zh = GLOSSARY.map((g) => g.zh);
    expect(new Set(en).size).toBe(en.length);
    expect(new Set(zh).size).toBe(zh.length);
    for (const g of GLOSSARY) expect(g.avoid, g.en).not.toContain(g.zh);
  });

  it('no Chinese string uses a word the glossary replaced', () => {
    const offending = zhStrings.flatMap(([key, value]) =>
      GLOSSARY.flatMap((g) => g.avoid.filter((word) => value.includes(word)).map((word) => `${key}: “${word}” (say ${g.zh})`)),
    );
    expect(offending).toEqual([]);
  });

  it('the status words are the glossary terms wherever they are shown', () => {
    const zh = dictionaries.zh;
    expect(zh['event.status.suppressed']).toBe('已抑制');
    expect(zh['event.status.digested']).toBe('已合并发送');
    expect(zh['dashboard.outcome.digested']).toBe('已合并发送');
    expect(reportMessageStrings.zh['report.delivery.suppressed']).toMatch(/^已抑制/);
    expect(reportMessageStrings.zh['report.delivery.digested']).toMatch(/^已合并发送/);
  });

  it('the glossary settles 报表/报告 and 本设备/本应用', () => {
    expect(GLOSSARY).toContainEqual({ en: 'report', zh: '报表', avoid: ['报告'] });
    expect(GLOSSARY).toContainEqual({ en: 'this appliance', zh: '本设备', avoid: ['本应用'] });
    expect(dictionaries.zh['kind.report']).toBe('报表');
    expect(dictionaries.zh['messageKind.report']).toBe('报表');
  });

  it('sets numbers apart from Chinese characters with a space ("相比 1 天前", "2 分钟 5 秒"), digits and numeric placeholders alike', () => {
    const cjk = '\u4e00-\u9fff';
    // Placeholders that stand for numbers; a name like {category} or {baseline} is words.
    const numeric = '(?:count|n|h|m|d|bytes|limit|max|length|days|points|stores|minutes|seconds|total|used|id|event|shown|more|amount|value|larger|smaller)';
    const touching = new RegExp(`[${cjk}](?:\\d|\\{${numeric}(?::[^}]*)?\\})|(?:\\d|\\{${numeric}(?::[^}]*)?\\})[${cjk}]`);
    const offending = zhStrings.filter(([, value]) => touching.test(value)).map(([key, value]) => `${key}: ${value}`);
    expect(offending).toEqual([]);
  });

  it('the API reference page has Chinese for every operation, answer and security scheme of the OpenAPI document', () => {
    const doc = buildOpenApiDocument() as {
      paths: Record<string, Record<string, { operationId: string; description?: string; responses: Record<string, unknown> }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    const wanted = [
      ...Object.keys(doc.components.securitySchemes).map((name) => `scheme.${name}`),
      ...Object.values(doc.paths).flatMap((methods) =>
        Object.values(methods).flatMap((op) => [`${op.operationId}.summary`, ...(op.description ? [`${op.operationId}.description`] : []), ...Object.keys(op.responses).map((s) => `${op.operationId}.${s}`)]),
      ),
    ];
    expect(wanted.filter((key) => !(key in apiReferenceZh))).toEqual([]);
    expect(Object.keys(apiReferenceZh).filter((key) => !wanted.includes(key))).toEqual([]);
  });

  it('the API reference page has Chinese for every description of a schema, a field or a parameter of the OpenAPI document', () => {
    type Op = { parameters?: Array<{ description?: string; schema: unknown }>; requestBody?: unknown; responses: Record<string, { content?: unknown }> };
    const doc = buildOpenApiDocument() as { paths: Record<string, Record<string, Op>>; components: { schemas: Record<string, unknown> } };
    const wanted = new Set<string>();
    // Every "description" inside a schema, however deep (fields, variants, items).
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (typeof v === 'object' && v !== null) for (const [k, inner] of Object.entries(v)) k === 'description' && typeof inner === 'string' ? wanted.add(inner) : walk(inner);
    };
    walk(doc.components.schemas);
    for (const op of Object.values(doc.paths).flatMap((methods) => Object.values(methods))) {
      for (const p of op.parameters ?? []) {
        if (p.description) wanted.add(p.description);
        walk(p.schema);
      }
      walk((op.requestBody as { content?: unknown } | undefined)?.content);
      for (const r of Object.values(op.responses)) walk(r.content);
    }
    expect([...wanted].filter((d) => !(d in apiDescriptionsZh))).toEqual([]);
    expect(Object.keys(apiDescriptionsZh).filter((d) => !wanted.has(d))).toEqual([]);
  });

  it('uses full-width punctuation next to Chinese text', () => {
    // A half-width , ; : ! ? ( ) touching a Chinese character; code, URLs and times (09:00) stay as they are.
    const halfWidth = /[\u4e00-\u9fff][,;:!?()]|[,;!?()][\u4e00-\u9fff]/;
    const offending = zhStrings.filter(([, value]) => halfWidth.test(value)).map(([key, value]) => `${key}: ${value}`);
    expect(offending).toEqual([]);
  });
});
