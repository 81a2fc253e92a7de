import { en } from './en.ts';
import { zh } from './zh.ts';
import { wecomStrings } from './wecomStrings.ts';
import { consoleStrings } from './consoleStrings.ts';
import { dashboardStrings } from './dashboardStrings.ts';
import { settingsStrings } from './settingsStrings.ts';
import { reportStrings } from './reportStrings.ts';
import { opsStrings } from './opsStrings.ts';
import { metricRulesStrings } from './metricRulesStrings.ts';

export const LANGS = ['en', 'zh'] as const;
export type Lang = (typeof LANGS)[number];

/**
 * The dictionary files, one area each; a test checks that no key is defined in two of them.
 * A new area's file is added here and to the merge below.
 */
export const DICTIONARY_PARTS = { base: { en, zh }, wecomStrings, consoleStrings, dashboardStrings, settingsStrings, reportStrings, opsStrings, metricRulesStrings } as const;

/** One dictionary per language; every area shares the key space. */
export const dictionaries = {
  en: { ...en, ...wecomStrings.en, ...consoleStrings.en, ...dashboardStrings.en, ...settingsStrings.en, ...reportStrings.en, ...opsStrings.en, ...metricRulesStrings.en },
  zh: { ...zh, ...wecomStrings.zh, ...consoleStrings.zh, ...dashboardStrings.zh, ...settingsStrings.zh, ...reportStrings.zh, ...opsStrings.zh, ...metricRulesStrings.zh },
} as const;

export type MessageKey = keyof typeof dictionaries.en;
export type Params = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: Params) => string;

export function isLang(value: unknown): value is Lang {
  return value === 'en' || value === 'zh';
}

export function interpolate(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function translator(lang: Lang): Translate {
  const dict: Record<string, string> = dictionaries[lang];
  return (key, params) => interpolate(dict[key] ?? key, params);
}

/** The switch's cookie wins; otherwise the first of Accept-Language's languages that we speak. */
export function pickLanguage(cookie: string | undefined, acceptLanguage: string | undefined): Lang {
  if (isLang(cookie)) return cookie;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', ...rest] = part.trim().split(';');
      const q = rest.find((r) => r.trim().startsWith('q='));
      return { tag: tag.toLowerCase(), q: q ? Number(q.trim().slice(2)) : 1 };
    })
    .filter((x) => x.tag && !Number.isNaN(x.q))
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag.startsWith('zh')) return 'zh';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}

// Building an Intl.DateTimeFormat costs ~0.1 ms; every rendered message needs one, so they are kept.
const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

export function formatDateTime(ms: number, lang: Lang, timeZone: string): string {
  const id = `${lang}|${timeZone}`;
  let format = dateTimeFormats.get(id);
  if (!format) {
    format = new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    });
    dateTimeFormats.set(id, format);
  }
  return format.format(ms);
}

// Made on first use, not at start: number formatting data is only needed once a page shows counts.
const numberFormats = new Map<Lang, Intl.NumberFormat>();

export function formatNumber(n: number, lang: Lang): string {
  let format = numberFormats.get(lang);
  if (!format) {
    format = new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en-US');
    numberFormats.set(lang, format);
  }
  return format.format(n);
}
