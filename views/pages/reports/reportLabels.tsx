// What the report pages share: a report type's and a run's words, status badges and notices.
import type { ReportJobRow } from '../../../db/queries/reports.ts';
import type { ViewContext } from '../../context.ts';
import { labelOr } from '../../../server/strings/translate.ts';
import { Notice } from '../../layout.tsx';

export type PageNotice = { kind: 'ok' | 'bad' | 'info'; text: string };

export function label(ctx: ViewContext, key: string, fallback: string): string {
  return labelOr(ctx.t, key, fallback);
}

export function typeLabel(ctx: ViewContext, type: string): string {
  return label(ctx, `reports.type.${type}`, type);
}

const RUN_BADGE: Record<string, string> = { succeeded: 'none', sent: 'ok', undelivered: 'bad', failed: 'bad', skipped: 'warn', running: 'none' };

export function RunStatus({ ctx, status }: { ctx: ViewContext; status: string }) {
  return <span class={`badge ${RUN_BADGE[status] ?? 'none'}`}>{label(ctx, `reports.run.status.${status}`, status)}</span>;
}

export function runErrorText(ctx: ViewContext, error: string | null): string {
  if (!error) return '';
  if (error.startsWith('code:')) return label(ctx, `reports.run.error.${error.slice(5)}`, error);
  return error;
}

export function JobStatus({ ctx, job }: { ctx: ViewContext; job: ReportJobRow }) {
  if (job.enabled) return <span class="badge ok">{ctx.t('reports.enabled')}</span>;
  return <span class="badge none">{job.autoEnable ? ctx.t('reports.waitingForBot') : ctx.t('reports.disabled')}</span>;
}

export function Notices({ notices }: { notices: PageNotice[] }) {
  return (
    <>
      {notices.map((n) => (
        <Notice kind={n.kind}>{n.text}</Notice>
      ))}
    </>
  );
}

/**
 * What a run amounts to: a run that queued its messages reads as their state (sent, still queued,
 * not delivered), never "queued" beside messages that went out long ago.
 */
export function runDisplayStatus(runStatus: string, deliveryStatuses: string[]): string {
  if (runStatus !== 'succeeded' || deliveryStatuses.length === 0) return runStatus;
  if (deliveryStatuses.some((s) => s === 'dead' || s === 'failed')) return 'undelivered';
  if (deliveryStatuses.every((s) => s === 'sent' || s === 'merged')) return 'sent';
  return 'succeeded';
}
