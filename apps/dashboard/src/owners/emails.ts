import type { Email } from '@threadkit/core';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A short message with one link to follow, as text and HTML. */
function linkEmail(
  to: string,
  subject: string,
  lead: string,
  action: string,
  link: string,
  after: string,
): Email {
  return {
    to,
    subject,
    text: `${lead}\n\n${action}: ${link}\n\n${after}\n`,
    html:
      `<p>${escapeHtml(lead)}</p>` +
      `<p><a href="${escapeHtml(link)}">${escapeHtml(action)}</a></p>` +
      `<p>${escapeHtml(after)}</p>`,
  };
}

export const verificationEmail = (to: string, link: string): Email =>
  linkEmail(
    to,
    'Confirm your e-mail address for ThreadKit',
    'Welcome to ThreadKit. Confirm that this address is yours to start adding sites.',
    'Confirm my address',
    link,
    'The link works for 24 hours. If you did not sign up, ignore this message.',
  );

export const passwordResetEmail = (to: string, link: string): Email =>
  linkEmail(
    to,
    'Reset your ThreadKit password',
    'Someone asked to reset the password of the ThreadKit dashboard account with this address.',
    'Choose a new password',
    link,
    'The link works for one hour and signs out every other session. If it was not you, ignore this message.',
  );

export const emailChangeEmail = (to: string, link: string): Email =>
  linkEmail(
    to,
    'Confirm your new e-mail address for ThreadKit',
    'Confirm that this address is yours to make it the address of your ThreadKit dashboard account.',
    'Use this address',
    link,
    'The link works for 24 hours. If you did not ask for this, ignore this message.',
  );

export const invitationEmail = (to: string, from: string, site: string, link: string): Email =>
  linkEmail(
    to,
    `${from} invites you to co-own ${site} on ThreadKit`,
    `${from} invites you to become an owner of the site ${site} on the ThreadKit dashboard.`,
    'Accept the invitation',
    link,
    'Sign in (or sign up) with this address to accept. The invitation works for 7 days.',
  );

export const paymentFailedEmail = (to: string, link: string, graceEnds: Date): Email =>
  linkEmail(
    to,
    'Your ThreadKit payment failed',
    `The payment for your ThreadKit plan did not go through. Your sites keep your plan's limits until ${graceEnds.toUTCString()}, then fall back to Free's.`,
    'Update your payment details',
    link,
    'Once a payment goes through, nothing changes for your sites.',
  );

const USAGE_WORDS = { comments: 'comments', pageviews: 'page views' } as const;

/** A site's month nearing (80 %) or at (100 %) a limit of its plan. */
export const usageAlertEmail = (
  to: string,
  usage: {
    site: string;
    metric: keyof typeof USAGE_WORDS;
    percent: number;
    used: number;
    limit: number;
    link: string;
  },
): Email => {
  const words = USAGE_WORDS[usage.metric];
  const reached = usage.percent >= 100;
  return linkEmail(
    to,
    `${usage.site} ${reached ? 'reached' : 'is near'} its monthly ${words} limit`,
    `${usage.site} has ${usage.used.toLocaleString('en-US')} ${words} this month, ${usage.percent} % of its plan's ${usage.limit.toLocaleString('en-US')}.`,
    'See your plan and usage',
    usage.link,
    usage.metric === 'comments' && reached
      ? 'New comments are refused until the month ends or the plan grows; reading goes on.'
      : 'Reading and commenting go on; the next plan has room for more.',
  );
};

/** A comment server disabled one of the site's webhook endpoints after failing again and again. */
export const webhookDisabledEmail = (
  to: string,
  disabled: { site: string; url: string; endpointId: string; reason: string; link: string },
): Email =>
  linkEmail(
    to,
    `[${disabled.site}] Webhook endpoint disabled: ${disabled.url}`,
    `The webhook endpoint ${disabled.url} (id ${disabled.endpointId}) of ${disabled.site} was disabled and gets no more events. ${disabled.reason}`,
    'See its delivery log',
    disabled.link,
    'Once the receiver works again, enable the endpoint there and send it a test delivery.',
  );
