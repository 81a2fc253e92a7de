// The API reference, rendered on the server from the OpenAPI document: no script, no CDN.
import type { ViewContext } from '../context.ts';
import { apiDescriptionsZh, apiReferenceZh } from '../../server/strings/apiReferenceStrings.ts';
import type { Translate } from '../../server/strings/translate.ts';
import { Layout } from '../layout.tsx';

type Json = Record<string, unknown>;

function resolve(schema: Json, doc: Json): { schema: Json; name?: string } {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return { schema };
  const name = ref.split('/').pop()!;
  return { schema: ((doc.components as Json).schemas as Record<string, Json>)[name]!, name };
}

/** One line saying what a value may be: type, allowed values, limits (JSON Schema's names stay as written). */
function typeLabel(t: Translate, schema: Json): string {
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return schema.enum.map((e) => JSON.stringify(e)).join(' | ');
  const parts: string[] = [];
  const type = schema.type;
  if (type) parts.push(Array.isArray(type) ? type.join(' | ') : String(type));
  if (schema.format) parts.push(`(${String(schema.format)})`);
  if (typeof schema.maxLength === 'number') parts.push(t('apidocs.type.maxLength', { n: schema.maxLength }));
  if (typeof schema.maxItems === 'number') parts.push(t('apidocs.type.maxItems', { n: schema.maxItems }));
  if (typeof schema.maxProperties === 'number') parts.push(t('apidocs.type.maxEntries', { n: schema.maxProperties }));
  if (typeof schema.minimum === 'number') parts.push(`≥ ${schema.minimum}`);
  if (typeof schema.maximum === 'number') parts.push(`≤ ${schema.maximum}`);
  if (typeof schema.pattern === 'string') parts.push(`/${schema.pattern}/`);
  return parts.join(' ') || t('apidocs.type.any');
}

/** A schema's or parameter's description: the document's English, or its translation. */
function described(ctx: ViewContext, english: string): string {
  return ctx.lang === 'zh' ? (apiDescriptionsZh[english] ?? english) : english;
}

function SchemaView({ ctx, schema: raw, doc }: { ctx: ViewContext; schema: Json; doc: Json }) {
  const { schema, name } = resolve(raw, doc);
  const variants = (schema.oneOf ?? schema.anyOf) as Json[] | undefined;
  const nullable = variants?.some((s) => s.type === 'null');
  const nonNull = variants?.filter((s) => s.type !== 'null');
  if (nonNull && nonNull.length === 1) {
    return (
      <>
        {nullable ? <span class="help">{ctx.t('apidocs.nullable')} </span> : null}
        <SchemaView ctx={ctx} schema={nonNull[0]!} doc={doc} />
      </>
    );
  }
  const properties = schema.properties as Record<string, Json> | undefined;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return (
    <div>
      {name ? <code>{name}</code> : null}
      {typeof schema.description === 'string' ? <p class="help">{described(ctx, schema.description)}</p> : null}
      {nonNull ? (
        <>
          <p>{ctx.t(schema.oneOf ? 'apidocs.oneOf' : 'apidocs.anyOf')}</p>
          <ol>
            {nonNull.map((s) => (
              <li>
                <SchemaView ctx={ctx} schema={s} doc={doc} />
              </li>
            ))}
          </ol>
        </>
      ) : properties ? (
        <table>
          <FieldTypeHead ctx={ctx} />
          <tbody>
            {Object.entries(properties).map(([prop, s]) => (
              <tr>
                <td>
                  <code>{prop}</code>
                  {required.has(prop) ? <span class="badge warn">{ctx.t('apidocs.required')}</span> : null}
                </td>
                <td>
                  <SchemaView ctx={ctx} schema={s} doc={doc} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : schema.type === 'array' && schema.items ? (
        <>
          {typeLabel(ctx.t, schema)} {ctx.t('apidocs.of')} <SchemaView ctx={ctx} schema={schema.items as Json} doc={doc} />
        </>
      ) : (
        <code>{typeLabel(ctx.t, schema)}</code>
      )}
    </div>
  );
}

type Security = Array<Record<string, string[]>>;

/** Which schemes an operation takes, alternatives joined by "or": "bearer [send]" or "bearer + signature + signatureTimestamp". */
function SecurityLine({ ctx, security }: { ctx: ViewContext; security: Security }) {
  if (security.length === 0) return <>{ctx.t('apidocs.security.none')}</>;
  return (
    <>
      {security.map((alternative, i) => (
        <>
          {i > 0 ? ` ${ctx.t('apidocs.security.or')} ` : null}
          <code>
            {Object.entries(alternative)
              .map(([scheme, roles]) => (roles.length ? `${scheme} [${roles.join(', ')}]` : scheme))
              .join(' + ')}
          </code>
        </>
      ))}
    </>
  );
}

type Operation = {
  operationId: string;
  summary: string;
  description?: string;
  security?: Security;
  parameters?: Array<{ name: string; in: string; required?: boolean; description?: string; schema: Json }>;
  requestBody?: { content: { 'application/json': { schema: Json } } };
  responses: Record<string, { description: string; content?: { 'application/json': { schema: Json } } }>;
};

/** The header row of every field/type table on the page: a schema's properties, an operation's parameters. */
function FieldTypeHead({ ctx }: { ctx: ViewContext }) {
  return (
    <thead>
      <tr>
        <th>{ctx.t('apidocs.col.field')}</th>
        <th>{ctx.t('apidocs.col.type')}</th>
      </tr>
    </thead>
  );
}

export function ApiReferencePage({ ctx, doc }: { ctx: ViewContext; doc: Json }) {
  // The document is English (clients read it); in Chinese its texts come from their translation.
  const say = (key: string, english: string | undefined) => (ctx.lang === 'zh' ? (apiReferenceZh[key] ?? english) : english);
  const paths = doc.paths as Record<string, Record<string, Operation>>;
  const schemes = ((doc.components as Json).securitySchemes ?? {}) as Record<string, { type: string; scheme?: string; in?: string; name?: string; description?: string }>;
  const operations = Object.entries(paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
  return (
    <Layout ctx={ctx} title={ctx.t('apidocs.title')}>
      <p>{ctx.t('apidocs.intro')}</p>
      <p>
        <a href="/api/v1/openapi.json">{ctx.t('apidocs.download')}</a>
      </p>
      <section class="card" aria-labelledby="apidocs-security-title">
        <h2 id="apidocs-security-title">{ctx.t('apidocs.security')}</h2>
        <dl class="facts">
          {Object.entries(schemes).map(([name, scheme]) => (
            <>
              <dt>
                <code>{name}</code> ({scheme.type === 'http' ? `Authorization: ${scheme.scheme ?? ''}` : `${scheme.in ?? ''} ${scheme.name ?? ''}`})
              </dt>
              <dd>{say(`scheme.${name}`, scheme.description)}</dd>
            </>
          ))}
        </dl>
      </section>
      <nav aria-label={ctx.t('apidocs.title')}>
        <ul>
          {operations.map(({ path, method, op }) => (
            <li>
              <a href={`#${op.operationId}`}>
                <code>
                  {method.toUpperCase()} {path}
                </code>
              </a>{' '}
              {say(`${op.operationId}.summary`, op.summary)}
            </li>
          ))}
        </ul>
      </nav>
      {operations.map(({ path, method, op }) => (
        <section class="card" id={op.operationId} aria-labelledby={`${op.operationId}-title`}>
          <h2 id={`${op.operationId}-title`}>
            <code>
              {method.toUpperCase()} {path}
            </code>
          </h2>
          <p>{say(`${op.operationId}.summary`, op.summary)}</p>
          {op.description ? <p class="help">{say(`${op.operationId}.description`, op.description)}</p> : null}
          <p>
            {ctx.t('apidocs.security')}: <SecurityLine ctx={ctx} security={op.security ?? ((doc.security ?? []) as Security)} />
          </p>
          {op.parameters?.length ? (
            <>
              <h3>{ctx.t('apidocs.parameters')}</h3>
              <table>
                <FieldTypeHead ctx={ctx} />
                <tbody>
                  {op.parameters.map((p) => (
                    <tr>
                      <td>
                        <code>{p.name}</code> ({p.in}){p.required ? <span class="badge warn">{ctx.t('apidocs.required')}</span> : null}
                      </td>
                      <td>
                        <code>{typeLabel(ctx.t, p.schema)}</code>
                        {p.description ? <p class="help">{described(ctx, p.description)}</p> : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          ) : null}
          {op.requestBody ? (
            <>
              <h3>{ctx.t('apidocs.body')}</h3>
              <SchemaView ctx={ctx} schema={op.requestBody.content['application/json'].schema} doc={doc} />
            </>
          ) : null}
          <h3>{ctx.t('apidocs.responses')}</h3>
          <dl class="facts">
            {Object.entries(op.responses).map(([status, r]) => (
              <>
                <dt>
                  <code>{status}</code>
                </dt>
                <dd>
                  {say(`${op.operationId}.${status}`, r.description)}
                  {r.content ? <SchemaView ctx={ctx} schema={r.content['application/json'].schema} doc={doc} /> : null}
                </dd>
              </>
            ))}
          </dl>
        </section>
      ))}
    </Layout>
  );
}
