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
import { notificationRuleStrings } from './notificationRuleStrings.ts';
import { inboundToolsStrings } from './inboundToolsStrings.ts';
import { metricRulesStrings } from './metricRulesStrings.ts';
import { templateStrings } from './templateStrings.ts';
import { eventStrings } from './eventStrings.ts';
import { notificationStrings } from './notificationStrings.ts';
import { reportMessageStrings } from './reportMessageStrings.ts';
import { metricRuleMessageStrings } from './metricRuleMessageStrings.ts';
import { serviceStrings } from './serviceStrings.ts';
import { calendarStrings } from './calendarStrings.ts';
import { heartbeatPageStrings } from './heartbeatPageStrings.ts';
import { heartbeatMessageStrings } from './heartbeatMessageStrings.ts';
import { configStrings } from './configStrings.ts';

export const LANGS = ['en', 'zh'] as const;
export type Lang = (typeof LANGS)[number];

/**
 * The dictionary files, one area each: the console's pages and the messages the group receives
 * (notifications, reports, metric rules). A test checks that no key is defined in two of them
 * and that every key is used. A new area's file is added here.
 */
export const DICTIONARY_PARTS = { base: { en, zh }, wecomStrings, consoleStrings, dashboardStrings, settingsStrings, reportStrings, opsStrings, previewStrings, securityStrings, hookStrings, notificationRuleStrings, inboundToolsStrings, metricRulesStrings, templateStrings, eventStrings, notificationStrings, reportMessageStrings, metricRuleMessageStrings, serviceStrings, calendarStrings, heartbeatPageStrings, heartbeatMessageStrings, configStrings } as const;

/** Every part's words in one language, as one object type (each part's literal types kept). */
type Part = (typeof DICTIONARY_PARTS)[keyof typeof DICTIONARY_PARTS];
type Intersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/**
 * One language's dictionary, the parts merged in their order with Object.assign, not one literal of
 * spreads: on Node 22 (V8 12) spreading 23 parts into one literal of ~1,400 keys allocated 34 MB of
 * garbage at start (0.5 MB this way), which the process then held as RSS for seconds
 * (docs/performance.md).
 */
function dictionaryOf<L extends Lang>(lang: L): Intersection<Part[L]> {
  return Object.assign({}, ...Object.values(DICTIONARY_PARTS).map((part) => part[lang]));
}

/** One dictionary per language; every area shares the key space, so one translator serves the console and the messages. */
export const dictionaries = { en: dictionaryOf('en'), zh: dictionaryOf('zh') };

export type MessageKey = keyof typeof dictionaries.en;
export type Params = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: Params) => string;

/** Whether a key built from a stored value (a status, a kind, an audit action) is in the dictionary. */
export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(dictionaries.en, key);
}

/** The dictionary's words for a key built from a stored value, else `fallback` (the stored value as is). */
export function labelOr(t: Translate, key: string, fallback: string, params?: Params): string {
  return isMessageKey(key) ? t(key, params) : fallback;
}

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
