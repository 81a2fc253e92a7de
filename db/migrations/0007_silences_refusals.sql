CREATE TABLE `refused_requests` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`reason` text NOT NULL,
	`token_prefix` text,
	`path` text NOT NULL,
	`ip` text
);
--> statement-breakpoint
CREATE TABLE `silences` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`category` text NOT NULL,
	`title` text NOT NULL,
	`store` text DEFAULT '' NOT NULL,
	`created_at` integer NOT NULL,
	`until` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `silences_until_idx` ON `silences` (`until`);--> statement-breakpoint
ALTER TABLE `report_runs` ADD `period` text;