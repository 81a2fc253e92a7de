import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import { writeAudit, writeCoalescedAudit } from '../../db/queries/audit.ts';
import { getAdminPasswordHash, setAdminPasswordHash } from '../../db/queries/admin.ts';
import { deleteSession } from '../../db/queries/sessions.ts';
import { LoginPage, SetupPage } from '../../views/pages/auth.tsx';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { passwordMinLength } from '../security/passwordPolicy.ts';
import { checkAdminPassword } from '../security/adminPassword.ts';
import { LOGIN_WINDOW_MS } from '../security/loginThrottle.ts';
import { throttleKey } from '../security/clientAddress.ts';
import { clearSessionCookie, createSession, readSessionToken, setSessionCookie } from '../security/sessions.ts';
import { sha256 } from '../security/tokens.ts';
import { safeLocalPath } from './safeRedirect.ts';
import { fieldErrors, formFields } from './formFields.ts';
import { clientIp, viewContext } from './viewContext.ts';

const setupSchema = v.pipe(
  v.object({
    setupCode: v.pipe(v.string(), v.nonEmpty('setup.error.codeEmpty')),
    password: v.pipe(v.string(), passwordMinLength('setup.error.short'), v.maxLength(256, 'setup.error.long')),
    confirm: v.string(),
  }),
  v.forward(
    v.partialCheck([['password'], ['confirm']], (i) => i.password === i.confirm, 'setup.error.mismatch'),
    ['confirm'],
  ),
);

const loginSchema = v.object({
  password: v.pipe(v.string(), v.nonEmpty('login.error.empty'), v.maxLength(256, 'login.error.wrong')),
  next: v.optional(v.string()),
});

/**
 * A console form posted without a session (see requireAuth): 401 with the sign-in page saying why in
 * the reader's language, leading back to the form's page; before the first password, the setup page.
 */
export function signInFirst(c: Context<AppEnv>, deps: Pick<AppDeps, 'db' | 'settings'>) {
  const ctx = viewContext(c, deps);
  if (!getAdminPasswordHash(deps.db)) return c.html(<SetupPage ctx={ctx} />, 401);
  return c.html(<LoginPage ctx={ctx} info={ctx.t('login.sessionEnded')} next={ctx.path} />, 401);
}

export function authRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();

  app.get('/setup', (c) => {
    if (getAdminPasswordHash(deps.db)) return c.redirect('/login');
    return c.html(<SetupPage ctx={viewContext(c, deps)} />);
  });

  app.post('/setup', async (c) => {
    const ctx = viewContext(c, deps);
    if (getAdminPasswordHash(deps.db)) return c.html(<LoginPage ctx={ctx} error={ctx.t('setup.error.done')} />, 409);
    const parsed = v.safeParse(setupSchema, { setupCode: '', ...formFields(await c.req.parseBody()) });
    if (!parsed.success) {
      return c.html(<SetupPage ctx={ctx} errors={fieldErrors(parsed.issues)} />, 422);
    }
    // Throttled like sign-in (the same per-client count and slots): a guessing client stops writing
    // audit rows after five attempts, and the password hash below holds a slot like a check does.
    const ip = clientIp(c);
    const verdict = deps.loginThrottle.begin(throttleKey(ip));
    if (!verdict.allowed) {
      const ms = verdict.retryAfterMs;
      c.header('retry-after', String(Math.ceil(ms / 1000)));
      const error = verdict.reason === 'busy' ? ctx.t('login.error.busy') : ctx.t('login.error.throttled', { minutes: Math.max(1, Math.ceil(ms / 60_000)) });
      return c.html(<SetupPage ctx={ctx} error={error} />, 429);
    }
    if (!deps.setupCode?.matches(parsed.output.setupCode)) {
      verdict.attempt.failed();
      writeAudit(deps.db, deps.clock.now(), { actor: 'anonymous', action: 'setup.failure', ip });
      return c.html(<SetupPage ctx={ctx} errors={{ setupCode: 'setup.error.code' }} />, 403);
    }
    let hash: string;
    try {
      hash = await deps.passwords.hash(parsed.output.password);
      verdict.attempt.succeeded();
    } finally {
      verdict.attempt.failed(); // a no-op after succeeded(): only a thrown hash counts against the client
    }
    // Re-checked after the slow hash so two racing first-run forms cannot both set the password.
    if (getAdminPasswordHash(deps.db)) return c.html(<LoginPage ctx={ctx} error={ctx.t('setup.error.done')} />, 409);
    setAdminPasswordHash(deps.db, hash, deps.clock.now());
    writeAudit(deps.db, deps.clock.now(), { actor: 'admin', action: 'setup', ip });
    const { token } = createSession(deps.db, deps.clock);
    setSessionCookie(c, token);
    return c.redirect('/channels', 303);
  });

  app.get('/login', (c) => {
    if (!getAdminPasswordHash(deps.db)) return c.redirect('/setup');
    if (c.var.session) return c.redirect(safeLocalPath(c.req.query('next')));
    const ctx = viewContext(c, deps);
    const info = c.req.query('signedOut') ? ctx.t('login.signedOut') : c.req.query('restored') ? ctx.t('backup.restore.done') : undefined;
    return c.html(<LoginPage ctx={ctx} info={info} next={safeLocalPath(c.req.query('next'), '')} />);
  });

  app.post('/login', async (c) => {
    const ctx = viewContext(c, deps);
    const stored = getAdminPasswordHash(deps.db);
    if (!stored) return c.redirect('/setup', 303);
    const ip = clientIp(c);
    const fields = formFields(await c.req.parseBody());
    const next = safeLocalPath(fields.next, '');
    const parsed = v.safeParse(loginSchema, fields);
    if (!parsed.success) {
      return c.html(<LoginPage ctx={ctx} next={next} error={ctx.t(parsed.issues[0].message as 'login.error.empty')} />, 422);
    }
    const check = await checkAdminPassword(deps, ip, parsed.output.password);
    if (check.kind === 'throttled' || check.kind === 'busy') {
      // Every refused attempt is counted, one row per address and lock-out window.
      writeCoalescedAudit(deps.db, deps.clock.now(), { actor: 'anonymous', action: `login.${check.kind}`, ip }, LOGIN_WINDOW_MS);
      c.header('retry-after', String(check.seconds));
      const error = check.kind === 'busy' ? ctx.t('login.error.busy') : ctx.t('login.error.throttled', { minutes: check.minutes });
      return c.html(<LoginPage ctx={ctx} next={next} error={error} />, 429);
    }
    if (check.kind === 'wrong') {
      writeAudit(deps.db, deps.clock.now(), { actor: 'anonymous', action: 'login.failure', ip });
      deps.log.warn('sign-in failed', { ip });
      return c.html(<LoginPage ctx={ctx} next={next} error={ctx.t('login.error.wrong')} />, 401);
    }
    // A fresh token on every sign-in: a session id planted before sign-in is never promoted.
    const previous = readSessionToken(c);
    if (previous) deleteSession(deps.db, sha256(previous));
    const { token } = createSession(deps.db, deps.clock);
    setSessionCookie(c, token);
    writeAudit(deps.db, deps.clock.now(), { actor: 'admin', action: 'login.success', ip });
    return c.redirect(next || '/', 303);
  });

  app.post('/logout', (c) => {
    const token = readSessionToken(c);
    if (token) deleteSession(deps.db, sha256(token));
    clearSessionCookie(c);
    writeAudit(deps.db, deps.clock.now(), { actor: 'admin', action: 'logout', ip: clientIp(c) });
    return c.redirect('/login?signedOut=1', 303);
  });

  return app;
}
