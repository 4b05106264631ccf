import { describe, expect, it } from 'vitest';
import { type CodePurpose, codeEmail, codeText } from './templates.js';

const SITE = 'Tom & Jerry\'s <Blog> "Daily"';
const SITE_HTML = 'Tom &amp; Jerry&#39;s &lt;Blog&gt; &quot;Daily&quot;';

describe('codeEmail', () => {
  it.each([
    ['verify', `Confirm your e-mail for ${SITE}`, /confirm your e-mail address/],
    ['reset', `Reset your ${SITE} password`, /choose a new password/],
    ['signin', `Your ${SITE} sign-in code`, /sign in/],
  ] as [CodePurpose, string, RegExp][])('%s: subject and lead', (purpose, subject, lead) => {
    const email = codeEmail({ to: 'ada@example.test', site: SITE, purpose, code: '042817' });
    expect(email.to).toBe('ada@example.test');
    expect(email.subject).toBe(subject);
    expect(email.text).toMatch(lead);
    expect(email.html).toMatch(lead);
  });

  it('puts the code in the text and the HTML, and says when it expires', () => {
    const email = codeEmail({ to: 'ada@example.test', site: 'Blog', purpose: 'verify', code: '042817' });
    expect(email.text).toContain('042817');
    expect(email.html).toContain('>042817<');
    expect(email.text).toMatch(/10 minutes/);
    expect(email.html).toMatch(/10 minutes/);
  });

  it("escapes the site's name in the HTML and keeps it as is in the text", () => {
    const email = codeEmail({ to: 'ada@example.test', site: SITE, purpose: 'reset', code: '123456' });
    expect(email.html).toContain(SITE_HTML);
    expect(email.html).not.toContain('<Blog>');
    expect(email.text).toContain(SITE);
  });

  it('never puts markup from the site name into the HTML', () => {
    const site = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    for (const purpose of ['verify', 'reset', 'signin'] as const) {
      const { html } = codeEmail({ to: 'a@example.test', site, purpose, code: '123456' });
      expect(html).not.toMatch(/<script|<img/i);
    }
  });
});

describe('codeText', () => {
  it('carries the code, the site name and what it is for', () => {
    expect(codeText({ site: 'Blog', purpose: 'verify', code: '042817' })).toBe(
      '042817 is your Blog verification code. It expires in 10 minutes.',
    );
    expect(codeText({ site: 'Blog', purpose: 'reset', code: '042817' })).toMatch(
      /^042817 is your Blog password reset code/,
    );
    expect(codeText({ site: 'Blog', purpose: 'signin', code: '042817' })).toContain('042817');
  });
});
