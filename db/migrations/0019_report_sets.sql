ALTER TABLE `deliveries` ADD `set_id` integer;--> statement-breakpoint
CREATE INDEX `deliveries_set_idx` ON `deliveries` (`set_id`) WHERE "deliveries"."set_id" IS NOT NULL;