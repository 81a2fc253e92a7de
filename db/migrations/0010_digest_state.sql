ALTER TABLE `deliveries` ADD `digest_state` text;--> statement-breakpoint
CREATE INDEX `events_digest_idx` ON `events` (`digest_delivery_id`) WHERE "events"."digest_delivery_id" IS NOT NULL;