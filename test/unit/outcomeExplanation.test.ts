import { describe, expect, it } from 'vitest';
import { explainDeliveryErrcode, explainDeliveryHttpStatus, explainOneOffFailure } from '../../server/delivery/policy/outcomeExplanation.ts';
import { translator } from '../../server/strings/translate.ts';

const explain = (errcode: number, status: Parameters<typeof explainDeliveryErrcode>[1], lang: 'en' | 'zh') => explainDeliveryErrcode(errcode, status, translator(lang), lang);

describe("a send-log row's errcode, explained by what happened to the message", () => {
  it('a message still on its way keeps the promise its errcode makes', () => {
    expect(explain(-1, 'queued', 'en')).toBe('WeCom is busy right now: the message will be sent again shortly');
    expect(explain(40058, 'merged', 'en')).toContain('split into smaller parts and sent again');
  });

  it('a dead message is not promised a resend: a 40058 not split again, a -1 that died of age (EN and ZH)', () => {
    for (const [errcode, status] of [[40058, 'dead'], [45002, 'dead'], [-1, 'dead'], [-1, 'failed'], [40058, 'failed']] as const) {
      const en = explain(errcode, status, 'en');
      const zh = explain(errcode, status, 'zh');
      expect(en).toContain(String(errcode));
      expect(zh).toContain(String(errcode));
      expect(en).not.toMatch(/sent again|split into smaller parts/);
      expect(zh).not.toMatch(/重新发送/);
    }
    expect(explain(-1, 'dead', 'en')).toContain('too old to send, so it was not sent');
    expect(explain(-1, 'dead', 'zh')).toContain('超过最长保留时间，因此未发送');
  });

  it('codes that promise nothing keep their own explanation when final', () => {
    expect(explain(40008, 'dead', 'en')).toBe('WeCom rejected the message type: this is a bug in the appliance, please report it');
    expect(explain(93000, 'dead', 'zh')).toBe('机器人已不存在或地址有误：请重新创建机器人并粘贴新的地址');
  });
});

describe('a failed connect or test message, explained to the admin who waits for it', () => {
  it('is not promised a resend: it was tried once (EN and ZH)', () => {
    const busy = { errcode: -1, explanation: { en: 'will be sent again shortly', zh: '稍后会重新发送' } };
    expect(explainOneOffFailure(busy, translator('en'), 'en')).toBe(explain(-1, 'failed', 'en'));
    expect(explainOneOffFailure(busy, translator('zh'), 'zh')).toContain('只发送一次');
    const reset = { errcode: null, explanation: { en: 'Could not reach WeCom', zh: '无法连接企业微信' } };
    expect(explainOneOffFailure(reset, translator('zh'), 'zh')).toBe('无法连接企业微信');
  });
});

describe('a send-log failure without an errcode, explained when the row tells what happened', () => {
  it('a non-2xx answer gets the WeCom client\'s own explanation (EN and ZH)', () => {
    expect(explainDeliveryHttpStatus({ failure: 'transient', errcode: null, httpStatus: 502 }, 'en')).toBe('WeCom had a server problem (HTTP 502): try again shortly');
    expect(explainDeliveryHttpStatus({ failure: 'transient', errcode: null, httpStatus: 502 }, 'zh')).toBe('企业微信服务器出现问题（HTTP 502）：请稍后重试');
    expect(explainDeliveryHttpStatus({ failure: 'transient', errcode: null, httpStatus: 407 }, 'en')).toContain('unexpected HTTP status (407)');
  });

  it('nothing when the stored row cannot tell (no answer, a 2xx answer) or the failure is not WeCom\'s', () => {
    expect(explainDeliveryHttpStatus({ failure: 'transient', errcode: null, httpStatus: null }, 'en')).toBeUndefined();
    expect(explainDeliveryHttpStatus({ failure: 'transient', errcode: null, httpStatus: 200 }, 'en')).toBeUndefined();
    expect(explainDeliveryHttpStatus({ failure: 'interrupted', errcode: null, httpStatus: null }, 'en')).toBeUndefined();
  });
});
