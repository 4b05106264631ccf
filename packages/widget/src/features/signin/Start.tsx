import { EmailCodeForm } from './code.js';
import type { Flow } from './flow.js';
import { GuestForm } from './guest.js';
import { type FormMethod, furtherSteps, type Methods, splitMethods } from './logic.js';
import { PasswordForm } from './password.js';
import type { ProviderPopup } from './popup.js';

/** The form of a method that is shown on the first step. */
export function MethodForm({ flow, method }: { flow: Flow; method: FormMethod }) {
  if (method === 'password') return <PasswordForm flow={flow} />;
  if (method === 'email_code') return <EmailCodeForm flow={flow} />;
  return <GuestForm flow={flow} />;
}

/** The first step: the providers' buttons, the first form the site offers, and links to the others. */
export function Start({ flow, offered, popup }: { flow: Flow; offered: Methods; popup: ProviderPopup }) {
  const { w } = flow;
  const { forms, providers } = splitMethods(offered.methods);
  const first = forms[0];
  const further = furtherSteps(forms);
  const labels = { forgot: w.toForgot, register: w.toRegister, code: w.toCode, guest: w.toGuest };
  return (
    <>
      {providers.length > 0 && (
        <div class="tk-providers">
          {providers.map((provider) => {
            const label = offered.labels?.[provider] ?? provider;
            return (
              <button
                key={provider}
                type="button"
                disabled={popup.waiting !== null}
                onClick={() => popup.open(provider, label)}
              >
                {w.continueWith(label)}
              </button>
            );
          })}
        </div>
      )}
      {providers.length > 0 && first && (
        <p class="tk-or" aria-hidden="true">
          {w.or}
        </p>
      )}
      {first && <MethodForm key={first} flow={flow} method={first} />}
      {further.length > 0 && (
        <ul class="tk-more">
          {further.map((name) => (
            <li key={name}>
              <button type="button" class="tk-link" onClick={() => flow.go({ name })}>
                {labels[name]}
              </button>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
