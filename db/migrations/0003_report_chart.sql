ALTER TABLE `report_jobs` ADD `attach_chart` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `report_jobs` ADD `chart_metrics` text DEFAULT '' NOT NULL;--> statement-breakpoint
-- Hand edit: the seeded daily and weekly jobs (created together, first, under their seeded names) attach a chart.
UPDATE `report_jobs` SET `attach_chart` = true WHERE `type` IN ('daily_summary', 'weekly_summary') AND `name` IN ('Daily summary', 'Weekly summary', '每日汇总', '每周汇总') AND `created_at` = (SELECT min(`created_at`) FROM `report_jobs`);
