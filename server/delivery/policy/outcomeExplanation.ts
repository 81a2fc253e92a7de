// What a send-log row's errcode means for that message. Some codes' own explanations say what the
// appliance does next (split and send again, send again shortly); a message that is final (dead,
// or a one-off connect or test message that failed) had none of that, so it is told what happened.
import type { DeliveryStatus } from '../../../db/schema.ts';
import type { Lang, Translate } from '../../strings/translate.ts';
import { classifyErrcode } from '../../wecom/errcodes.ts';

export function explainDeliveryErrcode(errcode: number, status: DeliveryStatus, t: Translate, lang: Lang): string {
  const { classification, explanation } = classifyErrcode(errcode);
  const promisesResend = classification === 'transient' || classification === 'too_long';
  if (!promisesResend || (status !== 'dead' && status !== 'failed')) return explanation[lang];
  return t(`sendLog.notResent.${classification}.${status}`, { errcode });
}
