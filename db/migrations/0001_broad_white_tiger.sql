CREATE TABLE `api_tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`prefix` text NOT NULL,
	`require_signature` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_token_hash_unique` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`received_at` integer NOT NULL,
	`source` text NOT NULL,
	`token_id` integer,
	`kind` text NOT NULL,
	`category` text NOT NULL,
	`severity` text NOT NULL,
	`title` text NOT NULL,
	`store` text,
	`occurred_at` integer,
	`payload` text NOT NULL,
	`idempotency_key` text,
	`dedupe_key` text,
	`status` text NOT NULL,
	`reason` text,
	`duplicate_of` integer,
	`repeat_count` integer DEFAULT 1 NOT NULL,
	`digest_delivery_id` integer,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `events_idempotency_idx` ON `events` (`idempotency_key`,`received_at`);--> statement-breakpoint
CREATE INDEX `events_dedupe_idx` ON `events` (`dedupe_key`,`received_at`);--> statement-breakpoint
CREATE INDEX `events_status_idx` ON `events` (`status`,`id`);--> statement-breakpoint
CREATE INDEX `events_received_idx` ON `events` (`received_at`);--> statement-breakpoint
DROP INDEX `deliveries_queue_idx`;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `queued_at` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `split_from` integer;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `merged_into` integer;--> statement-breakpoint
CREATE INDEX `deliveries_attempt_idx` ON `deliveries` (`last_attempt_at`);--> statement-breakpoint
CREATE INDEX `deliveries_event_idx` ON `deliveries` (`event_id`);--> statement-breakpoint
CREATE INDEX `deliveries_queue_idx` ON `deliveries` (`status`,`priority`,`id`);