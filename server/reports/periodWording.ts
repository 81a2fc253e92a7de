import { labelOr, translator, type Lang } from '../strings/translate.ts';

/** "yesterday (2026-11-29, Asia/Shanghai)": one wording for the message, its preview and the run history. */
export function describePeriod(lang: Lang, period: { span: string; label: string }, timeZone: string): string {
  return labelOr(translator(lang), `report.span.${period.span}`, `${period.label} (${timeZone})`, { label: period.label, timeZone });
}
