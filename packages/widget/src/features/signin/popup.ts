import { useEffect, useRef, useState } from 'preact/hooks';
import type { FeatureContext } from '../context.js';
import type { Flow } from './flow.js';
import {
  type GuestLink,
  isAuthMessage,
  oauthProblem,
  oauthStartUrl,
  popupFeatures,
  problemOf,
  takeFreshLink,
} from './logic.js';

export interface ProviderPopup {
  /** The provider whose popup is open, by its label. */
  waiting: string | null;
  /** Opens a provider's sign-in; called right in the click, or browsers block the popup. */
  open(provider: string, label: string): void;
  /** Fetches a guest's links ahead, as the popup must open within the click. */
  fetchLinks(providers: string[]): void;
}

/** Signing in with a provider, in a popup whose answer comes back as a message. */
export function useProviderPopup(ctx: FeatureContext, flow: Flow | null): ProviderPopup {
  const [waiting, setWaiting] = useState<string | null>(null);
  const popup = useRef<{ window: Window; label: string } | null>(null);
  const guestLinks = useRef(new Map<string, GuestLink>());
  const latest = useRef(flow);
  latest.current = flow;

  // The callback page's answer. Any window can post messages: only the popup we opened,
  // on the API's origin, with the expected shape, is listened to.
  useEffect(() => {
    const listener = (event: MessageEvent) => {
      const current = popup.current;
      const flow = latest.current;
      if (!flow || !current || event.source !== current.window) return;
      if (event.origin !== new URL(ctx.apiUrl).origin || !isAuthMessage(event.data)) return;
      popup.current = null;
      setWaiting(null);
      flow.setNotice(null);
      if ('error' in event.data) flow.setError(oauthProblem(flow.w.errors, event.data.error, current.label));
      else flow.finish(event.data);
    };
    addEventListener('message', listener);
    return () => {
      removeEventListener('message', listener);
      popup.current?.window.close();
    };
  }, []);

  // A popup closed without an answer. Its message may still be on its way, so it is still accepted.
  useEffect(() => {
    if (!waiting || !flow) return;
    const timer = setInterval(() => {
      if (!popup.current?.window.closed) return;
      setWaiting(null);
      latest.current?.setNotice(latest.current.w.popupClosed);
    }, 500);
    return () => clearInterval(timer);
  }, [waiting]);

  const fetchLink = (provider: string) =>
    ctx.api
      .call<{ link: string }>('POST', `/v1/auth/${encodeURIComponent(provider)}/link`)
      .then(({ link }) => link);

  const open = (provider: string, label: string) => {
    if (!flow) return;
    flow.setError(null);
    flow.setNotice(null);
    // A guest hands themself to the sign-in with a link, so their comments stay theirs.
    const guest = !!ctx.api.viewer?.guest;
    const link = guest ? takeFreshLink(guestLinks.current, provider, Date.now()) : null;
    const startUrl = (handover: string | null) =>
      oauthStartUrl(ctx.apiUrl, ctx.projectId, provider, location.origin, handover ?? undefined);
    // Opened right in the click, or browsers block it; blank while a guest's link is still to come.
    const opened = window.open(guest && !link ? '' : startUrl(link), 'threadkit-signin', popupFeatures());
    if (!opened) {
      flow.setError(flow.w.errors.popupBlocked);
      return;
    }
    popup.current = { window: opened, label };
    setWaiting(label);
    if (!guest || link) return;
    fetchLink(provider).then(
      (fresh) => {
        if (!opened.closed) opened.location.href = startUrl(fresh);
      },
      (failure) => {
        opened.close();
        popup.current = null;
        setWaiting(null);
        flow.setError(flow.w.errors[problemOf(failure, 'send')]);
      },
    );
  };

  const fetchLinks = (providers: string[]) => {
    for (const provider of providers) {
      // A link missing at the click is fetched then, with the popup already open.
      fetchLink(provider).then(
        (link) => guestLinks.current.set(provider, { link, at: Date.now() }),
        () => {},
      );
    }
  };

  return { waiting, open, fetchLinks };
}
