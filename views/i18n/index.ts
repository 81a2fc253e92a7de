import { en } from './en.ts';
import { zh } from './zh.ts';
import { wecomStrings } from './wecomStrings.ts';
import { consoleStrings } from './consoleStrings.ts';
import { dashboardStrings } from './dashboardStrings.ts';
import { settingsStrings } from './settingsStrings.ts';
import { reportStrings } from './reportStrings.ts';
import { opsStrings } from './opsStrings.ts';
import { previewStrings } from './previewStrings.ts';
import { securityStrings } from './securityStrings.ts';
import { hookStrings } from './hookStrings.ts';
import { ruleStrings } from './ruleStrings.ts';
import { inboundToolsStrings } from './inboundToolsStrings.ts';
import { metricRulesStrings } from './metricRulesStrings.ts';
import { templateStrings } from './templateStrings.ts';
import { configStrings } from './configStrings.ts';

export const LANGS = ['en', 'zh'] as const;
export type Lang = (typeof LANGS)[number];

/**
 * The dictionary files, one area each; a test checks that no key is defined in two of them.
 * A new area's file is added here and to the merge below.
 */
export const DICTIONARY_PARTS = { base: { en, zh }, wecomStrings, consoleStrings, dashboardStrings, settingsStrings, reportStrings, opsStrings, previewStrings, securityStrings, hookStrings, ruleStrings, inboundToolsStrings, metricRulesStrings, templateStrings, configStrings } as const;

/** One dictionary per language; every area shares the key space. */
export const dictionaries = {
  en: { ...en, ...wecomStrings.en, ...consoleStrings.en, ...dashboardStrings.en, ...settingsStrings.en, ...reportStrings.en, ...opsStrings.en, ...previewStrings.en, ...securityStrings.en, ...hookStrings.en, ...ruleStrings.en, ...inboundToolsStrings.en, ...metricRulesStrings.en, ...templateStrings.en, ...configStrings.en },
  zh: { ...zh, ...wecomStrings.zh, ...consoleStrings.zh, ...dashboardStrings.zh, ...settingsStrings.zh, ...reportStrings.zh, ...opsStrings.zh, ...previewStrings.zh, ...securityStrings.zh, ...hookStrings.zh, ...ruleStrings.zh, ...inboundToolsStrings.zh, ...metricRulesStrings.zh, ...templateStrings.zh, ...configStrings.zh },
} as const;

export type MessageKey = keyof typeof dictionaries.en;
export type Params = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: Params) => string;

export function isLang(value: unknown): value is Lang {
  return value === 'en' || value === 'zh';
}

/**
 * `{name}` is the parameter; `{name:one|other}` picks the singular when the parameter is 1
 * ("{count} {count:message is|messages are} waiting"), so English never says "1 messages".
 */
export function interpolate(template: string, params?: Params): string {
  if (!params) return template;
  return template
    .replace(/\{(\w+):([^|{}]*)\|([^{}]*)\}/g, (whole, name: string, one: string, other: string) => (Object.hasOwn(params, name) ? (Number(params[name]) === 1 ? one : other) : whole))
    .replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
}

export function translator(lang: Lang): Translate {
  const dict: Record<string, string> = dictionaries[lang];
  return (key, params) => interpolate(Object.hasOwn(dict, key) ? dict[key]! : key, params);
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
const lastFormatted = new Map<string, { second: number; text: string }>();

/**
 * "2026-11-30 09:00:05 (GMT+8)": one format across the console and messages, in both languages,
 * always with its zone so nobody has to guess which clock a time is on.
 */
export function formatDateTime(ms: number, _lang: Lang, timeZone: string): string {
  // formatToParts is the costly part, and a burst of events renders the same second many times.
  const second = Math.floor(ms / 1000);
  const last = lastFormatted.get(timeZone);
  if (last?.second === second) return last.text;
  let format = dateTimeFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'shortOffset',
    });
    dateTimeFormats.set(timeZone, format);
  }
  const p = Object.fromEntries(format.formatToParts(ms).map((part) => [part.type, part.value]));
  const text = `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} (${p.timeZoneName})`;
  lastFormatted.set(timeZone, { second, text });
  return text;
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
