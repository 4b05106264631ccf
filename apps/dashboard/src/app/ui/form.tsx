'use client';

import { createContext, type ReactNode, startTransition, useActionState, useContext, useId } from 'react';
import type { FormState } from '../../server/form-state';

const FieldErrors = createContext<Record<string, string>>({});

/**
 * A form posted to a server action, which answers with the problems to show:
 * one per field beside it, or one for the whole form. With JavaScript the
 * form is submitted by hand, because React empties a form its action posted
 * and an owner must not retype everything after one mistake; without it, the
 * browser posts it.
 */
export function ActionForm(props: {
  action: (state: FormState, form: FormData) => Promise<FormState>;
  /** The submit button's label; or `choices`, several buttons that post their value as `decision`. */
  submit?: string;
  choices?: readonly { value: string; label: string; danger?: boolean }[];
  csrf?: string;
  danger?: boolean;
  children?: ReactNode;
}) {
  const [state, formAction, pending] = useActionState(props.action, undefined);
  const errors = state?.errors ?? {};
  return (
    <form
      action={formAction}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        // The pressed button's name and value go with the form, as when the browser posts it.
        const data = new FormData(event.currentTarget, (event.nativeEvent as SubmitEvent).submitter);
        startTransition(() => formAction(data));
      }}
    >
      {props.csrf ? <input type="hidden" name="csrf" value={props.csrf} /> : null}
      {errors._form ? (
        <p role="alert" className="error">
          {errors._form}
        </p>
      ) : null}
      {state?.notice ? (
        <p role="status" className="notice">
          {state.notice}
        </p>
      ) : null}
      {state?.secret ? (
        <div className="secret" role="status">
          <p>
            The secret key, shown only now: keep it on your servers, never in a page. It lets its holder do
            everything the owner can.
          </p>
          <pre>{state.secret}</pre>
        </div>
      ) : null}
      {state?.signingSecret ? (
        <div className="secret" role="status">
          <p>
            The signing secret, shown only now: give it to the receiver, which checks each delivery&rsquo;s
            signature with it.
          </p>
          <pre>{state.signingSecret}</pre>
        </div>
      ) : null}
      {state?.next ? (
        <p>
          <a href={state.next.href}>{state.next.label}</a>
        </p>
      ) : null}
      <FieldErrors.Provider value={errors}>{props.children}</FieldErrors.Provider>
      {props.choices ? (
        <p className="choices">
          {props.choices.map((choice) => (
            <button
              key={choice.value}
              type="submit"
              name="decision"
              value={choice.value}
              disabled={pending}
              className={choice.danger ? 'danger' : undefined}
            >
              {choice.label}
            </button>
          ))}
        </p>
      ) : (
        <button type="submit" disabled={pending} className={props.danger ? 'danger' : undefined}>
          {props.submit}
        </button>
      )}
    </form>
  );
}

/** A labelled input whose problem, when the action reports one, is read out with it. */
export function Field(props: {
  name: string;
  label: string;
  type?: string;
  defaultValue?: string;
  autoComplete?: string;
  hint?: string;
  /** For a file input: the kinds of file offered. */
  accept?: string;
}) {
  const { id, error, described } = useFieldIds(props.name, props.hint);
  return (
    <p className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        accept={props.accept}
        defaultValue={props.defaultValue}
        autoComplete={props.autoComplete}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
      />
      <FieldNotes id={id} hint={props.hint} error={error} />
    </p>
  );
}

/** Problems by field for forms that are not an `ActionForm` (an upload posted by hand): each control shows its own. */
export function FieldProblems(props: { errors: Record<string, string>; children: ReactNode }) {
  return <FieldErrors.Provider value={props.errors}>{props.children}</FieldErrors.Provider>;
}

/** A labelled text area, its problem read out with it. */
export function TextArea(props: {
  name: string;
  label: string;
  rows?: number;
  hint?: string;
  placeholder?: string;
}) {
  const { id, error, described } = useFieldIds(props.name, props.hint);
  return (
    <p className="field">
      <label htmlFor={id}>{props.label}</label>
      <textarea
        id={id}
        name={props.name}
        rows={props.rows ?? 3}
        placeholder={props.placeholder}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
      />
      <FieldNotes id={id} hint={props.hint} error={error} />
    </p>
  );
}

/** A labelled choice among a few options, its problem read out with it. */
export function Select(props: {
  name: string;
  label: string;
  options: readonly { value: string; label: string }[];
  defaultValue?: string;
  hint?: string;
}) {
  const { id, error, described } = useFieldIds(props.name, props.hint);
  return (
    <p className="field">
      <label htmlFor={id}>{props.label}</label>
      <select
        id={id}
        name={props.name}
        defaultValue={props.defaultValue}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
      >
        {props.options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      <FieldNotes id={id} hint={props.hint} error={error} />
    </p>
  );
}

/**
 * A setting that is on or off: a checkbox posting `on`, after a hidden `off`
 * so that an unticked box is posted too (the action reads the last value).
 */
export function Toggle(props: { name: string; label: string; defaultChecked: boolean; hint?: string }) {
  const { id, error, described } = useFieldIds(props.name, props.hint);
  return (
    <p className="field">
      <input type="hidden" name={props.name} value="off" />
      <label htmlFor={id} className="toggle">
        <input
          id={id}
          type="checkbox"
          name={props.name}
          value="on"
          defaultChecked={props.defaultChecked}
          aria-invalid={error ? true : undefined}
          aria-describedby={described || undefined}
        />{' '}
        {props.label}
      </label>
      <FieldNotes id={id} hint={props.hint} error={error} />
    </p>
  );
}

/** Boxes to tick, one per option, posting each ticked value under `name`; the group's problem read out with it. */
export function Checkboxes(props: {
  name: string;
  legend: string;
  options: readonly { value: string; label: string }[];
  defaultChecked?: readonly string[];
  hint?: string;
}) {
  const { id, error, described } = useFieldIds(props.name, props.hint);
  return (
    <fieldset className="field" aria-describedby={described || undefined}>
      <legend>{props.legend}</legend>
      {props.options.map((option) => (
        <label key={option.value} className="check">
          <input
            type="checkbox"
            name={props.name}
            value={option.value}
            defaultChecked={props.defaultChecked?.includes(option.value)}
          />{' '}
          {option.label}
        </label>
      ))}
      <FieldNotes id={id} hint={props.hint} error={error} />
    </fieldset>
  );
}

/** A checkbox posting `yes` when ticked (a confirmation, an option), its problem read out with it. */
export function Confirm(props: { name: string; label: string }) {
  const id = useId();
  const error = useContext(FieldErrors)[props.name];
  return (
    <p className="field">
      <label>
        <input
          type="checkbox"
          name={props.name}
          value="yes"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
        />{' '}
        {props.label}
      </label>
      <FieldError id={`${id}-error`} error={error} />
    </p>
  );
}

/** A field's id, the problem the action reported for it, and what its control's aria-describedby names. */
function useFieldIds(name: string, hint: string | undefined) {
  const id = useId();
  const error = useContext(FieldErrors)[name];
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return { id, error, described };
}

/** A field's hint and problem, under it, with the ids its control points to. */
function FieldNotes({
  id,
  hint,
  error,
}: {
  id: string;
  hint: string | undefined;
  error: string | undefined;
}) {
  return (
    <>
      {hint ? (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      ) : null}
      <FieldError id={`${id}-error`} error={error} />
    </>
  );
}

/** A field's problem, read out with the field that points to it. */
function FieldError({ id, error }: { id: string; error: string | undefined }) {
  return error ? (
    <span id={id} className="error">
      {error}
    </span>
  ) : null;
}
