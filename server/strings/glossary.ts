// One Chinese word per console concept, so the dashboard, reports and messages never call one thing
// by two names (once "suppressed" was 已抑制 on the dashboard and 已屏蔽 in reports). A test checks
// every Chinese string against it; `avoid` lists the other words translators reach for.

export interface GlossaryTerm {
  en: string;
  zh: string;
  avoid: string[];
}

export const GLOSSARY: readonly GlossaryTerm[] = [
  { en: 'suppressed', zh: '已抑制', avoid: ['屏蔽'] },
  { en: 'silenced', zh: '已静音', avoid: ['屏蔽'] },
  { en: 'digested', zh: '已合并发送', avoid: ['已汇总'] },
  { en: 'send log', zh: '发送记录', avoid: ['发送日志'] },
  { en: 'quiet hours', zh: '免打扰时段', avoid: ['静默时段', '勿扰时段'] },
  { en: 'token', zh: '令牌', avoid: ['口令'] },
  { en: 'revoked', zh: '已吊销', avoid: ['已撤销', '已撤回'] },
  { en: 'Channels', zh: '消息渠道', avoid: ['通知渠道'] },
  { en: 'WeCom Bot', zh: '企微机器人', avoid: ['企业微信机器人'] },
  // Reports, whether StoreClaw wrote them or a report job here built them, are 报表 (the navigation's word).
  { en: 'report', zh: '报表', avoid: ['报告'] },
  { en: 'this appliance', zh: '本设备', avoid: ['本应用'] },
];
