ALTER TABLE `deliveries` ADD `rate_limited_at` integer;--> statement-breakpoint
CREATE INDEX `deliveries_rate_limited_idx` ON `deliveries` (`rate_limited_at`) WHERE "deliveries"."rate_limited_at" IS NOT NULL;--> statement-breakpoint
-- Hand edit: a 45009 still on record (a message waiting for its retry, a failed test) keeps counting.
UPDATE `deliveries` SET `rate_limited_at` = `last_attempt_at` WHERE `errcode` = 45009;
