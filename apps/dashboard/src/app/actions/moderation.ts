'use server';

import { ThreadKitError } from '@threadkit/core';
import { revalidatePath } from 'next/cache';
import { ownerOfForm } from '../../server/auth';
import { type FormState, formResult, text } from '../../server/form-state';
import { services } from '../../server/services';

/** The site a moderation form is about, its owner's right to it checked, and its moderation API. */
async function moderationOf(form: FormData) {
  const { owner } = await ownerOfForm(form);
  const { sites, commentServer } = await services();
  const site = await sites.get(owner.id, text(form, 'site'));
  if (!commentServer)
    throw new ThreadKitError('unavailable', 'Moderation needs INTERNAL_API_SECRET on the dashboard.');
  const moderation = commentServer.asOwner(owner.id, site);
  /**
   * The notice of a done action. The console's pages are rendered again with
   * the change, except after a row's own button (`refresh: false`): the row
   * would go, and its notice with it, so it stays and says what was done.
   */
  const done = (notice: string, { refresh = true } = {}): FormState => {
    if (refresh) revalidatePath(`/sites/${site.id}/moderation`, 'layout');
    return { notice };
  };
  return { site, moderation, done };
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
/** The bulk route takes at most this many comments per call. */
const BULK_MAX = 100;

/**
 * A decision on the comments ticked in a list (queue or reports). Each box's
 * value is `<comment id> <author id>`, so the authors can be banned or
 * shadow-banned from the same list.
 */
export async function decideComments(_state: FormState, form: FormData): Promise<FormState> {
  return formResult(async () => {
    const { moderation, done } = await moderationOf(form);
    const ticked = form
      .getAll('comment')
      .filter((value): value is string => typeof value === 'string')
      .map((value) => {
        const [commentId = '', authorId = ''] = value.split(' ');
        return { commentId, authorId };
      });
    if (ticked.length === 0) return { errors: { _form: 'Tick the comments to decide on first.' } };
    const ids = ticked.map((t) => t.commentId);
    const authors = [...new Set(ticked.map((t) => t.authorId).filter(Boolean))];
    const decision = text(form, 'decision');
    switch (decision) {
      case 'approve':
      case 'reject':
        for (let i = 0; i < ids.length; i += BULK_MAX)
          await moderation.decide(decision, ids.slice(i, i + BULK_MAX));
        return done(`${decision === 'approve' ? 'Approved' : 'Rejected'} ${count(ids.length, 'comment')}.`);
      case 'delete':
        for (const commentId of ids) await moderation.deleteComment(commentId);
        return done(`Deleted ${count(ids.length, 'comment')}.`);
      case 'ban':
        for (const userId of authors) await moderation.ban(userId);
        return done(`Banned ${count(authors.length, 'commenter')}.`);
      case 'shadowban':
        for (const userId of authors) await moderation.shadowban(userId, true);
        return done(`Shadow-banned ${count(authors.length, 'commenter')}.`);
      default:
        return { errors: { _form: 'Choose what to do with the ticked comments.' } };
    }
  });
}

/** Bans a commenter by user id, optionally taking their comments down. */
export async function banUser(_state: FormState, form: FormData): Promise<FormState> {
  return formResult(async () => {
    const { moderation, done } = await moderationOf(form);
    const userId = text(form, 'user_id').trim();
    if (!userId) return { errors: { user_id: 'Give the commenter’s user id.' } };
    await moderation
      .ban(userId, {
        deleteComments: text(form, 'delete_comments') === 'yes',
        reason: text(form, 'reason').trim(),
      })
      .catch(renameField('user_id'));
    return done('Banned.');
  });
}

/** Lifts a ban or a shadow-ban (one button per listed commenter). */
export async function liftRestriction(_state: FormState, form: FormData): Promise<FormState> {
  return formResult(async () => {
    const { moderation, done } = await moderationOf(form);
    const userId = text(form, 'user_id');
    if (text(form, 'restriction') === 'shadowban') {
      await moderation.shadowban(userId, false);
      return done('Shadow-ban lifted: their comments show again.', { refresh: false });
    }
    await moderation.unban(userId);
    return done('Ban lifted.', { refresh: false });
  });
}

/** Gives a commenter the admin or moderator role, by account e-mail or user id. */
export async function promote(_state: FormState, form: FormData): Promise<FormState> {
  return formResult(async () => {
    const { site, moderation, done } = await moderationOf(form);
    const role = text(form, 'role') === 'admin' ? 'admin' : 'moderator';
    const who = text(form, 'who').trim();
    if (!who) return { errors: { who: 'Give the commenter’s e-mail address or user id.' } };
    await moderation
      .promote(role, site.id, who.includes('@') ? { email: who } : { user_id: who })
      .catch(renameField('who'));
    return done(`${who} is now ${role === 'admin' ? 'an admin' : 'a moderator'}.`);
  });
}

export async function demote(_state: FormState, form: FormData): Promise<FormState> {
  return formResult(async () => {
    const { site, moderation, done } = await moderationOf(form);
    const role = text(form, 'role') === 'admin' ? 'admin' : 'moderator';
    await moderation.demote(role, site.id, text(form, 'user_id'));
    return done('Role taken away.', { refresh: false });
  });
}

/** Locks or unlocks one page (by its URL, or by its key) or, with neither, the whole site. */
export async function lockPage(_state: FormState, form: FormData): Promise<FormState> {
  return formResult(async () => {
    const { moderation, done } = await moderationOf(form);
    const locked = text(form, 'decision') !== 'unlock';
    const page = text(form, 'page').trim();
    const target = !page ? {} : /^https?:\/\//i.test(page) ? { page_url: page } : { page_key: page };
    await moderation.lock(locked, target).catch(renameField('page'));
    const what = page ? 'The page' : 'The whole site';
    return done(locked ? `${what} is read-only now.` : `${what} takes comments again.`);
  });
}

/** The comment server names its own fields (`user_id`, `email`, `page_url`); the form's may differ. */
const renameField =
  (field: string) =>
  (error: unknown): never => {
    if (error instanceof Error && error.name === 'ThreadKitError') {
      const refusal = error as ThreadKitError;
      if (refusal.status === 400 || refusal.status === 404)
        throw new ThreadKitError(refusal.code, refusal.message, { field });
    }
    throw error;
  };
