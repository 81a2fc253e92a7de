import * as v from 'valibot';
import type { Db } from '../../db/client.ts';
import { deleteMessageTemplate, listMessageTemplates, saveMessageTemplate, type MessageTemplateKey } from '../../db/queries/messageTemplates.ts';
import { getSetting, putSetting } from '../../db/queries/settings.ts';
import { templateSet, type MessageTemplateSet } from '../render/messageTemplateChoice.ts';
import { CATEGORIES, isMentionTarget, SEVERITIES, type Category } from '../events/schema.ts';
import { isTimeZone } from '../time/zone.ts';

const hhmm = v.pipe(v.string(), v.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time like 22:00'));
const timeZone = v.pipe(v.string(), v.check(isTimeZone, 'is not a known IANA time zone'));
const mentionTarget = v.pipe(v.string(), v.check(isMentionTarget, 'must be a WeCom user id or a mobile number'));

export const rulesSchema = v.object({
  categories: v.object(Object.fromEntries(CATEGORIES.map((c) => [c, v.boolean()])) as Record<Category, v.BooleanSchema<undefined>>),
  minSeverity: v.picklist(SEVERITIES),
  quietHours: v.object({ enabled: v.boolean(), start: hhmm, end: hhmm, timeZone }),
  /** Who is mentioned on critical events, on top of an event's own `mention`. */
  criticalMention: v.object({ mode: v.picklist(['none', 'all', 'list']), targets: v.pipe(v.array(mentionTarget), v.maxLength(20)) }),
  dedupeWindowMinutes: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1440)),
});
export type Rules = v.InferOutput<typeof rulesSchema>;

export const deliverySettingsSchema = v.object({
  language: v.picklist(['zh', 'en']),
  format: v.picklist(['markdown', 'markdown_v2', 'text']),
  /** Messages per rolling window; WeCom allows 20 per minute, the admin may choose fewer. */
  rateLimit: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(20)),
  digestWindowSeconds: v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(3600)),
  maxAgeHours: v.pipe(v.number(), v.minValue(0.01), v.maxValue(24 * 14)),
});
export type DeliverySettings = v.InferOutput<typeof deliverySettingsSchema>;

/** Appliance-wide settings from the Settings page. */
export const generalSettingsSchema = v.object({
  /** Times in the console and the default for new report jobs; starts as the TZ variable. */
  timeZone,
  /** Events, deliveries and report runs older than this are pruned by housekeeping. */
  retentionDays: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3650)),
});
export type GeneralSettings = v.InferOutput<typeof generalSettingsSchema>;

export const DEFAULT_RULES: Rules = {
  categories: Object.fromEntries(CATEGORIES.map((c) => [c, true])) as Record<Category, boolean>,
  minSeverity: 'info',
  quietHours: { enabled: false, start: '22:00', end: '08:00', timeZone: 'Asia/Shanghai' },
  criticalMention: { mode: 'none', targets: [] },
  dedupeWindowMinutes: 10,
};

export const DEFAULT_DELIVERY: DeliverySettings = {
  language: 'zh',
  format: 'markdown',
  rateLimit: 20,
  digestWindowSeconds: 60,
  maxAgeHours: 24,
};

/**
 * Settings read on every event, cached in memory and written through. A stored value that no longer
 * fits its schema (e.g. after an upgrade) falls back to the defaults instead of failing intake.
 */
export interface SettingsStore {
  rules(): Rules;
  delivery(): DeliverySettings;
  general(): GeneralSettings;
  setRules(rules: Rules): void;
  setDelivery(settings: DeliverySettings): void;
  setGeneral(settings: GeneralSettings): void;
  /** Custom message templates (their own table), read on every message like the rest. */
  templates(): MessageTemplateSet;
  saveTemplate(key: MessageTemplateKey, body: string): void;
  /** Back to the built-in; returns whether a custom template was there. */
  deleteTemplate(key: MessageTemplateKey): boolean;
  /** Reads everything again after a transaction wrote the rows directly (a configuration import). */
  reload(): void;
}

export function createSettingsStore(db: Db, clock: { now(): number }, defaults: { timeZone: string }): SettingsStore {
  const load = <S extends v.GenericSchema>(key: string, schema: S, fallback: v.InferOutput<S>): v.InferOutput<S> => {
    const parsed = v.safeParse(schema, getSetting<unknown>(db, key, fallback));
    return parsed.success ? parsed.output : fallback;
  };
  const loadRules = () => load('rules', rulesSchema, { ...DEFAULT_RULES, quietHours: { ...DEFAULT_RULES.quietHours, timeZone: defaults.timeZone } });
  const loadDelivery = () => load('delivery', deliverySettingsSchema, DEFAULT_DELIVERY);
  const loadGeneral = () => load('general', generalSettingsSchema, { timeZone: defaults.timeZone, retentionDays: 90 });
  let rules = loadRules();
  let delivery = loadDelivery();
  let general = loadGeneral();
  let templates = templateSet(listMessageTemplates(db));
  return {
    reload() {
      rules = loadRules();
      delivery = loadDelivery();
      general = loadGeneral();
      templates = templateSet(listMessageTemplates(db));
    },
    templates: () => templates,
    saveTemplate(key, body) {
      saveMessageTemplate(db, key, body, clock.now());
      templates = templateSet(listMessageTemplates(db));
    },
    deleteTemplate(key) {
      const deleted = deleteMessageTemplate(db, key);
      templates = templateSet(listMessageTemplates(db));
      return deleted;
    },
    rules: () => rules,
    delivery: () => delivery,
    general: () => general,
    setGeneral(next) {
      putSetting(db, 'general', next, clock.now());
      general = next;
    },
    setRules(next) {
      putSetting(db, 'rules', next, clock.now());
      rules = next;
    },
    setDelivery(next) {
      putSetting(db, 'delivery', next, clock.now());
      delivery = next;
    },
  };
}
