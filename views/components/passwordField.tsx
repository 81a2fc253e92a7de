import { describedBy, FieldError } from './formErrors.tsx';

/**
 * A password input with its label, optional help line and error under it; the input is named by
 * its id and described by the help and the error (the first-run setup and the Settings password form).
 */
export function PasswordField(p: { id: string; label: string; autocomplete: 'new-password' | 'current-password'; minLength?: number; help?: string; error?: string }) {
  return (
    <>
      <label for={p.id}>{p.label}</label>
      <input
        id={p.id}
        name={p.id}
        type="password"
        autocomplete={p.autocomplete}
        required
        minlength={p.minLength}
        aria-invalid={p.error ? 'true' : undefined}
        aria-describedby={describedBy(p.help !== undefined && `${p.id}-help`, p.error !== undefined && `${p.id}-error`)}
      />
      {p.help !== undefined ? (
        <p class="help" id={`${p.id}-help`}>
          {p.help}
        </p>
      ) : null}
      <FieldError id={`${p.id}-error`} message={p.error} alert />
    </>
  );
}
