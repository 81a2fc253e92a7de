import * as v from 'valibot';
import type { Db } from '../../db/client.ts';
import { getSetting, putSetting } from '../../db/queries/settings.ts';

export const GRACE_MINUTES = { min: 0, max: 1440 } as const;

export const reportSettingsSchema = v.object({
  /** A run missed while the appliance was down runs once at start if it is at most this old. */
  missedRunGraceMinutes: v.pipe(v.number(), v.integer(), v.minValue(GRACE_MINUTES.min), v.maxValue(GRACE_MINUTES.max)),
});
export type ReportSettings = v.InferOutput<typeof reportSettingsSchema>;

export const DEFAULT_REPORT_SETTINGS: ReportSettings = { missedRunGraceMinutes: 60 };

const KEY = 'reports';
/** Set once the default jobs were created, so deleting them does not bring them back. */
const SEEDED_KEY = 'reports.seeded';

export function getReportSettings(db: Db): ReportSettings {
  const parsed = v.safeParse(reportSettingsSchema, getSetting<unknown>(db, KEY, DEFAULT_REPORT_SETTINGS));
  return parsed.success ? parsed.output : DEFAULT_REPORT_SETTINGS;
}

export function setReportSettings(db: Db, settings: ReportSettings, now: number): void {
  putSetting(db, KEY, v.parse(reportSettingsSchema, settings), now);
}

export function wasSeeded(db: Db): boolean {
  return getSetting<boolean>(db, SEEDED_KEY, false) === true;
}

export function markSeeded(db: Db, now: number): void {
  putSetting(db, SEEDED_KEY, true, now);
}
