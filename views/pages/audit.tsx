import type { AuditRow } from '../../db/queries/audit.ts';
import type { ViewContext } from '../context.ts';
import { isMessageKey, labelOr } from '../../server/strings/translate.ts';
import { formatDateTime } from '../../server/time/format.ts';
import { Layout } from '../layout.tsx';

// Detail keys whose numbers are instants: shown as dates, never as raw milliseconds.
const TIME_KEYS = new Set(['until', 'at', 'since', 'from', 'to']);
// What an entry happened during, as rows written before it was stored as a code hold it.
const DURING_WORDS = new Map([['password change', 'password_change']]);

// Detail keys whose values are stored codes, with where their words are: the first key that exists
// wins (a template's kind "resolved" or category "all" has no event kind or category of its own).
const CODE_WORDS = new Map<string, ReadonlyArray<(code: string) => string>>([
  ['kind', [(c) => `kind.${c}`, (c) => `templates.kind.${c}`]],
  ['category', [(c) => `category.${c}`, (c) => `templates.category.${c}`]],
  ['status', [(c) => `reports.run.status.${c}`]],
  ['reason', [(c) => `url.cause.${c}`]],
  ['failure', [(c) => `sendLog.failure.${c}`]],
  ['scopes', [(c) => `audit.value.scope.${c}`]],
  ['period', [(c) => `audit.value.period.${c}`]],
  ['lang', [(c) => `settings.language.${c}`]],
  ['language', [(c) => `settings.language.${c}`]],
  ['type', [(c) => `reports.type.${c}`]],
  ['calendar', [(c) => `calendar.choice.${c}`]],
  ['during', [(c) => `audit.during.${DURING_WORDS.get(c) ?? c}`]],
]);

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
    const text = String(v);
    const known = CODE_WORDS.get(key)?.map((wordKey) => wordKey(text)).find(isMessageKey);
    return known ? ctx.t(known) : text;
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
