DROP INDEX `events_metric_idx`;--> statement-breakpoint
CREATE INDEX `events_metric_idx` ON `events` (json_extract("payload", '$.name'),coalesce("store", ''),min(coalesce("occurred_at", "received_at"), "received_at")) WHERE "kind" = 'metric';
