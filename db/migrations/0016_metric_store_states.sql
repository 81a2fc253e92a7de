CREATE TABLE `metric_store_states` (
	`metric` text NOT NULL,
	`store` text NOT NULL,
	`states` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`metric`, `store`)
);
--> statement-breakpoint
-- Every state so far, folded into one row per metric and store (a rule's key is its id as text);
-- a state that is no JSON stays where it is, read from there as before.
INSERT INTO `metric_store_states` (`metric`, `store`, `states`, `updated_at`)
SELECT r.`metric`, s.`store`, json_group_object(CAST(s.`rule_id` AS TEXT), json(s.`state`)), max(s.`updated_at`)
FROM `metric_rule_states` s JOIN `metric_rules` r ON r.`id` = s.`rule_id`
WHERE json_valid(s.`state`)
GROUP BY r.`metric`, s.`store`;
