CREATE TABLE `report_jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`cron` text NOT NULL,
	`timezone` text NOT NULL,
	`type` text NOT NULL,
	`template` text,
	`enabled` integer DEFAULT false NOT NULL,
	`auto_enable` integer DEFAULT false NOT NULL,
	`schedule_from` integer NOT NULL,
	`last_fire_at` integer,
	`last_run_id` integer,
	`last_run_at` integer,
	`last_run_status` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `report_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`job_id` integer NOT NULL,
	`trigger` text NOT NULL,
	`scheduled_for` integer,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`status` text NOT NULL,
	`delivery_ids` text,
	`error` text,
	FOREIGN KEY (`job_id`) REFERENCES `report_jobs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `report_runs_job_idx` ON `report_runs` (`job_id`,`id`);--> statement-breakpoint
CREATE INDEX `report_runs_started_idx` ON `report_runs` (`started_at`);