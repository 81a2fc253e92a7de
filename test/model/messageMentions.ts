// Who a message sent to WeCom pings, read the way WeCom reads it: `<@userid>` inside markdown, the
// text message's mentioned_list / mentioned_mobile_list ("@all" in either pings everyone).
// markdown_v2 cannot mention.

export function mentionsOf(payload: string): string[] {
  const body = JSON.parse(payload) as Record<string, unknown>;
  if (body.msgtype === 'markdown') {
    const content = String((body.markdown as { content?: unknown } | undefined)?.content ?? '');
    return [...content.matchAll(/<@([^>\s]+)>/g)].map((m) => m[1]!);
  }
  if (body.msgtype === 'text') {
    const text = (body.text ?? {}) as { mentioned_list?: unknown; mentioned_mobile_list?: unknown };
    const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
    return [...list(text.mentioned_list), ...list(text.mentioned_mobile_list)];
  }
  return [];
}
