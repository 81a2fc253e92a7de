ALTER TABLE `channel` ADD `invalid_errcode` integer;--> statement-breakpoint
-- Hand edit: a bot already invalid keeps the reason Troubleshooting gave for it (a 93xxx on record, else 93000).
UPDATE `channel` SET `invalid_errcode` = CASE WHEN `last_errcode` IN (93000, 93004, 93008) THEN `last_errcode` ELSE 93000 END WHERE `status` = 'invalid';
