import { MIN_PASSWORD_LENGTH } from '../../server/security/passwordPolicy.ts';
import type { ViewContext } from '../context.ts';
import { BareLayout, Notice } from '../layout.tsx';
import { describedBy, FieldError } from '../components/formErrors.tsx';
import { PasswordField } from '../components/passwordField.tsx';
import type { MessageKey } from '../../server/strings/translate.ts';

/** Where the setup code is found; shown as code inside the help sentence. */
const SETUP_CODE_COMMAND = 'docker compose logs notifier | grep "setup code"';

/** `error`: why the form as a whole was refused (throttled); `errors`: each wrong field's reason, shown under it. */
export function SetupPage({ ctx, error, errors = {} }: { ctx: ViewContext; error?: string; errors?: Partial<Record<string, MessageKey>> }) {
  const [beforeCommand = '', afterCommand = ''] = ctx.t('setup.code.help').split('{command}');
  const message = (field: string) => {
    const key = errors[field];
    return key && ctx.t(key);
  };
  const invalid = (field: string) => (errors[field] ? 'true' : undefined);
  return (
    <BareLayout ctx={ctx} title={ctx.t('setup.title')}>
      <p>{ctx.t('setup.intro')}</p>
      {error ? <Notice kind="bad">{error}</Notice> : null}
      <form method="post" action="/setup">
        <label for="setupCode">{ctx.t('setup.code')}</label>
        <input
          id="setupCode"
          name="setupCode"
          type="text"
          autocomplete="off"
          spellcheck={false}
          required
          aria-invalid={invalid('setupCode')}
          aria-describedby={describedBy('setupCode-help', errors.setupCode && 'setupCode-error')}
        />
        <p class="help" id="setupCode-help">
          {beforeCommand}
          <code>{SETUP_CODE_COMMAND}</code>
          {afterCommand}
        </p>
        <FieldError id="setupCode-error" message={message('setupCode')} alert />
        <PasswordField id="password" label={ctx.t('setup.password')} autocomplete="new-password" minLength={MIN_PASSWORD_LENGTH} error={message('password')} />
        <PasswordField id="confirm" label={ctx.t('setup.confirm')} autocomplete="new-password" minLength={MIN_PASSWORD_LENGTH} error={message('confirm')} />
        <div class="actions">
          <button type="submit">{ctx.t('setup.submit')}</button>
        </div>
      </form>
    </BareLayout>
  );
}

export function LoginPage({ ctx, error, info, next }: { ctx: ViewContext; error?: string; info?: string; next?: string }) {
  return (
    <BareLayout ctx={ctx} title={ctx.t('login.title')}>
      {error ? <Notice kind="bad">{error}</Notice> : null}
      {info ? <Notice kind="info">{info}</Notice> : null}
      <form method="post" action="/login">
        {next ? <input type="hidden" name="next" value={next} /> : null}
        <label for="password">{ctx.t('login.password')}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required autofocus />
        <div class="actions">
          <button type="submit">{ctx.t('login.submit')}</button>
        </div>
      </form>
    </BareLayout>
  );
}
