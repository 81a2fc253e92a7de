import type { FiringRule } from '../../server/metricRules/firingList.ts';
import type { ViewContext } from '../context.ts';
import { formatDateTime } from '../../server/time/format.ts';

/** The dashboard's "rules firing now" box, linking to the Metric rules page. */
export function FiringRulesStat({ ctx, firing }: { ctx: ViewContext; firing: FiringRule[] }) {
  return (
    <div class="stat" id="firing-rules">
      <div>
        <a href="/metric-rules">{ctx.t('mr.firingNow')}</a>
      </div>
      <div class="n">{firing.length}</div>
      {firing.length ? (
        <ul class="help">
          {firing.slice(0, 5).map((f) => (
            <li>
              {f.name} · {f.store || '—'} · {ctx.t('mr.since', { time: formatDateTime(f.since, ctx.lang, ctx.timeZone) })}
            </li>
          ))}
        </ul>
      ) : (
        <div class="help">{ctx.t('mr.noneFiring')}</div>
      )}
    </div>
  );
}
