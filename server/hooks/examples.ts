// Ready-made mappings for tools that can only send their own webhook JSON. Each is written against
// the payload its product documents, and tested against a fixture of that payload
// (test/fixtures/hooks/*.json).
import type { HookDefinition } from './mapping.ts';

export const HOOK_EXAMPLES = {
  /** Grafana alerting's webhook contact point (one message per notification group). */
  grafana: {
    title: '{{title}}',
    summary: '{{commonAnnotations.summary}}',
    severity: '{{status}}',
    severityMap: 'firing = critical\nresolved = info',
    defaultSeverity: 'warning',
    category: '{{commonLabels.category}}',
    defaultCategory: 'other',
    store: '{{commonLabels.store}}',
    url: '{{alerts[0].generatorURL}}',
    idempotencyKey: 'grafana:{{groupKey}}:{{status}}:{{alerts[0].startsAt}}',
    fields: 'Alert = {{commonLabels.alertname}}\nFirst value = {{alerts[0].valueString}}\nSilence = {{alerts[0].silenceURL}}',
    dropWhen: '',
  },
  /** GitHub's `workflow_run` event, as a repository webhook or relayed from a workflow step. */
  github_workflow_run: {
    title: '{{workflow_run.name}} #{{workflow_run.run_number}}: {{workflow_run.conclusion}}',
    summary: '{{workflow_run.display_title}}',
    severity: '{{workflow_run.conclusion}}',
    severityMap: 'failure = critical\ntimed_out = critical\nstartup_failure = critical\ncancelled = warning\naction_required = warning\nsuccess = info',
    defaultSeverity: 'info',
    category: '',
    defaultCategory: 'task',
    store: '{{repository.full_name}}',
    url: '{{workflow_run.html_url}}',
    idempotencyKey: 'github:{{workflow_run.id}}:{{workflow_run.run_attempt}}',
    fields: 'Branch = {{workflow_run.head_branch}}\nCommit = {{workflow_run.head_sha}}\nTrigger = {{workflow_run.event}}\nBy = {{workflow_run.actor.login}}',
    dropWhen: '# only finished runs\naction != completed',
  },
  /** Uptime Kuma's Webhook notification, body "Preset - application/json" ({heartbeat, monitor, msg}). */
  uptime_kuma: {
    title: '{{msg}}',
    summary: '{{heartbeat.msg}}',
    // heartbeat.status: 0 down, 1 up, 2 pending, 3 maintenance
    severity: '{{heartbeat.status}}',
    severityMap: '0 = critical\n1 = info\n2 = warning\n3 = info',
    defaultSeverity: 'info',
    category: '',
    defaultCategory: 'store',
    store: '{{monitor.name}}',
    url: '{{monitor.url}}',
    idempotencyKey: 'kuma:{{heartbeat.monitorID}}:{{heartbeat.time}}:{{heartbeat.status}}',
    fields: 'Monitor type = {{monitor.type}}\nPing (ms) = {{heartbeat.ping}}\nTime = {{heartbeat.localDateTime}}\nTime zone = {{heartbeat.timezone}}',
    dropWhen: '',
  },
  /** Zabbix webhook media type posting its parameters as JSON (the script is in docs/integrations.md). */
  zabbix: {
    title: '{{subject}}',
    summary: '{{message}}',
    // EVENT.VALUE is 1 for a problem and 0 for its recovery: a recovery is info whatever its severity.
    severity: '{{event_value}}:{{event_severity}}',
    severityMap: '1:Disaster = critical\n1:High = critical\n1:Average = warning\n1:Warning = warning\n1:Information = info\n1:Not classified = info',
    defaultSeverity: 'info',
    category: '',
    defaultCategory: 'other',
    store: '{{host_name}}',
    url: '{{event_url}}',
    idempotencyKey: 'zabbix:{{event_id}}:{{event_value}}:{{event_update_status}}',
    fields: 'Host = {{host_name}}\nSeverity = {{event_severity}}\nStatus = {{event_status}}\nTime = {{event_date}} {{event_time}}',
    dropWhen: '',
  },
} as const satisfies Record<string, HookDefinition>;

export type HookExampleName = keyof typeof HOOK_EXAMPLES;
