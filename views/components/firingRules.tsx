import type { FiringList } from '../../server/metricRules/firingList.ts';
import type { ViewContext } from '../context.ts';
import { formatDateTime } from '../../server/time/format.ts';

/** The firing pairs the dashboard lists; the Metric rules page has them all. */
export const FIRING_SHOWN_ON_DASHBOARD = 5;

/** The dashboard's "rules firing now" box, linking to the Metric rules page. */
export function FiringRulesStat({ ctx, firing }: { ctx: ViewContext; firing: FiringList }) {
  const more = firing.total - firing.shown.length;
  return (
    <div class="stat" id="firing-rules">
      <div>
        <a href="/metric-rules">{ctx.t('mr.firingNow')}</a>
      </div>
      <div class="n">{firing.total}</div>
      {firing.total ? (
        <ul class="help">
          {firing.shown.map((f) => (
            <li>
              {f.name} · {f.store || '—'} · {ctx.t('mr.since', { time: formatDateTime(f.since, ctx.lang, ctx.timeZone) })}
            </li>
          ))}
          {more > 0 ? <li>{ctx.t('mr.andMore', { count: more })}</li> : null}
        </ul>
      ) : (
        <div class="help">{ctx.t('mr.noneFiring')}</div>
      )}
    </div>
  );
}
