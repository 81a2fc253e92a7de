// One report job → its messages (Preview) → rows in the outbox (a run). Reports never call WeCom
// themselves: the delivery worker sends them like every other message, through the same limiter.
import type { Db } from '../../db/client.ts';
import type { ReportJobRow } from '../../db/queries/reports.ts';
import { reportChartSvg } from '../charts/reportChart.tsx';
import { charactersWithoutGlyph, rasteriseSvg } from '../charts/rasterise.ts';
import { enqueueMessage } from '../delivery/outbox.ts';
import { partTitle } from '../delivery/policy/partTitle.ts';
import { PRIORITY } from '../delivery/policy/priority.ts';
import { insertDelivery, updateDelivery } from '../delivery/store.ts';
import type { SettingsStore } from '../settings/settingsStore.ts';
import { imageMessage, type ImageMessage } from '../wecom/messages.ts';
import { buildReport, type BuiltReport } from './builders.ts';
import { buildChartData, chartDays, parseChartMetrics } from './chartData.ts';
import { periodsFor, type PeriodChoice } from '../time/periods.ts';
import { alertsPerDay, gatherFigures } from './reportData.ts';

export type ReportJobSpec = Pick<ReportJobRow, 'name' | 'type' | 'template' | 'timezone'>;
export type ChartJobSpec = Pick<ReportJobRow, 'name' | 'type' | 'timezone' | 'chartMetrics'>;

/** The chart image, or why there is none; `missingGlyphs` lists label characters the font lacks. */
export type ChartOutcome = { ok: true; png: Buffer; message: ImageMessage; missingGlyphs: string[] } | { ok: false; error: string };

/** What building a report reads: the database and the notification language and format. */
export type ReportReadDeps = { db: Db; settings: Pick<SettingsStore, 'delivery'> };

/** The report as it would be sent at `ref`, with the current notification language and format. */
export function renderJobReport(deps: ReportReadDeps, job: ReportJobSpec, ref: number, choice: PeriodChoice = 'scheduled'): BuiltReport {
  const periods = periodsFor(job.type, ref, job.timezone, choice);
  const delivery = deps.settings.delivery();
  return buildReport(
    { type: job.type, name: job.name, template: job.template, timeZone: job.timezone, lang: delivery.language, format: delivery.format, periods, ref },
    gatherFigures(deps.db, job.type, periods),
  );
}

/** A chart drawn as SVG, with the label characters the shipped font has no glyph for. */
export interface DrawnChart {
  svg: string;
  missingGlyphs: string[];
}

/** The job's chart as it would be sent at `ref`, as SVG (what the report thread draws). */
export function jobChartSvg(deps: ReportReadDeps, job: ChartJobSpec, ref: number, choice: PeriodChoice = 'scheduled'): DrawnChart {
  const periods = periodsFor(job.type, ref, job.timezone, choice);
  const days = job.type === 'metrics_snapshot' ? [] : alertsPerDay(deps.db, chartDays(job.type, periods, job.timezone));
  const data = buildChartData(
    { type: job.type, span: periods.span, title: job.name, lang: deps.settings.delivery().language, metrics: parseChartMetrics(job.chartMetrics), periodLabel: `${periods.label} (${job.timezone})` },
    gatherFigures(deps.db, job.type, periods),
    days,
  );
  const svg = reportChartSvg(data);
  // The font's coverage is read from its files on first use: that belongs on this thread too.
  return { svg, missingGlyphs: charactersWithoutGlyph(svg) };
}

/** A chart from its SVG, rasterised. Never throws: a failed chart must not stop the text. */
async function chartFromSvg(draw: () => DrawnChart | Promise<DrawnChart>, rasterise: (svg: string) => Promise<Buffer> = rasteriseSvg): Promise<ChartOutcome> {
  try {
    const { svg, missingGlyphs } = await draw();
    const png = await rasterise(svg);
    return { ok: true, png, message: imageMessage(png), missingGlyphs };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** The job's chart as it would be sent at `ref`, drawn on this thread. */
export function renderJobChart(
  deps: ReportReadDeps,
  job: ChartJobSpec,
  ref: number,
  rasterise: (svg: string) => Promise<Buffer> = rasteriseSvg,
  choice: PeriodChoice = 'scheduled',
): Promise<ChartOutcome> {
  return chartFromSvg(() => jobChartSvg(deps, job, ref, choice), rasterise);
}

/**
 * Queues every part in one transaction, in order, then the chart right after them (its own image
 * message: WeCom cannot mix text and a picture), as one set: the worker sends them in order, part 2
 * behind part 1's retry. A chart that could not be drawn is a failed row in the send log saying
 * why, never a reason to hold the text. Returns the outbox ids.
 */
export function enqueueReport(db: Db, report: BuiltReport, now: number, chart?: ChartOutcome): number[] {
  const row = (title: string) => ({ createdAt: now, kind: 'report', category: null, severity: 'info', priority: PRIORITY.normal, title, queuedAt: now, nextAttemptAt: now });
  return db.transaction(() => {
    const ids = report.messages.map((message, i) => enqueueMessage(db, row(partTitle(report.title, i, report.messages.length)), message));
    if (chart?.ok) ids.push(enqueueMessage(db, row(`${report.title} 📊`), chart.message));
    else if (chart) {
      const payload = JSON.stringify({ msgtype: 'image' });
      ids.push(
        insertDelivery(db, { ...row(`${report.title} 📊`), status: 'failed', msgtype: 'image', payload, bytes: payload.length, failure: 'chart_render', errmsg: chart.error.slice(0, 500) }),
      );
    }
    for (const id of ids) updateDelivery(db, id, { setId: ids[0] });
    return ids;
  });
}
