import type { JSX } from 'preact';
import { useElementId } from '../ids.js';
import type { Flow } from './flow.js';
import { START } from './logic.js';

/** A labelled input, with a hint read out after its label. */
export function Field({ label, hint, ...input }: { label: string; hint?: string } & JSX.InputHTMLAttributes) {
  const hintId = useElementId();
  return (
    <div class="tk-field">
      <label>
        {label}
        <input {...input} aria-describedby={hint ? hintId : undefined} />
      </label>
      {hint && (
        <small id={hintId} class="tk-muted">
          {hint}
        </small>
      )}
    </div>
  );
}

export function NameField({ flow }: { flow: Flow }) {
  return <Field label={flow.w.name} name="name" autocomplete="name" maxLength={50} required />;
}

/**
 * Addresses and numbers read left to right in every language: in a right-to-left
 * field, the + of "+966 5…" would show at the far end.
 */
export function LoginField({ flow }: { flow: Flow }) {
  return (
    <Field
      label={flow.w.login}
      hint={flow.w.loginHint}
      name="login"
      dir="ltr"
      autocomplete="username"
      maxLength={254}
      spellcheck={false}
      required
    />
  );
}

export function CodeField({ flow }: { flow: Flow }) {
  return (
    <Field
      label={flow.w.code}
      name="code"
      inputMode="numeric"
      autocomplete="one-time-code"
      maxLength={7}
      required
    />
  );
}

export function NewPasswordField({ flow, name, label }: { flow: Flow; name: string; label: string }) {
  return (
    <Field
      label={label}
      hint={flow.w.passwordHint}
      name={name}
      type="password"
      autocomplete="new-password"
      maxLength={256}
      required
    />
  );
}

export function Submit({ flow, label }: { flow: Flow; label: string }) {
  return (
    <button type="submit" class="tk-primary" disabled={flow.busy}>
      {label}
    </button>
  );
}

/** Back to the first step. */
export function Back({ flow }: { flow: Flow }) {
  return (
    <button type="button" class="tk-link" onClick={() => flow.go(START)}>
      {flow.w.back}
    </button>
  );
}

/** "Send a new code", for the step that is waiting for one. */
export function Resend({ flow, again }: { flow: Flow; again: () => Promise<unknown> }) {
  return (
    <button
      type="button"
      class="tk-link"
      disabled={flow.busy}
      onClick={() =>
        void flow.run('send', async () => {
          await again();
          flow.setNotice(flow.w.resent);
        })
      }
    >
      {flow.w.resend}
    </button>
  );
}
