CREATE TABLE `metric_rule_states` (
	`rule_id` integer NOT NULL,
	`store` text NOT NULL,
	`status` text NOT NULL,
	`state` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`rule_id`, `store`),
	FOREIGN KEY (`rule_id`) REFERENCES `metric_rules`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `metric_rule_states_status_idx` ON `metric_rule_states` (`status`);--> statement-breakpoint
CREATE TABLE `metric_rule_transitions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`rule_id` integer NOT NULL,
	`rule_name` text NOT NULL,
	`store` text NOT NULL,
	`type` text NOT NULL,
	`at` integer NOT NULL,
	`value` real,
	`title` text NOT NULL,
	`event_id` integer
);
--> statement-breakpoint
CREATE INDEX `metric_rule_transitions_at_idx` ON `metric_rule_transitions` (`at`);--> statement-breakpoint
CREATE TABLE `metric_rules` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`metric` text NOT NULL,
	`store` text,
	`condition` text NOT NULL,
	`hold` text NOT NULL,
	`severity` text NOT NULL,
	`category` text NOT NULL,
	`mention` text NOT NULL,
	`title` text NOT NULL,
	`reminder_hours` integer DEFAULT 4 NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `events_metric_idx` ON `events` (json_extract("payload", '$.name'),coalesce("store", ''),coalesce("occurred_at", "received_at")) WHERE "kind" = 'metric';