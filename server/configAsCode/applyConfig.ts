// Carries out a planned import in one SQLite transaction, audit entry included: all of it or nothing.
// The in-memory copies (settings, metric rules, report timers, the rate limit) are read again only
// after the commit, or after a rollback, so they never show a half-applied state.
import type { Clock } from '../clock.ts';
import type { Db } from '../../db/client.ts';
import { writeAudit } from '../../db/queries/audit.ts';
import { deleteHookMapping, saveHookMapping } from '../../db/queries/hooks.ts';
import { deleteMessageTemplate, saveMessageTemplate } from '../../db/queries/messageTemplates.ts';
import { deleteMetricRule, getMetricRule, insertMetricRule, updateMetricRule } from '../../db/queries/metricRules.ts';
import { deleteReportJob, insertReportJob, setReportJobEnabled, updateReportJob, type ReportJobInput } from '../../db/queries/reports.ts';
import { putSetting } from '../../db/queries/settings.ts';
import { deleteSilence, insertSilence, setSilenceUntil } from '../../db/queries/silences.ts';
import type { RateLimiter } from '../delivery/rateLimiter.ts';
import type { MetricRuleEngine } from '../metricRules/engine.ts';
import { ruleFromRow, rowFromRule } from '../metricRules/ruleRows.ts';
import type { ReportScheduler } from '../reports/scheduler.ts';
import type { DeliverySettings, Rules, SettingsStore } from '../settings/settingsStore.ts';
import { configFingerprint, type CurrentConfig } from './currentConfig.ts';
import { hookDefinitionOf, metricRuleOf, type ConfigDocument, type ReportJobDoc } from './document.ts';
import { changeCounts, type ConfigChange, type ConfigPlan } from './plan.ts';

export interface ConfigApplyDeps {
  db: Db;
  clock: Clock;
  settings: SettingsStore;
  limiter: RateLimiter;
  wakeWorker: () => void;
  metricRules?: MetricRuleEngine;
  reports?: ReportScheduler;
}

/** Who imported, for the audit log: the console's admin, or an API token (never the token itself). */
export type ConfigActor = { actor: 'admin'; ip: string | null } | { actor: 'api'; ip: string | null; token: { id: number; name: string; prefix: string } };

/** Most changes named one by one in the audit entry; the counts cover all of them. */
export const AUDITED_CHANGES = 50;

function reportJobInput(doc: ReportJobDoc): ReportJobInput {
  return {
    name: doc.name,
    type: doc.type,
    cron: doc.cron,
    timezone: doc.timezone,
    template: doc.type === 'custom' ? doc.template : null,
    enabled: doc.enabled,
    attachChart: doc.attach_chart,
    chartMetrics: doc.chart_metrics.join('\n'),
    calendar: doc.calendar,
  };
}

function settingsOf(current: CurrentConfig, doc: ConfigDocument): { rules: Rules; delivery: DeliverySettings } {
  const n = doc.notification_rules ?? current.document.notification_rules;
  const q = doc.quiet_hours ?? current.document.quiet_hours;
  return {
    rules: {
      categories: n.categories,
      minSeverity: n.min_severity,
      quietHours: { enabled: q.enabled, start: q.start, end: q.end, timeZone: q.time_zone, nonWorkdays: q.non_workdays },
      criticalMention: n.critical_mention,
      dedupeWindowMinutes: n.dedupe_window_minutes,
    },
    delivery: { language: n.language, format: n.format, rateLimit: n.rate_limit, digestWindowSeconds: n.digest_window_seconds, maxAgeHours: n.max_age_hours },
  };
}

function applyChange(deps: ConfigApplyDeps, current: CurrentConfig, doc: ConfigDocument, change: ConfigChange, now: number): void {
  const { db } = deps;
  const cur = current.document;
  switch (change.section) {
    case 'notification_rules':
    case 'quiet_hours': {
      const { rules, delivery } = settingsOf(current, doc);
      putSetting(db, 'rules', rules, now);
      putSetting(db, 'delivery', delivery, now);
      return;
    }
    case 'message_templates': {
      const t = change.action === 'delete' ? cur.message_templates[change.from!]! : doc.message_templates![change.to!]!;
      const key = { kind: t.kind, category: t.category ?? '', lang: t.lang };
      if (change.action === 'delete') deleteMessageTemplate(db, key);
      else saveMessageTemplate(db, key, t.body, now);
      return;
    }
    case 'hook_mappings': {
      if (change.action === 'delete') deleteHookMapping(db, cur.hook_mappings[change.from!]!.name);
      else {
        const h = doc.hook_mappings![change.to!]!;
        saveHookMapping(db, h.name, JSON.stringify(hookDefinitionOf(h)), now);
      }
      return;
    }
    case 'metric_rules': {
      const id = change.from === undefined ? undefined : current.ids.metric_rules[change.from]!;
      const before = id === undefined ? undefined : getMetricRule(db, id);
      if (change.action === 'delete') deleteMetricRule(db, id!);
      else if (change.action === 'update') updateMetricRule(db, id!, rowFromRule(metricRuleOf(doc.metric_rules![change.to!]!)), now);
      const savedId = change.action === 'create' ? insertMetricRule(db, rowFromRule(metricRuleOf(doc.metric_rules![change.to!]!)), now) : id!;
      const after = change.action === 'delete' ? undefined : getMetricRule(db, savedId);
      // States start over when a rule decides differently, as when it is saved in the console (nested: a savepoint).
      deps.metricRules?.ruleSaved(before && ruleFromRow(before), after && ruleFromRow(after));
      return;
    }
    case 'report_jobs': {
      const id = change.from === undefined ? undefined : current.ids.report_jobs[change.from]!;
      if (change.action === 'delete') deleteReportJob(db, id!);
      else if (change.action === 'update') updateReportJob(db, id!, reportJobInput(doc.report_jobs![change.to!]!), now);
      else insertReportJob(db, reportJobInput(doc.report_jobs![change.to!]!), now);
      return;
    }
    case 'silences': {
      const id = change.from === undefined ? undefined : current.ids.silences[change.from]!;
      if (change.action === 'delete') deleteSilence(db, id!);
      else {
        const s = doc.silences![change.to!]!;
        if (change.action === 'update') setSilenceUntil(db, id!, Date.parse(s.until));
        else insertSilence(db, { category: s.category, title: s.title, store: s.store, createdAt: now, until: Date.parse(s.until) });
      }
      return;
    }
  }
}

/**
 * Applies the changes the plan lists, and keeps off the seeded report jobs it keeps off, in one
 * transaction with its audit entry. Throws (nothing written) when any step fails; the caller answers
 * 503 for a database that cannot be written.
 */
export function applyConfig(deps: ConfigApplyDeps, current: CurrentConfig, doc: ConfigDocument, plan: Pick<ConfigPlan, 'changes' | 'keptOff'>, who: ConfigActor): void {
  const { changes, keptOff } = plan;
  const now = deps.clock.now();
  // Settings are one row each: write them once however many of their fields change.
  const settingsChange = changes.find((c) => c.section === 'notification_rules' || c.section === 'quiet_hours');
  const steps = [...(settingsChange ? [settingsChange] : []), ...changes.filter((c) => c.section !== 'notification_rules' && c.section !== 'quiet_hours')];
  try {
    deps.db.$client.transaction(() => {
      for (const change of steps) applyChange(deps, current, doc, change, now);
      // Switched off by the admin's document: no longer switched on when a bot is connected.
      for (const { from } of keptOff) setReportJobEnabled(deps.db, current.ids.report_jobs[from]!, false, now);
      writeAudit(deps.db, now, {
        actor: who.actor,
        action: 'config.import',
        detail: {
          ...(who.actor === 'api' ? { token: who.token } : {}),
          counts: changeCounts(changes),
          changes: changes.slice(0, AUDITED_CHANGES).map((c) => `${c.action} ${c.section} ${c.item}${c.fields ? ` (${c.fields.join(', ')})` : ''}`),
          ...(changes.length > AUDITED_CHANGES ? { more: changes.length - AUDITED_CHANGES } : {}),
          ...(keptOff.length ? { report_jobs_kept_off: keptOff.map((k) => k.item) } : {}),
          before: configFingerprint(current.document),
        },
        ip: who.ip,
      });
    })();
  } finally {
    // Committed or rolled back: every cache reads the database as it now is.
    deps.settings.reload();
    deps.metricRules?.reload();
  }
  deps.reports?.reschedule();
  deps.limiter.setLimit(deps.settings.delivery().rateLimit);
  deps.wakeWorker();
}
