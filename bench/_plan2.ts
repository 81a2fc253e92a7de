import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../db/client.ts';
const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'plan-')), 'x.db'));
const q = `SELECT d.id AS deliveryId, e.id AS eventId, e.category, e.title, e.severity, e.store, e.received_at AS at
       FROM deliveries d JOIN events e ON e.id = d.event_id
       WHERE d.status = 'queued' AND d.priority = ? AND d.kind = 'alert' AND (d.severity = 'critical') = ?
       ORDER BY d.priority, d.id LIMIT ?`;
console.log(db.$client.prepare('EXPLAIN QUERY PLAN ' + q).all(1, 0, 5).map((r: any) => r.detail).join(' | '));
