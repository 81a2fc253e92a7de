// The next run times a cron expression gives, in the job's zone (the form and the job page; htmx swaps it as you type).
import type { ViewContext } from '../../context.ts';
import type { CronPreviewState } from '../../../server/reports/reportForm.ts';
import { formatRunTime } from '../../../server/time/format.ts';

export function CronPreview({ ctx, state }: { ctx: ViewContext; state: CronPreviewState }) {
  if ('error' in state) {
    return (
      <p class="notice bad" id="r-cron-preview-error" role="alert">
        {state.error}
      </p>
    );
  }
  return (
    <ol id="r-next-runs">
      {state.runs.map((at) => (
        <li>
          <time datetime={new Date(at).toISOString()}>{formatRunTime(at, ctx.lang, state.timeZone)}</time>
        </li>
      ))}
    </ol>
  );
}
