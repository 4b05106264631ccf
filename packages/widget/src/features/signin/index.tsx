import type { JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { isolate } from '../../i18n/bidi.js';
import { useFeatureStrings } from '../../i18n/feature.js';
import type { PanelProps } from '../context.js';
import { Dialog } from '../dialog/Dialog.js';
import { CodeSentForm } from './code.js';
import { Back } from './fields.js';
import { type Flow, useSignIn } from './flow.js';
import { loaders } from './i18n/index.js';
import type { Methods } from './logic.js';
import { useMethods } from './methods.js';
import { ForgotForm, RegisterForm, ResetForm, VerifyForm } from './password.js';
import { type ProviderPopup, useProviderPopup } from './popup.js';
import { MethodForm, Start } from './Start.js';
import styles from './signin.css?inline';

/**
 * Signing in, in a dialog, with every method the site offers: a provider in a
 * popup, an e-mail or phone with a password (and creating an account, confirming
 * it, resetting a forgotten password), a one-time code by e-mail, or a name as a guest.
 */
export function SignInDialog(props: PanelProps) {
  const { ctx } = props;
  const words = useFeatureStrings('signIn', loaders, ctx.lang, ctx.overrides);
  const flow = useSignIn(props, words);
  const popup = useProviderPopup(ctx, flow);
  const [methods, loadMethods] = useMethods(ctx, popup.fetchLinks);
  const body = useRef<HTMLDivElement>(null);

  // Each step starts at its first field (or the first way to sign in).
  useEffect(() => {
    body.current?.querySelector<HTMLElement>('input, button')?.focus();
  }, [flow?.step, methods, !!words]);

  if (!flow) return null;
  const { w, step } = flow;
  const status =
    methods === null ? w.loading : popup.waiting ? w.waiting(isolate(popup.waiting)) : flow.notice;
  return (
    <Dialog
      title={step.name === 'start' ? w.title : w.steps[step.name]}
      closeLabel={w.close}
      onClose={flow.close}
    >
      <style>{styles}</style>
      <div class="tk-signin" ref={body}>
        <p class="tk-muted" role="status">
          {status}
        </p>
        {methods === 'failed' ? (
          <p role="alert" class="tk-error">
            {w.errors.network}{' '}
            <button
              type="button"
              onClick={() => {
                flow.setError(null);
                loadMethods();
              }}
            >
              {ctx.t.retry}
            </button>
          </p>
        ) : (
          methods && <CurrentStep flow={flow} offered={methods} popup={popup} />
        )}
        <p class="tk-error" role="alert">
          {flow.error}
        </p>
      </div>
    </Dialog>
  );
}

/** The step the reader is at. */
function CurrentStep({
  flow,
  offered,
  popup,
}: {
  flow: Flow;
  offered: Methods;
  popup: ProviderPopup;
}): JSX.Element {
  const { step } = flow;
  switch (step.name) {
    case 'start':
      return <Start flow={flow} offered={offered} popup={popup} />;
    case 'register':
      return <RegisterForm flow={flow} />;
    case 'verify':
      return <VerifyForm flow={flow} login={step.login} />;
    case 'forgot':
      return <ForgotForm flow={flow} />;
    case 'reset':
      return <ResetForm flow={flow} login={step.login} />;
    case 'code':
    case 'guest':
      return (
        <>
          <MethodForm flow={flow} method={step.name === 'code' ? 'email_code' : 'guest'} />
          <Back flow={flow} />
        </>
      );
    case 'codeSent':
      return <CodeSentForm flow={flow} email={step.email} />;
  }
}
