CREATE TABLE `heartbeat_checks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`name` text NOT NULL,
	`schedule_kind` text NOT NULL,
	`period_minutes` integer,
	`cron` text,
	`timezone` text NOT NULL,
	`grace_minutes` integer NOT NULL,
	`calendar` text DEFAULT 'every_day' NOT NULL,
	`category` text DEFAULT 'task' NOT NULL,
	`severity` text DEFAULT 'critical' NOT NULL,
	`reminder_hours` integer DEFAULT 4 NOT NULL,
	`paused` integer DEFAULT false NOT NULL,
	`status` text DEFAULT 'new' NOT NULL,
	`state` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `heartbeat_checks_key_unique` ON `heartbeat_checks` (`key`);--> statement-breakpoint
CREATE TABLE `heartbeat_pings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`check_id` integer NOT NULL,
	`at` integer NOT NULL,
	`kind` text NOT NULL,
	`source` text NOT NULL,
	`exit_code` integer,
	`message` text,
	`event_id` integer,
	FOREIGN KEY (`check_id`) REFERENCES `heartbeat_checks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `heartbeat_pings_check_idx` ON `heartbeat_pings` (`check_id`,`id`);--> statement-breakpoint
CREATE INDEX `heartbeat_pings_at_idx` ON `heartbeat_pings` (`at`);--> statement-breakpoint
CREATE TABLE `heartbeat_transitions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`check_id` integer NOT NULL,
	`check_name` text NOT NULL,
	`type` text NOT NULL,
	`reason` text,
	`at` integer NOT NULL,
	`event_id` integer,
	FOREIGN KEY (`check_id`) REFERENCES `heartbeat_checks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `heartbeat_transitions_check_idx` ON `heartbeat_transitions` (`check_id`,`id`);--> statement-breakpoint
CREATE INDEX `heartbeat_transitions_at_idx` ON `heartbeat_transitions` (`at`);--> statement-breakpoint
ALTER TABLE `report_jobs` ADD `calendar` text DEFAULT 'every_day' NOT NULL;