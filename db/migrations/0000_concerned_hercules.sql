CREATE TABLE `admin` (
	`id` integer PRIMARY KEY NOT NULL,
	`password_hash` text NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "admin_single_row" CHECK("admin"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`detail` text,
	`ip` text
);
--> statement-breakpoint
CREATE INDEX `audit_at_idx` ON `audit_log` (`at`);--> statement-breakpoint
CREATE TABLE `channel` (
	`id` integer PRIMARY KEY NOT NULL,
	`key_ciphertext` text NOT NULL,
	`key_last4` text NOT NULL,
	`status` text NOT NULL,
	`connected_at` integer NOT NULL,
	`invalid_since` integer,
	`last_success_at` integer,
	`last_error_at` integer,
	`last_errcode` integer,
	`last_failure` text,
	`updated_at` integer NOT NULL,
	CONSTRAINT "channel_single_row" CHECK("channel"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE `deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`created_at` integer NOT NULL,
	`kind` text NOT NULL,
	`category` text,
	`severity` text DEFAULT 'info' NOT NULL,
	`priority` integer DEFAULT 1 NOT NULL,
	`status` text NOT NULL,
	`title` text NOT NULL,
	`msgtype` text NOT NULL,
	`payload` text NOT NULL,
	`bytes` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_attempt_at` integer,
	`sent_at` integer,
	`errcode` integer,
	`errmsg` text,
	`failure` text,
	`http_status` integer,
	`latency_ms` integer,
	`event_id` integer
);
--> statement-breakpoint
CREATE INDEX `deliveries_queue_idx` ON `deliveries` (`status`,`priority`,`next_attempt_at`,`id`);--> statement-breakpoint
CREATE INDEX `deliveries_created_idx` ON `deliveries` (`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`csrf_token` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sessions_expires_idx` ON `sessions` (`expires_at`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL
);
