// The report thread's side (see reportThread.ts): builds reports and charts (SVG, PNG) on its own
// read-only connection, so reading and rendering any amount of data never holds the main thread.
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { Db } from '../../db/client.ts';
import * as schema from '../../db/schema.ts';
import type { ReportThreadAnswer, ReportThreadRequest } from './reportThread.ts';
import { renderJobChart, renderJobReport } from './runReport.ts';

const port = parentPort!;
const sqlite = new Database((workerData as { file: string }).file, { readonly: true, fileMustExist: true });
sqlite.pragma('busy_timeout = 5000');
const db = drizzle(sqlite, { schema }) as Db;

port.on('message', async (req: ReportThreadRequest | 'stop') => {
  if (req === 'stop') {
    sqlite.close();
    port.close();
    return;
  }
  let answer: ReportThreadAnswer;
  try {
    const deps = { db, settings: { delivery: () => req.delivery } };
    answer =
      req.what === 'report'
        ? { id: req.id, report: renderJobReport(deps, req.job, req.ref, req.choice) }
        : { id: req.id, chart: await renderJobChart(deps, req.job, req.ref, undefined, req.choice) };
  } catch (err) {
    answer = { id: req.id, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(answer);
});
