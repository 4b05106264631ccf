import { ThreadKitError } from '@threadkit/core';
import { SettingsProblems } from '../sites/sites';

/** What a form's server action answers: problems by field (`_form`: the whole form), or a notice. */
export type FormState =
  | {
      errors?: Record<string, string>;
      notice?: string;
      /** A secret key, shown this once. */
      secret?: string;
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
  } catch (error) {
    if (error instanceof SettingsProblems)
      return { errors: Object.fromEntries(error.problems.map((p) => [p.field, p.message])) };
    if (error instanceof ThreadKitError) {
      const message =
        error.retryAfter === undefined
          ? error.message
          : `${error.message} Try again in ${Math.ceil(error.retryAfter / 60)} minutes.`;
      return { errors: { [error.field ?? '_form']: message } };
    }
    throw error;
  }
}

/** A form field as text ('' when absent). */
export const text = (form: FormData, name: string): string => {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
};
