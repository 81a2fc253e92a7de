import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { ViewContext } from './context.ts';
import type { MessageKey } from '../server/strings/translate.ts';

// htmx reads its config from this meta tag: no inline styles (CSP), no eval, and 4xx answers are
// swapped in so form errors render in place the same way they do without JavaScript. 502 is the
// console's "WeCom refused or could not be reached" answer (connect, test): its card says why.
const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  responseHandling: [
    { code: '204', swap: false },
    { code: '[234]..', swap: true },
    { code: '502', swap: true },
    { code: '...', swap: false, error: true },
  ],
});

const NAV: Array<{ href: string; key: MessageKey }> = [
  { href: '/', key: 'nav.dashboard' },
  { href: '/channels', key: 'nav.channels' },
  { href: '/notifications', key: 'nav.notifications' },
  { href: '/inbound', key: 'nav.inbound' },
  { href: '/hooks', key: 'nav.hooks' },
  { href: '/reports', key: 'nav.reports' },
  { href: '/metric-rules', key: 'nav.metricRules' },
  { href: '/heartbeats', key: 'nav.heartbeats' },
  { href: '/calendar', key: 'nav.calendar' },
  { href: '/send-log', key: 'nav.sendLog' },
  { href: '/troubleshooting', key: 'nav.troubleshooting' },
  { href: '/settings', key: 'nav.settings' },
  { href: '/backup', key: 'nav.backup' },
  { href: '/audit', key: 'nav.audit' },
];

function isCurrent(href: string, returnPath: string): boolean {
  const path = returnPath.split('?')[0]!;
  return href === '/' ? path === '/' : path === href || path.startsWith(href + '/');
}

export function LanguageSwitch({ ctx }: { ctx: ViewContext }) {
  const next = encodeURIComponent(ctx.path);
  return (
    <nav aria-label={ctx.t('lang.label')} class="lang">
      {ctx.lang === 'en' ? (
        <a href={`/lang/zh?next=${next}`} lang="zh-CN" hreflang="zh-CN">
          简体中文
        </a>
      ) : (
        <a href={`/lang/en?next=${next}`} lang="en" hreflang="en">
          English
        </a>
      )}
    </nav>
  );
}

export function Document({ ctx, title, children }: { ctx: ViewContext; title: string; children: Child }) {
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang={ctx.lang === 'zh' ? 'zh-CN' : 'en'}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="htmx-config" content={HTMX_CONFIG} />
          <title>{`${title} · ${ctx.t('app.name')}`}</title>
          <link rel="icon" href="data:," />
          <link rel="stylesheet" href="/static/app.css" />
          <script src="/static/htmx.min.js" defer></script>
        </head>
        <body>{children}</body>
      </html>
    </>
  );
}

/** The signed-in console: navigation, language switch, sign-out, and the invalid-bot banner. */
export function Layout({ ctx, title, children }: { ctx: ViewContext; title: string; children: Child }) {
  return (
    <Document ctx={ctx} title={title}>
      <header class="top">
        <span class="brand">{ctx.t('app.name')}</span>
        <nav class="main" aria-label={ctx.t('nav.main')}>
          <ul>
            {NAV.map((item) => (
              <li>
                <a href={item.href} aria-current={isCurrent(item.href, ctx.path) ? 'page' : undefined}>
                  {ctx.t(item.key)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="right">
          <LanguageSwitch ctx={ctx} />
          <form method="post" action="/logout">
            <input type="hidden" name="_csrf" value={ctx.csrf} />
            <button type="submit" class="link">
              {ctx.t('nav.signOut')}
            </button>
          </form>
        </div>
      </header>
      <ChannelBanner text={ctx.banner} />
      <main>
        <h1>{title}</h1>
        {children}
      </main>
      <VersionFooter ctx={ctx} />
    </Document>
  );
}

/**
 * The invalid-bot banner's slot, present even when empty so an htmx answer can replace it out of band
 * (`oob`) together with the card: both always come from the same channel state.
 */
export function ChannelBanner({ text, oob = false }: { text: string | undefined; oob?: boolean }) {
  return (
    <div id="channel-banner" hx-swap-oob={oob ? 'true' : undefined}>
      {text ? (
        <div class="banner" role="alert">
          {text}
        </div>
      ) : null}
    </div>
  );
}

/** Which build is running, on every signed-in page (a support question's first answer). */
function VersionFooter({ ctx }: { ctx: ViewContext }) {
  return ctx.build ? <footer class="version">{ctx.t('footer.version', { version: ctx.build.version, commit: ctx.build.commit })}</footer> : null;
}

/** Pages shown before sign-in (setup, login): no navigation. */
export function BareLayout({ ctx, title, children }: { ctx: ViewContext; title: string; children: Child }) {
  return (
    <Document ctx={ctx} title={title}>
      <main class="narrow">
        <div class="actions">
          <LanguageSwitch ctx={ctx} />
        </div>
        <h1>{title}</h1>
        {children}
      </main>
    </Document>
  );
}

export function Notice({ kind, children }: { kind: 'ok' | 'bad' | 'info'; children: Child }) {
  return (
    <div class={`notice ${kind}`} role={kind === 'bad' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}
