// One report job → its messages (Preview) → rows in the outbox (a run). Reports never call WeCom
// themselves: the delivery worker sends them like every other message, through the same limiter.
import type { Db } from '../../db/client.ts';
import type { ReportJobRow } from '../../db/queries/reports.ts';
import { enqueueMessage } from '../delivery/outbox.ts';
import type { SettingsStore } from '../settings/settingsStore.ts';
import { buildReport, type BuiltReport } from './builders.ts';
import { periodsFor, type PeriodChoice } from './periods.ts';
import { gatherFigures } from './reportData.ts';

export type ReportJobSpec = Pick<ReportJobRow, 'name' | 'type' | 'template' | 'timezone'>;

/** The report as it would be sent at `ref`, with the current notification language and format. */
export function renderJobReport(deps: { db: Db; settings: SettingsStore }, job: ReportJobSpec, ref: number, choice: PeriodChoice = 'scheduled'): BuiltReport {
  const periods = periodsFor(job.type, ref, job.timezone, choice);
  const delivery = deps.settings.delivery();
  return buildReport(
    { type: job.type, name: job.name, template: job.template, timeZone: job.timezone, lang: delivery.language, format: delivery.format, periods, ref },
    gatherFigures(deps.db, job.type, periods),
  );
}

/** Queues every part in one transaction, in order; returns the outbox ids. */
export function enqueueReport(db: Db, report: BuiltReport, now: number): number[] {
  return db.transaction(() =>
    report.messages.map((message, i) =>
      enqueueMessage(
        db,
        {
          createdAt: now,
          kind: 'report',
          category: null,
          severity: 'info',
          priority: 1,
          title: report.messages.length > 1 ? `${report.title} (${i + 1}/${report.messages.length})` : report.title,
          queuedAt: now,
          nextAttemptAt: now,
        },
        message,
      ),
    ),
  );
}
