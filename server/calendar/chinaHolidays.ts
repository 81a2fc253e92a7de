// China's public holidays and adjusted working days (调休) from the `chinese-days` package (MIT),
// shipped in node_modules with the image: read once at start, never fetched at run time. The
// package's data is the source of these facts; the admin's own days (calendarStore.ts) win over it.
import { createRequire } from 'node:module';

/** A named day of the package: "National Day" / "国庆节". */
export interface NamedDay {
  en: string;
  zh: string;
}

export interface HolidayData {
  /** Days off by law ("2026-10-01" → National Day), weekends included when they are part of a holiday. */
  holidays: ReadonlyMap<string, NamedDay>;
  /** Weekend days that are working days (调休上班), with the holiday they make up for. */
  workdays: ReadonlyMap<string, NamedDay>;
  /** The first and last year the data covers. */
  firstYear: number;
  lastYear: number;
  /** Where the data comes from, for the console ("chinese-days 1.5.7"). */
  source: string;
}

type RawDays = Record<string, string>;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** "National Day,国庆节,3" → both names. */
function named(raw: string): NamedDay {
  const [en = '', zh = ''] = raw.split(',');
  return { en: en.trim(), zh: zh.trim() || en.trim() };
}

function toMap(raw: RawDays): Map<string, NamedDay> {
  const map = new Map<string, NamedDay>();
  for (const [date, value] of Object.entries(raw)) if (DATE.test(date)) map.set(date, named(value));
  return map;
}

/** Builds the lookup from the package's JSON shape ({holidays, workdays}); also what tests feed directly. */
export function holidayDataFrom(raw: { holidays: RawDays; workdays: RawDays }, source: string): HolidayData {
  const holidays = toMap(raw.holidays);
  const workdays = toMap(raw.workdays);
  const years = [...holidays.keys()].map((d) => Number(d.slice(0, 4)));
  return { holidays, workdays, firstYear: Math.min(...years), lastYear: Math.max(...years), source };
}

/** The package's data as installed. */
export function loadChinaHolidays(): HolidayData {
  const require = createRequire(import.meta.url);
  const raw = require('chinese-days/dist/chinese-days.json') as { holidays: RawDays; workdays: RawDays };
  const { version } = require('chinese-days/package.json') as { version: string };
  return holidayDataFrom(raw, `chinese-days ${version}`);
}
