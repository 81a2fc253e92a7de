// What each WeCom answer means for the appliance, and what to tell the admin about it.
// Branch on errcode, never on errmsg (WeCom's errmsg wording changes and may echo hints).

export type FailureClass = 'transient' | 'rate_limited' | 'too_long' | 'invalid_channel' | 'permanent';
export type Classification = 'ok' | FailureClass;
export type Explanation = { readonly en: string; readonly zh: string };
export type ErrcodeInfo = { readonly classification: Classification; readonly explanation: Explanation };
export type FailureInfo = { readonly classification: FailureClass; readonly explanation: Explanation };

/** Failures that happen before WeCom gives an errcode. */
export type TransportFailure = 'network' | 'timeout' | 'http_status' | 'malformed_response' | 'cut_off';

const ERRCODES: ReadonlyMap<number, ErrcodeInfo> = new Map<number, ErrcodeInfo>([
  [0, { classification: 'ok', explanation: { en: 'Sent', zh: '已发送' } }],
  [
    -1,
    {
      classification: 'transient',
      explanation: {
        en: 'WeCom is busy right now: the message will be sent again shortly',
        zh: '企业微信系统繁忙：消息稍后会重新发送',
      },
    },
  ],
  [
    40008,
    {
      classification: 'permanent',
      explanation: {
        en: 'WeCom rejected the message type: this is a bug in the appliance, please report it',
        zh: '企业微信不接受该消息类型：这是本程序的缺陷，请反馈给我们',
      },
    },
  ],
  [
    40058,
    {
      classification: 'too_long',
      explanation: {
        en: 'WeCom rejected a message field, usually content longer than it allows: the message is split into smaller parts and sent again',
        zh: '企业微信拒绝了消息中的某个字段，通常是内容超出长度限制：消息会被拆分成更小的部分重新发送',
      },
    },
  ],
  [
    44004,
    {
      classification: 'permanent',
      explanation: {
        en: 'The message was empty, so WeCom did not send it: check the event or template that produced it',
        zh: '消息内容为空，企业微信未发送：请检查产生该消息的事件或模板',
      },
    },
  ],
  [
    45002,
    {
      classification: 'too_long',
      explanation: {
        en: 'The message is larger than WeCom allows: it is split into smaller parts and sent again',
        zh: '消息超出企业微信的大小限制：会被拆分成更小的部分重新发送',
      },
    },
  ],
  [
    45009,
    {
      classification: 'rate_limited',
      explanation: {
        en: "WeCom is limiting this bot's sending rate: try again in a minute",
        zh: '企业微信正在限制该机器人的发送频率：请一分钟后再试',
      },
    },
  ],
  [
    93000,
    {
      classification: 'invalid_channel',
      explanation: {
        en: 'This bot no longer exists or the URL is wrong: re-create the bot and paste the new URL',
        zh: '机器人已不存在或地址有误：请重新创建机器人并粘贴新的地址',
      },
    },
  ],
  [
    93004,
    {
      classification: 'invalid_channel',
      explanation: {
        en: "This bot has been disabled in WeCom: enable it again in the group's bot settings, or create a new bot and paste its URL",
        zh: '该机器人已在企业微信中被停用：请在群机器人设置中重新启用，或创建新的机器人并粘贴其地址',
      },
    },
  ],
  [
    93008,
    {
      classification: 'invalid_channel',
      explanation: {
        en: 'This bot is no longer in the group: add it back to the group, or create a new bot and paste its URL',
        zh: '该机器人已不在群里：请把它重新加入群聊，或创建新的机器人并粘贴其地址',
      },
    },
  ],
]);

export function classifyErrcode(errcode: number): ErrcodeInfo {
  // An unknown code is not retried blindly: the message fails visibly and can be retried by hand.
  return (
    ERRCODES.get(errcode) ?? {
      classification: 'permanent',
      explanation: {
        en: `WeCom refused the message with error code ${errcode}: look the code up in WeCom's error code list, then retry it from the send log`,
        zh: `企业微信以错误码 ${errcode} 拒绝了该消息：请在企业微信错误码说明中查询该错误码，然后在发送记录中重试`,
      },
    }
  );
}

/** What to tell the admin about an errcode, e.g. for a send-log row or the invalid-bot banner. */
export function explainErrcode(errcode: number): Explanation {
  return classifyErrcode(errcode).explanation;
}

/** Network trouble, timeouts, non-2xx answers and unreadable answers are all worth retrying. */
export function classifyTransportFailure(reason: TransportFailure, httpStatus: number | null = null): FailureInfo {
  return { classification: 'transient', explanation: explainTransport(reason, httpStatus) };
}

function explainTransport(reason: TransportFailure, httpStatus: number | null): Explanation {
  switch (reason) {
    case 'network':
      return {
        en: "Could not reach WeCom: check this machine's internet connection, DNS and proxy settings, then try again",
        zh: '无法连接企业微信：请检查本机的网络连接、DNS 和代理设置，然后重试',
      };
    case 'cut_off':
      return {
        en: `The connection broke while WeCom answered (HTTP ${httpStatus ?? 'none'}): WeCom may have taken the message, so the group may see it twice when it is tried again`,
        zh: `企业微信响应时连接中断（HTTP ${httpStatus ?? '无'}）：企业微信可能已收到该消息，重试时群里可能会看到两次`,
      };
    case 'timeout':
      return {
        en: 'WeCom did not answer in time: the network may be slow or WeCom busy; try again shortly',
        zh: '企业微信未在规定时间内响应：可能是网络较慢或企业微信繁忙，请稍后重试',
      };
    case 'http_status':
      return httpStatus !== null && httpStatus >= 500
        ? {
            en: `WeCom had a server problem (HTTP ${httpStatus}): try again shortly`,
            zh: `企业微信服务器出现问题（HTTP ${httpStatus}）：请稍后重试`,
          }
        : {
            en: `WeCom answered with an unexpected HTTP status (${httpStatus ?? 'none'}): a proxy or firewall between this machine and WeCom may be interfering`,
            zh: `企业微信返回了意外的 HTTP 状态（${httpStatus ?? '无'}）：本机与企业微信之间的代理或防火墙可能在干扰`,
          };
    case 'malformed_response':
      return {
        en: "WeCom's answer could not be read: a proxy or firewall between this machine and WeCom may be interfering; try again shortly",
        zh: '无法解析企业微信的响应：本机与企业微信之间的代理或防火墙可能在干扰，请稍后重试',
      };
  }
}
