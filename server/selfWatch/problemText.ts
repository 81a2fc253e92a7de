import type { MessageKey, Translate } from '../strings/translate.ts';
import type { Problem } from './reasons.ts';

/** The sentence for one problem, in the console's or the notification's language; storage has one per cause. */
export function problemText(t: Translate, p: Pick<Problem, 'code' | 'detail'>): string {
  const key = p.code === 'storage' ? `watch.problem.storage.${p.detail.cause}` : `watch.problem.${p.code}`;
  return t(key as MessageKey, p.detail);
}
