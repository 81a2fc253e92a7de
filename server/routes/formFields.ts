import type * as v from 'valibot';
import type { MessageKey } from '../strings/translate.ts';

/** A form's fields as strings (a file field reads as empty): what the valibot form schemas take. */
export function formFields(body: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(body).map(([k, val]) => [k, typeof val === 'string' ? val : '']));
}

/** Each field's first refusal (its message key), from the issues' paths: what the form shows under the field. */
export function fieldErrors(issues: v.BaseIssue<unknown>[]): Partial<Record<string, MessageKey>> {
  const errors: Partial<Record<string, MessageKey>> = {};
  for (const issue of issues) {
    const name = issue.path?.[0]?.key;
    if (typeof name === 'string' && !errors[name]) errors[name] = issue.message as MessageKey;
  }
  return errors;
}
