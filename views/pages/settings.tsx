import { MIN_PASSWORD_LENGTH } from '../../server/security/passwordPolicy.ts';
import { ConfigCard } from '../components/configCard.tsx';
import type { CardNotice } from '../components/wecomCard.tsx';
import type { ViewContext } from '../context.ts';
import type { MessageKey } from '../../server/strings/translate.ts';
import { describedBy, FieldError } from '../components/formErrors.tsx';
import { PasswordField } from '../components/passwordField.tsx';
import { Layout, Notice } from '../layout.tsx';

export interface GeneralForm {
  language: string;
  timeZone: string;
  retentionDays: string;
}

export type FieldErrors = Partial<Record<string, MessageKey>>;

export function SettingsPage({
  ctx,
  form,
  errors = {},
  passwordErrors = {},
  notices = [],
  envPassword,
}: {
  ctx: ViewContext;
  form: GeneralForm;
  errors?: FieldErrors;
  passwordErrors?: FieldErrors;
  notices?: CardNotice[];
  envPassword: boolean;
}) {
  const described = (name: string, help: string) => (errors[name] ? `${help} ${name}-error` : help);
  return (
    <Layout ctx={ctx} title={ctx.t('settings.title')}>
      {notices.map((n) => (
        <Notice kind={n.kind}>{n.text}</Notice>
      ))}
      <section class="card">
        <h2>{ctx.t('settings.general')}</h2>
        <form method="post" action="/settings">
          <input type="hidden" name="_csrf" value={ctx.csrf} />
          <label for="language">{ctx.t('settings.language')}</label>
          <select id="language" name="language" aria-describedby={described('language', 'language-help')}>
            <option value="zh" selected={form.language === 'zh'}>
              {ctx.t('settings.language.zh')}
            </option>
            <option value="en" selected={form.language === 'en'}>
              {ctx.t('settings.language.en')}
            </option>
          </select>
          <p class="help" id="language-help">
            {ctx.t('settings.language.help')}
          </p>
          <FieldError id="language-error" message={errors.language && ctx.t(errors.language)} alert />
          <label for="timeZone">{ctx.t('settings.timeZone')}</label>
          <input id="timeZone" name="timeZone" type="text" value={form.timeZone} required aria-describedby={described('timeZone', 'timeZone-help')} />
          <p class="help" id="timeZone-help">
            {ctx.t('settings.timeZone.help')}
          </p>
          <FieldError id="timeZone-error" message={errors.timeZone && ctx.t(errors.timeZone)} alert />
          <label for="retentionDays">{ctx.t('settings.retention')}</label>
          <input
            id="retentionDays"
            name="retentionDays"
            type="number"
            min="1"
            max="3650"
            value={form.retentionDays}
            required
            aria-describedby={described('retentionDays', 'retentionDays-help')}
          />
          <p class="help" id="retentionDays-help">
            {ctx.t('settings.retention.help')}
          </p>
          <FieldError id="retentionDays-error" message={errors.retentionDays && ctx.t(errors.retentionDays)} alert />
          <div class="actions">
            <button type="submit">{ctx.t('settings.save')}</button>
            <a href="/notifications">{ctx.t('settings.pacing')}</a>
          </div>
        </form>
      </section>
      <section class="card">
        <h2>{ctx.t('settings.password')}</h2>
        <Notice kind="info">{ctx.t(envPassword ? 'settings.password.envNote' : 'settings.password.consoleNote')}</Notice>
        <form method="post" action="/settings/password">
          <input type="hidden" name="_csrf" value={ctx.csrf} />
          <PasswordField id="current" label={ctx.t('settings.password.current')} autocomplete="current-password" error={passwordErrors.current && ctx.t(passwordErrors.current)} />
          <PasswordField
            id="password"
            label={ctx.t('settings.password.new')}
            autocomplete="new-password"
            minLength={MIN_PASSWORD_LENGTH}
            help={ctx.t('settings.password.minLength')}
            error={passwordErrors.password && ctx.t(passwordErrors.password)}
          />
          <PasswordField id="confirm" label={ctx.t('settings.password.confirm')} autocomplete="new-password" error={passwordErrors.confirm && ctx.t(passwordErrors.confirm)} />
          <div class="actions">
            <button type="submit">{ctx.t('settings.password.submit')}</button>
          </div>
        </form>
      </section>
      <section class="card">
        <h2>{ctx.t('settings.sessions')}</h2>
        <p class="help">{ctx.t('settings.sessions.help')}</p>
        <form method="post" action="/settings/sessions/revoke">
          <input type="hidden" name="_csrf" value={ctx.csrf} />
          <button type="submit" class="danger">
            {ctx.t('settings.sessions.submit')}
          </button>
        </form>
      </section>
      <ConfigCard ctx={ctx} />
    </Layout>
  );
}
