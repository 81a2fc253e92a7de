import type { MessageKey, Translate } from '../strings/translate.ts';
import type { Problem } from './reasons.ts';

/** The sentence for one problem, in the console's or the notification's language. */
export function problemText(t: Translate, p: Pick<Problem, 'code' | 'detail'>): string {
  return t(`watch.problem.${p.code}` as MessageKey, p.detail);
}
