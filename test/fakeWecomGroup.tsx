// The fake WeCom's "group": a page at its origin showing what the bots received as the group would
// (the console's own WeCom-look renderer: markdown rendered, images shown, mentions marked), newest
// at the bottom like a chat, reloading when something new arrives. A demo and debugging aid only.
import { raw } from 'hono/html';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WecomPreview } from '../views/components/wecomPreview.tsx';
import { pickLanguage, translator, type Lang } from '../server/strings/translate.ts';
import type { ReceivedMessage } from './fakeWecom.ts';

const CONSOLE_CSS = new URL('../views/static/app.css', import.meta.url);
/** Shown per page; older messages are counted, not drawn (a storm test can leave thousands). */
export const GROUP_PAGE_LIMIT = 200;
const POLL_MS = 2000;

const WORDS = {
  en: { title: 'Fake WeCom group', intro: 'What the appliance sent, as the group shows it. This page reloads by itself when a message arrives.', empty: 'Nothing received yet: connect the bot in the console (Channels → WeCom Bot), then send a test notification.', bot: 'bot …{key}', older: '{count} older messages are not shown.', switchTo: '简体中文' },
  zh: { title: '模拟企业微信群', intro: '应用发出的消息，按群里的样子显示。有新消息时本页自动刷新。', empty: '还没有收到消息：先在控制台连接机器人（消息渠道 → 企微机器人），再发送测试通知。', bot: '机器人 …{key}', older: '更早的 {count} 条消息未显示。', switchTo: 'English' },
} as const;

const POLL_SCRIPT = `(() => {
  const seen = document.body.dataset.count;
  window.scrollTo(0, document.body.scrollHeight);
  setInterval(async () => {
    try {
      const r = await fetch('/group/count', { cache: 'no-store' });
      if (String((await r.json()).count) !== seen) location.reload();
    } catch {}
  }, ${POLL_MS});
})();`;

function langOf(req: IncomingMessage, url: URL): Lang {
  const asked = url.searchParams.get('lang');
  return asked === 'en' || asked === 'zh' ? asked : pickLanguage(undefined, req.headers['accept-language']);
}

function GroupPage({ lang, messages }: { lang: Lang; messages: ReceivedMessage[] }) {
  const w = WORDS[lang];
  const t = translator(lang);
  const first = Math.max(0, messages.length - GROUP_PAGE_LIMIT);
  const time = new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  return (
    <html lang={lang === 'zh' ? 'zh-CN' : 'en'}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{w.title}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/group/app.css" />
        <noscript>
          <meta http-equiv="refresh" content="5" />
        </noscript>
      </head>
      <body data-count={String(messages.length)}>
        <main>
          <p class="actions">
            <a href={`/?lang=${lang === 'zh' ? 'en' : 'zh'}`}>{w.switchTo}</a>
          </p>
          <h1>{w.title}</h1>
          <p class="help">{w.intro}</p>
          {first > 0 ? <p class="help">{w.older.replace('{count}', String(first))}</p> : null}
          {messages.length === 0 ? <p id="group-empty">{w.empty}</p> : null}
          <ol class="group-messages">
            {messages.slice(first).map((m, i) => (
              <li id={`m-${first + i}`} data-msgtype={m.msgtype}>
                <p class="help">
                  {w.bot.replace('{key}', m.key.slice(-4))} · {time.format(m.at)} · {m.msgtype}
                </p>
                <WecomPreview t={t} payload={m.body} imageSrc={m.msgtype === 'image' ? `/group/messages/${first + i}/image` : undefined} />
              </li>
            ))}
          </ol>
        </main>
        <script>{raw(POLL_SCRIPT)}</script>
      </body>
    </html>
  );
}

/** Answers the group page's GET routes; false for any other request (the API handles it). */
export function serveGroupPage(req: IncomingMessage, res: ServerResponse, received: ReceivedMessage[]): boolean {
  if (req.method !== 'GET') return false;
  const url = new URL(req.url ?? '/', 'http://fake.invalid');
  const send = (status: number, type: string, body: string | Buffer) => {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    res.end(body);
  };
  if (url.pathname === '/' || url.pathname === '/group') {
    send(200, 'text/html; charset=utf-8', '<!DOCTYPE html>' + String(<GroupPage lang={langOf(req, url)} messages={received} />));
    return true;
  }
  if (url.pathname === '/group/count') {
    send(200, 'application/json', JSON.stringify({ count: received.length }));
    return true;
  }
  if (url.pathname === '/group/app.css') {
    send(200, 'text/css; charset=utf-8', readFileSync(CONSOLE_CSS, 'utf8') + '\n.group-messages { list-style: none; padding: 0; }\n');
    return true;
  }
  const image = /^\/group\/messages\/(\d+)\/image$/.exec(url.pathname);
  if (image) {
    const m = received[Number(image[1])];
    const base64 = m?.msgtype === 'image' ? (m.body.image as { base64?: unknown } | undefined)?.base64 : undefined;
    if (typeof base64 !== 'string') send(404, 'text/plain', 'no such image');
    else {
      const bytes = Buffer.from(base64, 'base64');
      send(200, bytes[0] === 0xff && bytes[1] === 0xd8 ? 'image/jpeg' : 'image/png', bytes);
    }
    return true;
  }
  return false;
}
