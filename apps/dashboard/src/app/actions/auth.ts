'use server';

import { redirect } from 'next/navigation';
import { closeAccount as close } from '../../owners/close-account';
import { clearSessionCookie, clientInfo, ownerOfForm, setSessionCookie } from '../../server/auth';
import { type FormState, formResult, text } from '../../server/form-state';
import { services } from '../../server/services';

/** Where to go after signing in: a path of the dashboard only, never another site. */
const next = (form: FormData) => {
  const target = text(form, 'next');
  return target.startsWith('/') && !target.startsWith('//') ? target : '/sites';
};

export async function signUp(_state: FormState, form: FormData): Promise<FormState> {
  const result = await formResult(async () => {
    const { accounts, addressLimits } = await services();
    const client = await clientInfo();
    await addressLimits.attempt('sign_up', client.ip);
    const { token } = await accounts.signUp(
      { email: text(form, 'email'), password: text(form, 'password'), name: text(form, 'name') },
      client,
    );
    await setSessionCookie(token);
    return undefined;
  });
  if (result) return result;
  redirect('/sites');
}

export async function signIn(_state: FormState, form: FormData): Promise<FormState> {
  const result = await formResult(async () => {
    const { accounts, addressLimits } = await services();
    const client = await clientInfo();
    await addressLimits.attempt('sign_in', client.ip);
    const { token } = await accounts.signIn(
      { email: text(form, 'email'), password: text(form, 'password') },
      client,
    );
    await setSessionCookie(token);
    return undefined;
  });
  if (result) return result;
  redirect(next(form));
}

export async function signOut(form: FormData): Promise<void> {
  await ownerOfForm(form);
  const token = await clearSessionCookie();
  if (token) await (await services()).accounts.sessions.end(token);
  redirect('/signin');
}

/** Closes the account (its sites owned alone deleted with their data) and signs out. */
export async function closeAccount(_state: FormState, form: FormData): Promise<FormState> {
  const result = await formResult(async () => {
    const { owner } = await ownerOfForm(form);
    const { accounts, sites, removeSiteData } = await services();
    await close({ accounts, sites, removeData: removeSiteData }, owner, {
      password: text(form, 'password'),
      confirmation: text(form, 'confirmation'),
    });
    await clearSessionCookie();
    return undefined;
  });
  if (result) return result;
  redirect('/signin?closed=1');
}

export async function forgotPassword(_state: FormState, form: FormData): Promise<FormState> {
  return formResult(async () => {
    const { accounts, addressLimits } = await services();
    await addressLimits.attempt('reset_password', (await clientInfo()).ip);
    accounts.forgotPassword({ email: text(form, 'email') });
    return { notice: 'If an account has this address, a link to reset its password is on its way.' };
  });
}

export async function resetPassword(_state: FormState, form: FormData): Promise<FormState> {
  const result = await formResult(async () => {
    await (await services()).accounts.resetPassword({
      token: text(form, 'token'),
      password: text(form, 'password'),
    });
    return undefined;
  });
  // A link that no longer works is the form's problem: the token is no field the owner sees.
  if (result?.errors?.token) return { errors: { _form: result.errors.token } };
  if (result) return result;
  redirect('/signin?reset=1');
}

export async function resendVerification(_state: FormState, form: FormData): Promise<FormState> {
  return formResult(async () => {
    const { owner } = await ownerOfForm(form);
    await (await services()).accounts.sendVerification(owner);
    return { notice: `A new link is on its way to ${owner.email}.` };
  });
}

export async function rename(_state: FormState, form: FormData): Promise<FormState> {
  return formResult(async () => {
    const { owner } = await ownerOfForm(form);
    await (await services()).accounts.rename(owner, { name: text(form, 'name') });
    return { notice: 'Saved.' };
  });
}

export async function changePassword(_state: FormState, form: FormData): Promise<FormState> {
  return formResult(async () => {
    const { owner, session } = await ownerOfForm(form);
    await (await services()).accounts.changePassword(owner, session, {
      current: text(form, 'current'),
      password: text(form, 'password'),
    });
    return { notice: 'Your password is changed; your other sessions have ended.' };
  });
}

export async function changeEmail(_state: FormState, form: FormData): Promise<FormState> {
  return formResult(async () => {
    const { owner } = await ownerOfForm(form);
    await (await services()).accounts.requestEmailChange(owner, {
      email: text(form, 'email'),
      password: text(form, 'password'),
    });
    return {
      notice: `A link is on its way to ${text(form, 'email').trim()}: follow it to use that address.`,
    };
  });
}

export async function endSession(form: FormData): Promise<void> {
  const { owner } = await ownerOfForm(form);
  await (await services()).accounts.sessions.endOne(owner.id, text(form, 'session'));
  redirect('/account');
}
