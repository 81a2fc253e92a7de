import { insertEvent } from '../../server/delivery/store.ts';
import type { Db } from '../../db/client.ts';
import type { EventStatus } from '../../db/schema.ts';

export interface SeedEvent {
  kind: 'alert' | 'task_result' | 'metric' | 'report';
  category?: string;
  severity?: 'info' | 'warning' | 'critical';
  title?: string;
  store?: string | null;
  at: number;
  /** When it was measured/happened, if it differs from `at` (received). */
  occurredAt?: number;
  status?: EventStatus;
  duplicateOf?: number;
  status_?: never;
  taskStatus?: 'succeeded' | 'failed' | 'partial';
  taskName?: string;
  name?: string;
  value?: number;
  unit?: string;
}

/** Inserts an event row the way intake would have stored it. */
export function seedEvent(db: Db, e: SeedEvent): number {
  const category = e.category ?? (e.kind === 'task_result' ? 'task' : 'other');
  const severity = e.severity ?? 'info';
  const title = e.title ?? e.taskName ?? e.name ?? 'event';
  const payload: Record<string, unknown> = { kind: e.kind, category, severity, title, fields: {}, mention: 'none' };
  if (e.store) payload.store = e.store;
  if (e.kind === 'task_result') Object.assign(payload, { status: e.taskStatus ?? 'succeeded', task_name: e.taskName ?? title });
  if (e.kind === 'metric') Object.assign(payload, { name: e.name ?? title, value: e.value ?? 0, ...(e.unit ? { unit: e.unit } : {}) });
  return insertEvent(db, {
    receivedAt: e.at,
    source: 'api',
    tokenId: null,
    kind: e.kind,
    category,
    severity,
    title,
    store: e.store ?? null,
    occurredAt: e.occurredAt ?? null,
    payload: JSON.stringify(payload),
    status: e.status ?? (e.kind === 'metric' ? 'stored' : 'sent'),
    duplicateOf: e.duplicateOf ?? null,
    finishedAt: e.at,
  });
}
