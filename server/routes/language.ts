import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { isLang } from '../strings/translate.ts';
import type { AppEnv } from '../env.ts';
import { LANG_COOKIE } from '../security/webMiddleware.ts';
import { safeLocalPath } from './safeRedirect.ts';

/** The language switch: a preference cookie, then back to the page the user was on. */
export function languageRoutes() {
  const app = new Hono<AppEnv>();
  app.get('/lang/:lang', (c) => {
    const lang = c.req.param('lang');
    if (!isLang(lang)) return c.notFound();
    setCookie(c, LANG_COOKIE, lang, { path: '/', sameSite: 'Lax', httpOnly: true, maxAge: 365 * 24 * 3600 });
    return c.redirect(safeLocalPath(c.req.query('next')));
  });
  return app;
}
