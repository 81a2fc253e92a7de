import type { AuditRow } from '../../db/queries/audit.ts';
import type { ViewContext } from '../context.ts';
import { labelOr } from '../../server/strings/translate.ts';
import { formatDateTime } from '../../server/time/format.ts';
import { Layout } from '../layout.tsx';

// Detail keys whose numbers are instants: shown as dates, never as raw milliseconds.
const TIME_KEYS = new Set(['until', 'at', 'since', 'from', 'to']);
// What an entry happened during, as rows written before it was stored as a code hold it.
const DURING_WORDS = new Map([['password change', 'password_change']]);

/**
 * An entry's detail as "name: value" lines in the reader's language: nested changes flattened
 * ("changed · categories.ads: no"), yes/no for flags, dates for instants; user text as it was.
 */
export function auditDetailLines(ctx: ViewContext, detail: string | null): string[] {
  if (!detail) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(detail);
  } catch {
    return [detail];
  }
  const lines: string[] = [];
  const value = (key: string, v: unknown): string => {
    if (typeof v === 'boolean') return ctx.t(v ? 'audit.value.yes' : 'audit.value.no');
    if (typeof v === 'number' && TIME_KEYS.has(key)) return formatDateTime(v, ctx.lang, ctx.timeZone);
    if (Array.isArray(v)) return v.map((x) => value(key, x)).join(', ');
    if (v === null || v === undefined || v === '') return '—';
    // Values that are the console's own words: kinds, categories, a report run's status, what an entry happened during.
    const text = String(v);
    if (key === 'kind') return labelOr(ctx.t, `kind.${text}`, text);
    if (key === 'category') return labelOr(ctx.t, `category.${text}`, text);
    if (key === 'status') return labelOr(ctx.t, `reports.run.status.${text}`, text);
    if (key === 'during') return labelOr(ctx.t, `audit.during.${DURING_WORDS.get(text) ?? text}`, text);
    return text;
  };
  const walk = (label: string, path: string, v: unknown) => {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      for (const [k, inner] of Object.entries(v)) walk(label, path ? `${path}.${k}` : k, inner);
      return;
    }
    const last = path.split('.').at(-1) ?? '';
    lines.push(path ? `${label} · ${path}: ${value(last, v)}` : `${label}: ${value(label, v)}`);
  };
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return [detail];
  for (const [key, v] of Object.entries(parsed)) {
    const label = labelOr(ctx.t, `audit.detail.${key}`, key);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) walk(label, '', v);
    else lines.push(`${label}: ${value(key, v)}`);
  }
  return lines;
}

export function AuditPage({ ctx, rows, olderHref }: { ctx: ViewContext; rows: AuditRow[]; olderHref?: string }) {
  return (
    <Layout ctx={ctx} title={ctx.t('audit.title')}>
      {rows.length ? (
        <table>
          <thead>
            <tr>
              <th>{ctx.t('audit.col.time')}</th>
              <th>{ctx.t('audit.col.actor')}</th>
              <th>{ctx.t('audit.col.action')}</th>
              <th>{ctx.t('audit.col.detail')}</th>
              <th>{ctx.t('audit.col.ip')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr>
                <td data-label={ctx.t('audit.col.time')}>{formatDateTime(row.at, ctx.lang, ctx.timeZone)}</td>
                <td data-label={ctx.t('audit.col.actor')}>{labelOr(ctx.t, `audit.actor.${row.actor}`, row.actor)}</td>
                <td data-label={ctx.t('audit.col.action')}>{labelOr(ctx.t, `audit.action.${row.action}`, row.action)}</td>
                <td data-label={ctx.t('audit.col.detail')}>
                  <ul class="plain">
                    {auditDetailLines(ctx, row.detail).map((line) => (
                      <li>{line}</li>
                    ))}
                  </ul>
                </td>
                <td data-label={ctx.t('audit.col.ip')}>{row.ip ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>{ctx.t('audit.empty')}</p>
      )}
      {olderHref ? (
        <div class="actions">
          <a href={olderHref}>{ctx.t('sendLog.older')} →</a>
        </div>
      ) : null}
    </Layout>
  );
}
