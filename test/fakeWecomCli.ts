// `npm run fake-wecom`: the fake WeCom API for local demos. Start the appliance with
// WECOM_API_ORIGIN=http://127.0.0.1:<port> and paste the printed URL; the key is a fake one.
import { randomUUID } from 'node:crypto';
import { startFakeWecom, type ReceivedMessage } from './fakeWecom.ts';

function contentOf({ body, msgtype }: ReceivedMessage): string {
  const payload = body[msgtype] as Record<string, unknown> | undefined;
  switch (msgtype) {
    case 'text':
    case 'markdown':
    case 'markdown_v2':
      return String(payload?.content ?? '');
    case 'news':
      return (payload?.articles as Array<{ title: string }>).map((a) => a.title).join(' | ');
    case 'template_card':
      return JSON.stringify(payload);
    case 'image':
      return `${Buffer.from(String(payload?.base64), 'base64').length} bytes`;
    default:
      return `media_id ${String(payload?.media_id)}`;
  }
}

const port = Number(process.env.FAKE_WECOM_PORT ?? 9090);
const keys = (process.env.FAKE_WECOM_KEYS ?? '')
  .split(',')
  .map((k) => k.trim())
  .filter((k) => k !== '');
if (keys.length === 0) keys.push(randomUUID());

const fake = await startFakeWecom({
  keys,
  port,
  onMessage(message) {
    console.log(`\n[${new Date(message.at).toISOString()}] ${message.msgtype} for key …${message.key.slice(-4)}`);
    console.log(contentOf(message));
  },
});

console.log(`Fake WeCom listening on ${fake.origin}`);
console.log(`Start the appliance with WECOM_API_ORIGIN=${fake.origin}, then paste this webhook URL:`);
for (const key of keys) console.log(`  https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${key}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void fake.close().then(() => process.exit(0));
  });
}
