import type { Email } from './mailer.js';

export type CodePurpose = 'verify' | 'reset' | 'signin';

const SUBJECT: Record<CodePurpose, (site: string) => string> = {
  verify: (site) => `Confirm your e-mail for ${site}`,
  reset: (site) => `Reset your ${site} password`,
  signin: (site) => `Your ${site} sign-in code`,
};

const LEAD: Record<CodePurpose, string> = {
  verify: 'Enter this code to confirm your e-mail address:',
  reset: 'Enter this code to choose a new password:',
  signin: 'Enter this code to sign in:',
};

export const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** The e-mail carrying a one-time code, in plain text and HTML, branded with the site's name. */
export function codeEmail(options: { to: string; site: string; purpose: CodePurpose; code: string }): Email {
  const { site, purpose, code } = options;
  const footer = `The code expires in 10 minutes. If you did not ask for it, ignore this message.`;
  return {
    to: options.to,
    subject: SUBJECT[purpose](site),
    text: `${LEAD[purpose]}\n\n    ${code}\n\n${footer}\n\n— ${site}\n`,
    html: `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#1f2328">
<p>${LEAD[purpose]}</p>
<p style="font-size:28px;letter-spacing:6px;font-weight:600">${code}</p>
<p style="color:#59636e">${footer}</p>
<p style="color:#59636e">— ${escapeHtml(site)}</p>
</body></html>`,
  };
}

/** The text message carrying a one-time code. */
export const codeText = (options: { site: string; purpose: CodePurpose; code: string }) =>
  `${options.code} is your ${options.site} ${options.purpose === 'reset' ? 'password reset' : 'verification'} code. It expires in 10 minutes.`;
