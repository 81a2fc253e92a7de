// The configuration as it stands, read from the database into the document's shape (the export), with
// the row ids of the lists whose items have no unique name, so an import can find what it changes.
import { createHash } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import { listHookMappings } from '../../db/queries/hooks.ts';
import { listMessageTemplates } from '../../db/queries/messageTemplates.ts';
import { listMetricRules } from '../../db/queries/metricRules.ts';
import { listReportJobs } from '../../db/queries/reports.ts';
import { listActiveSilences } from '../../db/queries/silences.ts';
import { readHookDefinition } from '../hooks/storedHook.ts';
import { ruleFromRow } from '../metricRules/ruleRows.ts';
import { parseChartMetrics } from '../reports/chartData.ts';
import { isTemplateCategory, isTemplateKind } from '../render/messageTemplate.ts';
import type { SettingsStore } from '../settings/settingsStore.ts';
import { CONFIG_FORMAT, CONFIG_VERSION, hookDocOf, metricRuleDoc, type ConfigDocument, type MessageTemplateDoc, type ReportJobDoc, type SilenceDoc } from './document.ts';

export interface CurrentConfig {
  /** Every section present. */
  document: Required<Omit<ConfigDocument, 'exported_at'>> & { exported_at: string };
  /** Row ids, in the order of the document's lists. */
  ids: { metric_rules: number[]; report_jobs: number[]; silences: number[] };
  /**
   * Per report job, in the document's order: whether it is a seeded job still waiting to switch on by
   * itself when a bot is connected (it shows `enabled: false` until then).
   */
  autoEnable: boolean[];
}

export interface ConfigReadDeps {
  db: Db;
  settings: SettingsStore;
  clock: { now(): number };
}

export function readCurrentConfig(deps: ConfigReadDeps): CurrentConfig {
  const { db, settings } = deps;
  const now = deps.clock.now();
  const rules = settings.rules();
  const delivery = settings.delivery();
  const templates = listMessageTemplates(db).flatMap((row): MessageTemplateDoc[] => {
    const lang = row.lang === 'zh' || row.lang === 'en' ? row.lang : undefined;
    if (!isTemplateKind(row.kind) || !isTemplateCategory(row.category) || !lang) return [];
    return [{ kind: row.kind, category: row.category === '' ? null : row.category, lang, body: row.body }];
  });
  const hooks = listHookMappings(db).flatMap((row) => {
    const def = readHookDefinition(row.definition);
    return def ? [hookDocOf(row.name, def)] : [];
  });
  const ruleRows = listMetricRules(db);
  const jobRows = listReportJobs(db);
  const silenceRows = listActiveSilences(db, now).sort((a, b) => a.id - b.id);
  return {
    document: {
      format: CONFIG_FORMAT,
      version: CONFIG_VERSION,
      exported_at: new Date(now).toISOString(),
      notification_rules: {
        categories: { ...rules.categories },
        min_severity: rules.minSeverity,
        critical_mention: { mode: rules.criticalMention.mode, targets: [...rules.criticalMention.targets] },
        dedupe_window_minutes: rules.dedupeWindowMinutes,
        language: delivery.language,
        format: delivery.format,
        rate_limit: delivery.rateLimit,
        digest_window_seconds: delivery.digestWindowSeconds,
        max_age_hours: delivery.maxAgeHours,
      },
      quiet_hours: { enabled: rules.quietHours.enabled, start: rules.quietHours.start, end: rules.quietHours.end, time_zone: rules.quietHours.timeZone, non_workdays: rules.quietHours.nonWorkdays === true },
      message_templates: templates,
      hook_mappings: hooks,
      metric_rules: ruleRows.map((row) => metricRuleDoc(ruleFromRow(row))),
      report_jobs: jobRows.map(
        (row): ReportJobDoc => ({
          name: row.name,
          type: row.type,
          cron: row.cron,
          timezone: row.timezone,
          // Only custom reports read a template.
          template: row.type === 'custom' ? (row.template ?? '') : null,
          enabled: row.enabled,
          attach_chart: row.attachChart,
          chart_metrics: parseChartMetrics(row.chartMetrics),
          calendar: row.calendar,
        }),
      ),
      silences: silenceRows.map((row) => ({ category: row.category as SilenceDoc['category'], title: row.title, store: row.store, until: new Date(row.until).toISOString() })),
    },
    ids: { metric_rules: ruleRows.map((r) => r.id), report_jobs: jobRows.map((r) => r.id), silences: silenceRows.map((r) => r.id) },
    autoEnable: jobRows.map((r) => r.autoEnable),
  };
}

/**
 * Names one state of the configuration: equal documents have equal fingerprints. An import can be
 * told to apply only onto the state its dry run saw (If-Match), so nothing changed in between is lost.
 */
export function configFingerprint(document: ConfigDocument): string {
  const { exported_at: _, ...rest } = document;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 32);
}
