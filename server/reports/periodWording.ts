import { dictionaries, translator, type Lang, type MessageKey } from '../strings/translate.ts';

/** "yesterday (2026-11-29, Asia/Shanghai)": one wording for the message, its preview and the run history. */
export function describePeriod(lang: Lang, period: { span: string; label: string }, timeZone: string): string {
  const key = `report.span.${period.span}`;
  return key in dictionaries.en ? translator(lang)(key as MessageKey, { label: period.label, timeZone }) : `${period.label} (${timeZone})`;
}
