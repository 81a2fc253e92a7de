CREATE TABLE `signature_replays` (
	`signature_hash` text PRIMARY KEY NOT NULL,
	`seen_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `signature_replays_seen_idx` ON `signature_replays` (`seen_at`);--> statement-breakpoint
ALTER TABLE `api_tokens` ADD `signing_secret` text;--> statement-breakpoint
CREATE INDEX `events_kind_status_idx` ON `events` (`kind`,`status`);