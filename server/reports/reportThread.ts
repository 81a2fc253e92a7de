// Reports are built on a worker thread with its own read-only connection, like the /metrics counts.
//
// A report reads a period's events (a day of metric points can be a hundred thousand rows) and
// renders and splits its text; on the one Node thread that held /healthz, the inbound API and the
// console for as long as it took, and SIGTERM waited. The thread starts on the first build, serves
// the builds that follow, and stops after a minute without work. Should it fail to start, reports
// are built on the main thread as before.
import { Worker } from 'node:worker_threads';
import type { Db } from '../../db/client.ts';
import type { Logger } from '../log.ts';
import type { DeliverySettings, SettingsStore } from '../settings/settingsStore.ts';
import type { BuiltReport } from './builders.ts';
import type { PeriodChoice } from '../time/periods.ts';
import { renderJobChart, renderJobReport, type ChartJobSpec, type ChartOutcome, type ReportJobSpec } from './runReport.ts';

export type ReportThreadRequest = { id: number; delivery: DeliverySettings; ref: number; choice: PeriodChoice } & (
  | { what: 'report'; job: ReportJobSpec }
  | { what: 'chart'; job: ChartJobSpec }
);
export type ReportThreadAnswer = { id: number; report: BuiltReport } | { id: number; chart: ChartOutcome } | { id: number; error: string };

export interface ReportThread {
  report(job: ReportJobSpec, ref: number, choice?: PeriodChoice): Promise<BuiltReport>;
  /**
   * Throws only BuildAbandoned, when the appliance stops mid-draw (the run is cut off, not sent
   * without its chart); otherwise never, like renderJobChart: a failed chart must not stop the text.
   */
  chart(job: ChartJobSpec, ref: number, choice?: PeriodChoice): Promise<ChartOutcome>;
  /** Ends the thread; builds still waiting are rejected. */
  close(): Promise<void>;
}

export const REPORT_THREAD_IDLE_MS = 60_000;

/** A build abandoned because the appliance is stopping: no fault of the report, so its run is due again at the next start. */
export class BuildAbandoned extends Error {
  constructor() {
    super('the appliance is stopping');
    this.name = 'BuildAbandoned';
  }
}

export function createReportThread(opts: { file: string; db: Db; settings: SettingsStore; log: Logger; idleMs?: number }): ReportThread {
  const idleMs = opts.idleMs ?? REPORT_THREAD_IDLE_MS;
  let worker: Worker | undefined;
  let unavailable = false;
  let closed = false;
  let idle: NodeJS.Timeout | undefined;
  let nextId = 0;
  const waiting = new Map<number, { resolve: (a: ReportThreadAnswer) => void; reject: (err: Error) => void }>();

  const failAll = (err: Error) => {
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };

  /** An idle thread closes its connection and ends; a busy one is ended where it stands. */
  const stop = (w: Worker, busy: boolean): Promise<void> =>
    new Promise<void>((resolve) => {
      const force = setTimeout(() => void w.terminate(), busy ? 0 : 2_000);
      w.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      if (!busy) w.postMessage('stop');
    });

  const start = (): Worker | undefined => {
    if (worker || unavailable) return worker;
    // Compiled, the entry is plain JavaScript; from the sources it is TypeScript, started through tsx.
    const fromSources = import.meta.url.endsWith('.ts');
    const entry = new URL(fromSources ? './reportWorker.ts' : './reportWorker.js', import.meta.url);
    let w: Worker;
    try {
      w = fromSources
        ? new Worker(new URL('./tsWorker.mjs', import.meta.url), { execArgv: [], workerData: { entry: entry.href, file: opts.file } })
        : new Worker(entry, { execArgv: [], workerData: { file: opts.file } });
    } catch (err) {
      unavailable = true;
      opts.log.warn('reports are built on the main thread: the report thread could not start', { error: err });
      return undefined;
    }
    w.unref();
    w.on('message', (answer: ReportThreadAnswer) => {
      const pending = waiting.get(answer.id);
      waiting.delete(answer.id);
      pending?.resolve(answer);
      if (!waiting.size) idle = setTimeout(retire, idleMs).unref();
    });
    w.on('error', (err) => {
      if (worker === w) worker = undefined;
      opts.log.error('the report thread failed', { error: err });
      failAll(err);
    });
    w.on('exit', () => {
      if (worker === w) worker = undefined;
      failAll(new Error('the report thread stopped'));
    });
    worker = w;
    return w;
  };

  function retire(): void {
    const w = worker;
    if (!w || waiting.size) return;
    worker = undefined;
    void stop(w, false);
  }

  const ask = (req: Omit<ReportThreadRequest, 'id' | 'delivery'>): Promise<ReportThreadAnswer> | undefined => {
    if (closed) return Promise.reject(new BuildAbandoned());
    const w = start();
    if (!w) return undefined;
    clearTimeout(idle);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      w.postMessage({ ...req, id, delivery: opts.settings.delivery() } as ReportThreadRequest);
    });
  };

  const local = { db: opts.db, settings: opts.settings };
  return {
    async report(job, ref, choice = 'scheduled') {
      const answer = await ask({ what: 'report', job, ref, choice });
      if (!answer) return renderJobReport(local, job, ref, choice);
      if ('error' in answer) throw new Error(answer.error);
      if (!('report' in answer)) throw new Error('the report thread answered without a report');
      return answer.report;
    },
    async chart(job, ref, choice = 'scheduled') {
      try {
        const answer = await ask({ what: 'chart', job, ref, choice });
        if (!answer) return await renderJobChart(local, job, ref, undefined, choice);
        if ('error' in answer) return { ok: false, error: answer.error };
        if (!('chart' in answer)) return { ok: false, error: 'the report thread answered without a chart' };
        const chart = answer.chart;
        // A Buffer arrives as a plain Uint8Array.
        return chart.ok ? { ...chart, png: Buffer.from(chart.png.buffer, chart.png.byteOffset, chart.png.byteLength) } : chart;
      } catch (err) {
        if (err instanceof BuildAbandoned) throw err;
        return { ok: false, error: err instanceof Error ? err.message : String(err) };
      }
    },
    async close() {
      closed = true;
      clearTimeout(idle);
      const w = worker;
      worker = undefined;
      const busy = waiting.size > 0;
      failAll(new BuildAbandoned());
      if (w) await stop(w, busy);
    },
  };
}
