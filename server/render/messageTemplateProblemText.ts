// What is wrong with a message template, in the reader's language: the editor's refusals, and why
// the send log says a stored template could not be used (its problem is stored as code and parameters).
import type { Translate } from '../strings/translate.ts';
import type { MessageTemplateProblem } from './messageTemplate.ts';

export function problemText(t: Translate, p: MessageTemplateProblem): string {
  switch (p.code) {
    case 'empty':
      return t('templates.error.empty');
    case 'tooLong':
      return t('templates.error.tooLong', { length: p.length, max: p.max });
    case 'unclosed':
      return t('templates.error.unclosed', { snippet: p.snippet });
    case 'unknown':
      return t('templates.error.unknown', { placeholder: p.placeholder });
  }
}
