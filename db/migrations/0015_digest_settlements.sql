CREATE TABLE `digest_settlements` (
	`digest_id` integer PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`at` integer NOT NULL,
	`after_id` integer NOT NULL
);
