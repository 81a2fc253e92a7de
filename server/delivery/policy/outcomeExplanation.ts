// What a send-log row's outcome means for that message. Some errcodes' own explanations say what the
// appliance does next (split and send again, send again shortly); a message that is final (dead,
// or a one-off connect or test message that failed) had none of that, so it is told what happened.
import type { DeliveryStatus } from '../../../db/schema.ts';
import type { Lang, Translate } from '../../strings/translate.ts';
import { classifyErrcode, classifyTransportFailure, type Explanation } from '../../wecom/errcodes.ts';

export function explainDeliveryErrcode(errcode: number, status: DeliveryStatus, t: Translate, lang: Lang): string {
  const { classification, explanation } = classifyErrcode(errcode);
  const promisesResend = classification === 'transient' || classification === 'too_long';
  if (!promisesResend || (status !== 'dead' && status !== 'failed')) return explanation[lang];
  return t(`sendLog.notResent.${classification}.${status}`, { errcode });
}

/** What a failed connect or test message's answer means: it was tried once, so no resend is promised. */
export function explainOneOffFailure(failure: { errcode: number | null; explanation: Explanation }, t: Translate, lang: Lang): string {
  return failure.errcode !== null ? explainDeliveryErrcode(failure.errcode, 'failed', t, lang) : failure.explanation[lang];
}

/**
 * What a failure without an errcode means, when the row tells: WeCom's answer was not 2xx. The
 * client's reason is not stored, so a network error, a timeout and a cut-off answer cannot be told
 * apart afterwards and get none (the Result column names the failure).
 */
export function explainDeliveryHttpStatus(row: { failure: string | null; errcode: number | null; httpStatus: number | null }, lang: Lang): string | undefined {
  const answered = row.httpStatus !== null && (row.httpStatus < 200 || row.httpStatus > 299);
  if (row.failure !== 'transient' || row.errcode !== null || !answered) return undefined;
  return classifyTransportFailure('http_status', row.httpStatus).explanation[lang];
}
