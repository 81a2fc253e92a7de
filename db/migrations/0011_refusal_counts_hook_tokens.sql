ALTER TABLE `api_tokens` ADD `hook_names` text;--> statement-breakpoint
ALTER TABLE `refused_requests` ADD `source` text;--> statement-breakpoint
ALTER TABLE `refused_requests` ADD `count` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `refused_requests` ADD `first_at` integer;