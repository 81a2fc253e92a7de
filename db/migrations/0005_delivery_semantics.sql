DROP INDEX `events_dedupe_idx`;--> statement-breakpoint
CREATE INDEX `events_dedupe_original_idx` ON `events` (`dedupe_key`,`received_at`) WHERE "events"."duplicate_of" IS NULL AND "events"."status" IN ('queued', 'held', 'sent', 'digested');--> statement-breakpoint
ALTER TABLE `deliveries` ADD `mentions` text;--> statement-breakpoint
CREATE INDEX `deliveries_split_from_idx` ON `deliveries` (`split_from`) WHERE "deliveries"."split_from" IS NOT NULL;