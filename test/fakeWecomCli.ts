// `npm run fake-wecom`: the fake WeCom API for local demos. Start the appliance with
// WECOM_API_ORIGIN=http://127.0.0.1:<port> and paste the printed URL; the key is a fake one.
// The port and key(s) are kept in DATA_DIR/fake-wecom.json, so a restarted fake still knows the
// key the appliance is connected with (a new key would answer 93000 and pause sending).
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseWebhookUrl, webhookUrlForKey } from '../server/wecom/webhookUrl.ts';
import { startFakeWecom, type ReceivedMessage } from './fakeWecom.ts';

const DEFAULT_PORT = 9090;

type State = { port: number; keys: string[] };

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
      return `${Buffer.from(String(payload?.base64), 'base64').length} bytes: the picture is on the group page (open the fake's address in a browser)`;
    default:
      return `media_id ${String(payload?.media_id)}`;
  }
}

function fail(message: string): never {
  console.error(`fake-wecom: ${message}`);
  process.exit(1);
}

function readState(file: string): Partial<State> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {}; // first start
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
    const { port, keys } = parsed as Record<string, unknown>;
    return {
      port: Number.isInteger(port) ? (port as number) : undefined,
      keys: Array.isArray(keys) && keys.every((k) => typeof k === 'string') && keys.length > 0 ? (keys as string[]) : undefined,
    };
  } catch (error) {
    return fail(`${file} is not readable JSON (${(error as Error).message}); delete it to start with a new key`);
  }
}

function portFrom(value: string): number {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port <= 65535)) fail(`FAKE_WECOM_PORT must be a whole number from 0 to 65535 (got ${JSON.stringify(value)})`);
  return port;
}

/** Keys as the console would take them (bare key or URL); anything it would refuse is refused here too. */
function keysFrom(value: string): string[] {
  const keys = value.split(',').map((k) => k.trim()).filter((k) => k !== '');
  return keys.map((k) => {
    const parsed = parseWebhookUrl(k);
    return parsed.ok ? parsed.key : fail(`FAKE_WECOM_KEYS: ${JSON.stringify(k)} is not a WeCom key (8-4-4-4-12 hex, like ${randomUUID()})`);
  });
}

const stateFile = join(process.env.DATA_DIR || './data', 'fake-wecom.json');
const saved = readState(stateFile);
// The environment wins and is remembered; otherwise what the last start used; otherwise defaults.
const envPort = process.env.FAKE_WECOM_PORT;
const envKeys = process.env.FAKE_WECOM_KEYS;
const wantedPort = envPort ? portFrom(envPort) : (saved.port ?? DEFAULT_PORT);
const keysFromEnv = envKeys ? keysFrom(envKeys) : [];
const keys = keysFromEnv.length > 0 ? keysFromEnv : (saved.keys ?? [randomUUID()]);

const fake = await startFakeWecom({
  keys,
  port: wantedPort,
  onMessage(message) {
    console.log(`\n[${new Date(message.at).toISOString()}] ${message.msgtype} for key …${message.key.slice(-4)}`);
    console.log(contentOf(message));
  },
}).catch((error: NodeJS.ErrnoException) =>
  fail(
    error.code === 'EADDRINUSE'
      ? `port ${wantedPort} is in use (another fake WeCom running?); stop it or start with FAKE_WECOM_PORT=<another port>`
      : error.message,
  ),
);

const state: State = { port: Number(new URL(fake.origin).port), keys };
mkdirSync(dirname(stateFile), { recursive: true });
writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);

console.log(`Fake WeCom listening on ${fake.origin} (port and key kept in ${stateFile})`);
// Both languages: the console's own words, so operators find the buttons whichever language they use.
console.log('1. Start the appliance against it, in a second terminal:');
console.log('   在第二个终端中启动应用：');
console.log(`     WECOM_API_ORIGIN=${fake.origin} npm start`);
console.log('2. Console → Channels → WeCom Bot → Add, paste this Webhook URL, Connect WeCom Bot:');
console.log('   控制台 → 消息渠道 → 企微机器人 → 添加，粘贴此 Webhook URL，点击“连接机器人”：');
for (const key of keys) console.log(`     ${webhookUrlForKey(key)}`);
console.log('3. Open the group in a browser: every message as WeCom shows it (pictures included), updated by itself:');
console.log('   在浏览器中打开模拟群，按企业微信的样子显示每条消息（包括图片），自动刷新：');
console.log(`     ${fake.origin}/`);
console.log('Messages the appliance sends are also printed below. Ctrl+C stops; the next start keeps the same URL.');
console.log('应用发出的消息也会显示在下面。按 Ctrl+C 停止；下次启动仍使用同一个地址。');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void fake.close().then(() => process.exit(0));
  });
}
