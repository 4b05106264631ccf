import type { ThreadKitError } from '@threadkit/core';
import type { SettingsProblems } from '../sites/sites';

/** What a form's server action answers: problems by field (`_form`: the whole form), or a notice. */
export type FormState =
  | {
      errors?: Record<string, string>;
      notice?: string;
      /** A secret key, shown this once. */
      secret?: string;
      /** A webhook endpoint's signing secret, shown this once. */
      signingSecret?: string;
      /** Where to go next, offered as a link. */
      next?: { href: string; label: string };
    }
  | undefined;

/**
 * Runs a form's work and turns a refusal into problems to show. Anything
 * else, Next's redirects included, goes on up.
 */
export async function formResult(work: () => Promise<FormState | undefined>): Promise<FormState> {
  try {
    return await work();
  } catch (caught) {
    const error = refusal(caught);
    if (!error) throw caught;
    if (isSettingsProblems(error))
      return { errors: Object.fromEntries(error.problems.map((p) => [p.field, p.message])) };
    const message =
      error.retryAfter === undefined
        ? error.message
        : `${error.message} Try again in ${Math.ceil(error.retryAfter / 60)} minutes.`;
    return { errors: { [error.field ?? '_form']: message } };
  }
}

/**
 * A refusal of ours, recognised by its name: Next loads the app's modules once
 * per layer (pages, actions), so an error may come from another copy of its
 * class and `instanceof` cannot be trusted.
 */
const refusal = (error: unknown): ThreadKitError | null =>
  error instanceof Error && error.name === 'ThreadKitError' ? (error as ThreadKitError) : null;

const isSettingsProblems = (error: ThreadKitError): error is SettingsProblems =>
  Array.isArray((error as Partial<SettingsProblems>).problems);

/** A form field as text ('' when absent). */
export const text = (form: FormData, name: string): string => {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
};
