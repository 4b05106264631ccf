import { describe, expect, it } from 'vitest';
import {
  checkOriginPattern,
  isOriginAllowed,
  isSiteUrl,
  originsForDomain,
  parseOrigin,
  siteUrlOrNull,
} from './origins.js';

describe('parseOrigin', () => {
  it('parses http and https origins', () => {
    expect(parseOrigin('https://example.com')?.origin).toBe('https://example.com');
    expect(parseOrigin('http://localhost:3000')?.host).toBe('localhost:3000');
  });

  it.each([
    'null',
    '',
    'example.com',
    'ftp://example.com',
    'file:///tmp/x',
    'javascript:alert(1)',
    'https://',
  ])('returns null for %j', (value) => {
    expect(parseOrigin(value)).toBeNull();
  });
});

describe('isOriginAllowed: exact origins', () => {
  const allowed = ['https://example.com'];

  it('matches the same scheme, host and port only', () => {
    expect(isOriginAllowed('https://example.com', allowed, false)).toBe(true);
    expect(isOriginAllowed('http://example.com', allowed, false)).toBe(false);
    expect(isOriginAllowed('https://example.com:8443', allowed, false)).toBe(false);
    expect(isOriginAllowed('https://www.example.com', allowed, false)).toBe(false);
  });

  it('ignores case and an explicit default port in the origin', () => {
    expect(isOriginAllowed('HTTPS://EXAMPLE.COM', allowed, false)).toBe(true);
    expect(isOriginAllowed('https://example.com:443', allowed, false)).toBe(true);
  });

  it('ignores case and a trailing slash in the pattern', () => {
    expect(isOriginAllowed('https://example.com', ['HTTPS://Example.com/'], false)).toBe(true);
  });

  it('matches a non-default port only when listed', () => {
    expect(isOriginAllowed('http://example.com:3000', ['http://example.com:3000'], false)).toBe(true);
    expect(isOriginAllowed('http://example.com:3001', ['http://example.com:3000'], false)).toBe(false);
  });
});

describe('isOriginAllowed: bare hosts', () => {
  it('matches any scheme and port on that host', () => {
    expect(isOriginAllowed('https://example.com', ['example.com'], false)).toBe(true);
    expect(isOriginAllowed('http://example.com', ['example.com'], false)).toBe(true);
    expect(isOriginAllowed('http://example.com:8080', ['example.com'], false)).toBe(true);
  });

  it('does not match subdomains or look-alikes', () => {
    expect(isOriginAllowed('https://www.example.com', ['example.com'], false)).toBe(false);
    expect(isOriginAllowed('https://evil-example.com', ['example.com'], false)).toBe(false);
    expect(isOriginAllowed('https://example.com.evil.net', ['example.com'], false)).toBe(false);
  });

  it('with a port, matches only that port', () => {
    expect(isOriginAllowed('http://example.com:3000', ['example.com:3000'], false)).toBe(true);
    expect(isOriginAllowed('http://example.com:3001', ['example.com:3000'], false)).toBe(false);
  });
});

describe('isOriginAllowed: wildcard subdomains', () => {
  const allowed = ['*.example.com'];

  it('matches subdomains at any depth, any scheme', () => {
    expect(isOriginAllowed('https://blog.example.com', allowed, false)).toBe(true);
    expect(isOriginAllowed('http://a.b.example.com:8080', allowed, false)).toBe(true);
    expect(isOriginAllowed('https://BLOG.Example.COM', allowed, false)).toBe(true);
    expect(isOriginAllowed('https://x.example.com', ['*.EXAMPLE.com'], false)).toBe(true);
  });

  it('does not match the apex', () => {
    expect(isOriginAllowed('https://example.com', allowed, false)).toBe(false);
  });

  it('does not match look-alike domains', () => {
    expect(isOriginAllowed('https://evil-example.com', allowed, false)).toBe(false);
    expect(isOriginAllowed('https://evilexample.com', allowed, false)).toBe(false);
    expect(isOriginAllowed('https://example.com.evil.net', allowed, false)).toBe(false);
    expect(isOriginAllowed('https://blog.example.com.evil.net', allowed, false)).toBe(false);
    expect(isOriginAllowed('https://example.co', allowed, false)).toBe(false);
  });
});

describe('isOriginAllowed: localhost', () => {
  it.each(['http://localhost', 'http://localhost:3000', 'http://127.0.0.1:5173', 'http://[::1]:8080'])(
    'allows %s only when the site allows localhost',
    (origin) => {
      expect(isOriginAllowed(origin, [], true)).toBe(true);
      expect(isOriginAllowed(origin, [], false)).toBe(false);
      expect(isOriginAllowed(origin, ['example.com'], false)).toBe(false);
    },
  );

  it('allows a listed localhost origin even when localhost is not allowed in general', () => {
    expect(isOriginAllowed('http://localhost:3000', ['http://localhost:3000'], false)).toBe(true);
  });

  it('does not treat look-alikes as localhost', () => {
    expect(isOriginAllowed('http://localhost.evil.net', [], true)).toBe(false);
    expect(isOriginAllowed('http://mylocalhost', [], true)).toBe(false);
  });
});

describe('isOriginAllowed: garbage', () => {
  const everything = ['example.com', '*.example.com', 'https://example.com'];

  it.each(['null', '', 'example.com', 'not an origin', 'ftp://example.com', 'file://', 'data:,x'])(
    'rejects %j',
    (origin) => {
      expect(isOriginAllowed(origin, everything, true)).toBe(false);
    },
  );

  it('allows nothing when the list is empty and localhost is off', () => {
    expect(isOriginAllowed('https://example.com', [], false)).toBe(false);
  });
});

describe('checkOriginPattern', () => {
  it.each([
    'https://example.com',
    'https://example.com/',
    'http://localhost:3000',
    'https://Example.com',
    'example.com',
    'sub.example.co.uk',
    'localhost:3000',
    'localhost',
    '*.example.com',
    '*.a.b.example.com',
  ])('accepts %j', (entry) => {
    expect(checkOriginPattern(entry)).toBeNull();
  });

  it.each([
    '*.com',
    '*example.com',
    '*.*.example.com',
    '*.exa mple.com',
    'https://example.com/path',
    'https://example.com:443',
    'ftp://example.com',
    'https://',
    'example.com/path',
    'exa mple.com',
    'example.com:port',
    '',
    'https://user@example.com',
  ])('rejects %j with a message naming it', (entry) => {
    const problem = checkOriginPattern(entry);
    expect(problem).toEqual(expect.any(String));
    expect(problem).toContain(`"${entry}"`);
  });

  it('rejects a wildcard written with a scheme, which isOriginAllowed cannot match', () => {
    expect(isOriginAllowed('http://a.example.com', ['http://*.example.com'], false)).toBe(false);
    expect(checkOriginPattern('http://*.example.com')).not.toBeNull();
  });
});

describe('originsForDomain', () => {
  it('gives the apex and www.', () => {
    expect(originsForDomain('example.com')).toEqual(['example.com', 'www.example.com']);
  });

  it('gives www. and the apex for a www. domain', () => {
    expect(originsForDomain('www.example.com')).toEqual(['www.example.com', 'example.com']);
  });

  it('strips a scheme and path and lower-cases', () => {
    expect(originsForDomain('https://Blog.Example.com/some/path')).toEqual([
      'blog.example.com',
      'www.blog.example.com',
    ]);
    expect(originsForDomain('http://example.com/')).toEqual(['example.com', 'www.example.com']);
  });

  it('gives patterns that checkOriginPattern accepts and that match the domain', () => {
    const patterns = originsForDomain('example.com');
    for (const pattern of patterns) expect(checkOriginPattern(pattern)).toBeNull();
    expect(isOriginAllowed('https://example.com', patterns, false)).toBe(true);
    expect(isOriginAllowed('https://www.example.com', patterns, false)).toBe(true);
    expect(isOriginAllowed('https://evil.example.com', patterns, false)).toBe(false);
  });

  it('strips an upper-case scheme', () => {
    expect(originsForDomain('HTTPS://Example.com')).toEqual(['example.com', 'www.example.com']);
  });
});

describe('isSiteUrl: page URLs of the site', () => {
  const site = (allowed: string[], domain: string | null = null, allowLocalhost = false) => ({
    domain,
    settings: { allowed_origins: allowed, allow_localhost: allowLocalhost },
  });

  it('takes pages on the allowed origins, and on the domain (and www.)', () => {
    const blog = site(['https://blog.example.com', '*.docs.example.org']);
    expect(isSiteUrl('https://blog.example.com/post?a=1', blog)).toBe(true);
    expect(isSiteUrl('https://a.docs.example.org/guide', blog)).toBe(true);
    const byDomain = site([], 'example.com');
    expect(isSiteUrl('http://www.example.com/x', byDomain)).toBe(true);
    expect(isSiteUrl('https://example.com', byDomain)).toBe(true);
  });

  it.each([
    'https://evil.example/login',
    'https://blog.example.com.evil.example/login',
    'https://evil.example/?https://blog.example.com/',
    'http://blog.example.com/', // another scheme than the exact origin listed
    'https://blog.example.com:8443/',
    'javascript:alert(1)//https://blog.example.com',
    'not a url',
    '',
  ])('refuses %s', (url) => {
    expect(isSiteUrl(url, site(['https://blog.example.com'], 'example.org'))).toBe(false);
  });

  it('takes localhost only while allow_localhost is on', () => {
    expect(isSiteUrl('http://localhost:3000/x', site([], null, true))).toBe(true);
    expect(isSiteUrl('http://localhost:3000/x', site([], null, false))).toBe(false);
  });

  it("gives null for a URL that is not the site's, for links", () => {
    const blog = site(['https://blog.example.com']);
    expect(siteUrlOrNull('https://blog.example.com/a', blog)).toBe('https://blog.example.com/a');
    expect(siteUrlOrNull('https://evil.example/a', blog)).toBeNull();
    expect(siteUrlOrNull('', blog)).toBeNull();
    expect(siteUrlOrNull(null, blog)).toBeNull();
  });
});
