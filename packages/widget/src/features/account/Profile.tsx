import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Me } from '../../api.js';
import type { FeatureContext, PanelProps } from '../context.js';
import { Dialog } from '../dialog/Dialog.js';
import { useElementId } from '../ids.js';
import styles from './account.css?inline';
import type { AccountStrings } from './i18n/index.js';
import { LoadFailed, useAccountStrings } from './shared.js';

interface Session {
  id: string;
  created_at: number;
  current: boolean;
}

/** The server's limit on names (`MAX_NAME_LENGTH`). */
const MAX_NAME = 50;

type Words = AccountStrings['profile'];
interface SectionProps {
  ctx: FeatureContext;
  words: Words;
}

/**
 * The commenter's own account: name, picture and e-mail notifications; their
 * e-mail address or phone; where they are signed in; their data to download;
 * and deleting the account, asked first.
 */
export function ProfileDialog({ ctx, setMe, onSession, onClose }: PanelProps) {
  const strings = useAccountStrings(ctx);
  const [account, setAccount] = useState<Me | null>(null);
  const [failed, setFailed] = useState(false);
  const load = () => {
    setFailed(false);
    ctx.api.call<Me>('GET', '/v1/users/me').then(setAccount, () => setFailed(true));
  };
  useEffect(load, []);
  if (!strings) return null;
  const words = strings.profile;
  return (
    <Dialog title={words.title} closeLabel={strings.close} onClose={onClose}>
      <style>{styles}</style>
      {failed ? (
        <LoadFailed message={words.failed} retry={ctx.t.retry} onRetry={load} />
      ) : !account ? (
        <p class="tk-muted" role="status">
          {words.loading}
        </p>
      ) : (
        <>
          <ProfileForm
            ctx={ctx}
            words={words}
            account={account}
            onSaved={(next) => {
              setAccount(next);
              setMe(() => next);
            }}
          />
          <Contact ctx={ctx} words={words} account={account} />
          <Sessions ctx={ctx} words={words} />
          <YourData ctx={ctx} words={words} onDeleted={onSession} />
        </>
      )}
    </Dialog>
  );
}

/** The reason a change was refused, in the reader's words; null when the fields look right. */
function problemWith(words: Words, name: string, avatar: string): string | null {
  if (!name.trim() || name.trim().length > MAX_NAME) return words.nameInvalid;
  if (avatar && !/^https:\/\/[^\s/]+/i.test(avatar)) return words.avatarInvalid;
  return null;
}

function ProfileForm({
  ctx,
  words,
  account,
  onSaved,
}: SectionProps & { account: Me; onSaved(account: Me): void }) {
  const [name, setName] = useState(account.name);
  const [avatar, setAvatar] = useState(account.avatar_url ?? '');
  const [emails, setEmails] = useState(account.email_notifications);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const errorId = useElementId();
  const hintId = useElementId();
  const reachable = account.email !== null && account.email_verified;

  const edited = (change: () => void) => {
    change();
    setStatus(null);
  };

  const save = async (event: Event) => {
    event.preventDefault();
    const problem = problemWith(words, name, avatar.trim());
    if (problem) return setStatus({ ok: false, text: problem });
    setBusy(true);
    setStatus(null);
    try {
      const next = await ctx.api.call<Me>('PUT', '/v1/users/me', {
        name: name.trim(),
        avatar_url: avatar.trim() || null,
        email_notifications: emails,
      });
      setName(next.name);
      setAvatar(next.avatar_url ?? '');
      setStatus({ ok: true, text: words.saved });
      onSaved(next);
    } catch (error) {
      // The server checks the same rules; its message names the field it refused.
      const field = error instanceof ApiError && error.code === 'invalid_request' ? error.message : '';
      const text = field.includes('avatar')
        ? words.avatarInvalid
        : field.includes('name')
          ? words.nameInvalid
          : ctx.t.error;
      setStatus({ ok: false, text });
    } finally {
      setBusy(false);
    }
  };

  const refused = status && !status.ok ? status.text : null;
  return (
    <form class="tk-form" noValidate onSubmit={save}>
      <label>
        {words.name}
        <input
          value={name}
          maxLength={MAX_NAME}
          autocomplete="nickname"
          aria-invalid={refused === words.nameInvalid}
          aria-describedby={refused === words.nameInvalid ? errorId : undefined}
          onInput={(event) => edited(() => setName((event.target as HTMLInputElement).value))}
        />
      </label>
      <div class="tk-avatar-row">
        {/^https:\/\//i.test(account.avatar_url ?? '') && (
          <img class="tk-avatar" src={account.avatar_url!} alt="" referrerpolicy="no-referrer" />
        )}
        <label>
          {words.avatar}
          <input
            type="url"
            inputMode="url"
            value={avatar}
            maxLength={500}
            placeholder="https://"
            aria-invalid={refused === words.avatarInvalid}
            aria-describedby={refused === words.avatarInvalid ? errorId : undefined}
            onInput={(event) => edited(() => setAvatar((event.target as HTMLInputElement).value))}
          />
        </label>
      </div>
      <label class="tk-check">
        <input
          type="checkbox"
          checked={emails}
          aria-describedby={reachable ? undefined : hintId}
          onChange={(event) => edited(() => setEmails((event.target as HTMLInputElement).checked))}
        />
        {words.emailNotifications}
      </label>
      {!reachable && (
        <p class="tk-muted tk-hint" id={hintId}>
          {words.noVerifiedEmail}
        </p>
      )}
      <div class="tk-row">
        <button type="submit" class="tk-primary" disabled={busy}>
          {ctx.t.save}
        </button>
        <span role="status" class="tk-muted">
          {status?.ok ? status.text : ''}
        </span>
      </div>
      {refused && (
        <p role="alert" class="tk-error" id={errorId}>
          {refused}
        </p>
      )}
    </form>
  );
}

/** How the account signs in: e-mail and phone with their verified state, or a guest; and karma. */
function Contact({ words, account }: SectionProps & { account: Me }) {
  const rows = [
    { label: words.email, value: account.email, verified: account.email_verified },
    { label: words.phone, value: account.phone, verified: account.phone_verified },
  ].filter((row) => row.value);
  return (
    <div class="tk-section">
      {rows.length > 0 ? (
        <dl class="tk-details">
          {rows.map((row) => (
            <div key={row.label}>
              <dt>{row.label}</dt>
              <dd>
                <bdi>{row.value}</bdi>{' '}
                <span class="tk-badge">{row.verified ? words.verified : words.unverified}</span>
              </dd>
            </div>
          ))}
        </dl>
      ) : (
        <p class="tk-muted">{words.guest}</p>
      )}
      <p class="tk-muted">{words.karma(account.karma)}</p>
    </div>
  );
}

/** Where the account is signed in; any session but this one can be ended. */
function Sessions({ ctx, words }: SectionProps) {
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [failed, setFailed] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const headingId = useElementId();
  useEffect(() => {
    ctx.api
      .call<{ sessions: Session[] }>('GET', '/v1/users/me/sessions')
      .then((answer) => setSessions([...answer.sessions].sort((a, b) => b.created_at - a.created_at)))
      // Listing sessions is an extra: without it the rest of the profile still works.
      .catch(() => setSessions(null));
  }, []);
  if (!sessions || sessions.length === 0) return null;

  const end = async (session: Session) => {
    setFailed(false);
    try {
      await ctx.api.call('DELETE', `/v1/users/me/sessions/${encodeURIComponent(session.id)}`);
      setSessions((before) => (before ?? []).filter((other) => other.id !== session.id));
      // Its button is gone: focus goes back to the list's heading rather than the page.
      heading.current?.focus();
    } catch {
      setFailed(true);
    }
  };

  return (
    <section class="tk-section" aria-labelledby={headingId}>
      <h3 id={headingId} ref={heading} tabIndex={-1}>
        {words.sessions}
      </h3>
      <ul class="tk-sessions">
        {sessions.map((session) => {
          const date = ctx.t.time(session.created_at);
          return (
            <li key={session.id} class="tk-row">
              <span>{words.since(date)}</span>
              {session.current ? (
                <span class="tk-badge">{words.thisDevice}</span>
              ) : (
                <button
                  type="button"
                  class="tk-link"
                  aria-label={words.endSession(date)}
                  onClick={() => void end(session)}
                >
                  {ctx.t.signOut}
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {failed && (
        <p role="alert" class="tk-error">
          {ctx.t.error}
        </p>
      )}
    </section>
  );
}

/** Offers the JSON export as a file download (the data never leaves the browser otherwise). */
function download(data: unknown, fileName: string) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  // Not added to the page: the host page's own click handlers never see it.
  anchor.click();
  // The download has started from the URL by now; a later tick frees it.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The account's data: a download of everything stored, and erasing it all. */
function YourData({ ctx, words, onDeleted }: SectionProps & { onDeleted(): void }) {
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [status, setStatus] = useState('');
  const [error, setError] = useState(false);
  const cancel = useRef<HTMLButtonElement>(null);
  const deleteButton = useRef<HTMLButtonElement>(null);
  const asked = useRef(false);
  const hintId = useElementId();
  const headingId = useElementId();

  // Asked first: focus goes to "Cancel", so a stray Enter keeps the account; and back once answered no.
  useEffect(() => {
    if (confirming) cancel.current?.focus();
    else if (asked.current) deleteButton.current?.focus();
    asked.current ||= confirming;
  }, [confirming]);

  const run = async (task: () => Promise<void>) => {
    setBusy(true);
    setError(false);
    setStatus('');
    try {
      await task();
    } catch {
      setError(true);
    } finally {
      setBusy(false);
    }
  };

  const exportData = () =>
    run(async () => {
      const data = await ctx.api.call<unknown>('GET', '/v1/users/me/export');
      download(data, `threadkit-data-${new Date().toISOString().slice(0, 10)}.json`);
      setStatus(words.exported);
    });

  const erase = () =>
    run(async () => {
      await ctx.api.call('DELETE', '/v1/users/me');
      // The session is gone with the account: signing out only drops the tokens here (its request fails quietly).
      await ctx.api.signOut();
      onDeleted();
    });

  return (
    <section class="tk-section" aria-labelledby={headingId}>
      <h3 id={headingId}>{words.yourData}</h3>
      <p class="tk-row">
        <button type="button" aria-describedby={hintId} disabled={busy} onClick={() => void exportData()}>
          {words.exportData}
        </button>
        <span class="tk-muted" id={hintId}>
          {words.exportHint}
        </span>
      </p>
      <p class="tk-muted" role="status">
        {status}
      </p>
      {confirming ? (
        <fieldset class="tk-confirm">
          <legend>{words.confirmDelete}</legend>
          <p class="tk-row">
            <button type="button" class="tk-danger" disabled={busy} onClick={() => void erase()}>
              {words.confirmButton}
            </button>
            <button type="button" ref={cancel} disabled={busy} onClick={() => setConfirming(false)}>
              {ctx.t.cancel}
            </button>
          </p>
        </fieldset>
      ) : (
        <p>
          <button type="button" class="tk-danger-link" ref={deleteButton} onClick={() => setConfirming(true)}>
            {words.deleteAccount}
          </button>
        </p>
      )}
      {error && (
        <p role="alert" class="tk-error">
          {ctx.t.error}
        </p>
      )}
    </section>
  );
}
