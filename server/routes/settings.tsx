import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import { setAdminPasswordHash } from '../../db/queries/admin.ts';
import { writeAudit, writeCoalescedAudit } from '../../db/queries/audit.ts';
import { deleteAllSessions } from '../../db/queries/sessions.ts';
import type { CardNotice } from '../../views/components/wecomCard.tsx';
import { SettingsPage, type FieldErrors, type GeneralForm } from '../../views/pages/settings.tsx';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { passwordMinLength } from '../security/passwordPolicy.ts';
import { checkAdminPassword } from '../security/adminPassword.ts';
import { LOGIN_WINDOW_MS } from '../security/loginThrottle.ts';
import { clearSessionCookie, createSession, setSessionCookie } from '../security/sessions.ts';
import { canonicalTimeZone, isTimeZone } from '../time/zone.ts';
import { sessionKey, type FlashStore } from './flash.ts';
import { clientIp, viewContext } from './viewContext.ts';
import { fieldErrors } from './formFields.ts';

const generalSchema = v.object({
  language: v.picklist(['zh', 'en'], 'settings.error.language'),
  timeZone: v.pipe(
    v.string(),
    v.trim(),
    v.nonEmpty('settings.error.timeZone'),
    v.check(isTimeZone, 'settings.error.timeZone'),
    // Stored as the other forms store it ("asia/shanghai" → "Asia/Shanghai"): zones are compared as text.
    v.transform((tz) => canonicalTimeZone(tz)!),
  ),
  retentionDays: v.pipe(v.string(), v.trim(), v.regex(/^\d{1,4}$/, 'settings.error.retention'), v.transform(Number), v.minValue(1, 'settings.error.retention'), v.maxValue(3650, 'settings.error.retention')),
});

const passwordSchema = v.pipe(
  v.object({
    current: v.pipe(v.string(), v.nonEmpty('login.error.empty')),
    password: v.pipe(v.string(), passwordMinLength('setup.error.short'), v.maxLength(256, 'setup.error.long')),
    confirm: v.string(),
  }),
  v.forward(v.partialCheck([['password'], ['confirm']], (i) => i.password === i.confirm, 'setup.error.mismatch'), ['confirm']),
);

function strings(body: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(body).map(([k, val]) => [k, typeof val === 'string' ? val : '']));
}

export function settingsRoutes(deps: AppDeps & { flash: FlashStore }) {
  const app = new Hono<AppEnv>();

  const currentForm = (): GeneralForm => ({
    language: deps.settings.delivery().language,
    timeZone: deps.settings.general().timeZone,
    retentionDays: String(deps.settings.general().retentionDays),
  });

  const render = (c: Context<AppEnv>, opts: { form?: GeneralForm; errors?: FieldErrors; passwordErrors?: FieldErrors; notices?: CardNotice[] } = {}, status: 200 | 401 | 422 | 429 = 200) =>
    c.html(
      <SettingsPage
        ctx={viewContext(c, deps)}
        form={opts.form ?? currentForm()}
        errors={opts.errors}
        passwordErrors={opts.passwordErrors}
        notices={opts.notices}
        envPassword={!!deps.config.adminPassword}
      />,
      status,
    );

  /** Post/redirect/get: the notice waits for the one page the redirect leads to. */
  const done = (c: Context<AppEnv>, notice: CardNotice) => {
    deps.flash.put<CardNotice[]>(sessionKey(c), 'settings', [notice]);
    return c.redirect('/settings', 303);
  };

  app.get('/settings', (c) => render(c, { notices: deps.flash.take<CardNotice[]>(sessionKey(c), 'settings') }));

  app.post('/settings', async (c) => {
    const body = strings(await c.req.parseBody());
    const form: GeneralForm = { language: body.language ?? '', timeZone: body.timeZone ?? '', retentionDays: body.retentionDays ?? '' };
    const parsed = v.safeParse(generalSchema, form);
    if (!parsed.success) return render(c, { form, errors: fieldErrors(parsed.issues) }, 422);
    const { language, timeZone, retentionDays } = parsed.output;
    const before = { language: deps.settings.delivery().language, ...deps.settings.general() };
    deps.settings.setDelivery({ ...deps.settings.delivery(), language });
    deps.settings.setGeneral({ timeZone, retentionDays });
    writeAudit(deps.db, deps.clock.now(), { actor: 'admin', action: 'settings.update', detail: { before, after: { language, timeZone, retentionDays } }, ip: clientIp(c) });
    return done(c, { kind: 'ok', text: c.var.t('settings.saved') });
  });

  app.post('/settings/password', async (c) => {
    const parsed = v.safeParse(passwordSchema, strings(await c.req.parseBody()));
    if (!parsed.success) return render(c, { passwordErrors: fieldErrors(parsed.issues) }, 422);
    // Wrong current passwords count as failed sign-ins: a borrowed session must not guess the password.
    const check = await checkAdminPassword(deps, clientIp(c), parsed.output.current);
    if (check.kind === 'throttled' || check.kind === 'busy') {
      // Counted as sign-in's are (one row per address and lock-out window): where a borrowed session guesses the password.
      writeCoalescedAudit(deps.db, deps.clock.now(), { actor: 'admin', action: `login.${check.kind}`, detail: { during: 'password_change' }, ip: clientIp(c) }, LOGIN_WINDOW_MS);
      c.header('retry-after', String(check.seconds));
      const text = check.kind === 'busy' ? c.var.t('login.error.busy') : c.var.t('login.error.throttled', { minutes: check.minutes });
      return render(c, { notices: [{ kind: 'bad', text }] }, 429);
    }
    if (check.kind === 'wrong') {
      writeAudit(deps.db, deps.clock.now(), { actor: 'admin', action: 'login.failure', detail: { during: 'password_change' }, ip: clientIp(c) });
      return render(c, { passwordErrors: { current: 'settings.error.currentWrong' } }, 401);
    }
    const hash = await deps.passwords.hash(parsed.output.password);
    // Everyone is signed out; this browser continues under a fresh session (new cookie, new CSRF
    // token), so a session token copied before the change is worth nothing after it.
    const fresh = deps.db.transaction(() => {
      setAdminPasswordHash(deps.db, hash, deps.clock.now());
      deleteAllSessions(deps.db);
      return createSession(deps.db, deps.clock);
    });
    setSessionCookie(c, fresh.token);
    c.set('session', fresh.session);
    writeAudit(deps.db, deps.clock.now(), { actor: 'admin', action: 'password.change', ip: clientIp(c) });
    return done(c, { kind: 'ok', text: c.var.t('settings.password.changed') });
  });

  app.post('/settings/sessions/revoke', (c) => {
    deleteAllSessions(deps.db);
    clearSessionCookie(c);
    writeAudit(deps.db, deps.clock.now(), { actor: 'admin', action: 'sessions.revoke', ip: clientIp(c) });
    return c.redirect('/login?signedOut=1', 303);
  });

  return app;
}
