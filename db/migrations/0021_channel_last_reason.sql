ALTER TABLE `channel` ADD `last_error_reason` text;--> statement-breakpoint
ALTER TABLE `channel` ADD `last_http_status` integer;