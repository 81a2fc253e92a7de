import type { ViewContext } from '../context.ts';
import { formatDateTime } from '../../server/time/format.ts';
import { problemText } from '../../server/selfWatch/problemText.ts';
import type { SelfWatchStatus } from '../../server/selfWatch/watcher.ts';

/** The self-watch on the dashboard: every problem with its reason and since when, and where alerts also go. */
export function SelfWatchCard({ ctx, watch }: { ctx: ViewContext; watch: SelfWatchStatus }) {
  const badge = watch.status === 'ok' ? null : watch.status === 'critical' ? { cls: 'bad', key: 'watch.status.critical' as const } : { cls: 'warn', key: 'watch.status.warning' as const };
  return (
    <section class="card self-watch" aria-labelledby="self-watch-title" data-status={watch.status}>
      <h2 id="self-watch-title">
        {ctx.t('watch.title')} {badge ? <span class={`badge ${badge.cls}`}>{ctx.t(badge.key)}</span> : null}
      </h2>
      {watch.checkedAt === undefined ? (
        <p>{ctx.t('watch.notYet')}</p>
      ) : watch.problems.length === 0 ? (
        <p>{ctx.t('watch.ok')}</p>
      ) : (
        <ul>
          {watch.problems.map((p) => (
            <li data-reason={p.code} class={p.severity === 'critical' ? 'bad' : 'warn'}>
              {problemText(ctx.t, p)} <span class="help">{ctx.t('watch.since', { time: formatDateTime(p.since, ctx.lang, ctx.timeZone) })}</span>
            </li>
          ))}
        </ul>
      )}
      <p class="help">
        {watch.checkedAt !== undefined ? `${ctx.t('watch.checked', { time: formatDateTime(watch.checkedAt, ctx.lang, ctx.timeZone) })} ` : ''}
        {watch.fallback ? ctx.t('watch.fallback.to', { target: watch.fallback }) : ctx.t('watch.fallback.none')}
      </p>
    </section>
  );
}
