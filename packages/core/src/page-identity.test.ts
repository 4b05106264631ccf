import { expectInvalid } from '@threadkit/testing';
import { v5 as uuidv5 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { idFromUuid, isId } from './ids.js';
import { MAX_PAGE_KEY_LENGTH, MAX_URL_LENGTH, normalizePageUrl, resolvePage } from './page-identity.js';

const SITE_A_UUID = '0190f5d2-7c1a-7b3e-9a4f-2d6c8e1f3a5b';
const SITE_A = idFromUuid(SITE_A_UUID);
const SITE_B = idFromUuid('0190f5d2-7c1a-7b3e-9a4f-2d6c8e1f3a5c');

describe('normalizePageUrl', () => {
  it('lower-cases the scheme and host but keeps the path case', () => {
    expect(normalizePageUrl('HTTPS://Example.COM/Blog/Post')).toBe('https://example.com/Blog/Post');
  });

  it('drops default ports and keeps others', () => {
    expect(normalizePageUrl('http://example.com:80/a')).toBe('http://example.com/a');
    expect(normalizePageUrl('https://example.com:443/a')).toBe('https://example.com/a');
    expect(normalizePageUrl('https://example.com:8443/a')).toBe('https://example.com:8443/a');
    expect(normalizePageUrl('http://example.com:443/a')).toBe('http://example.com:443/a');
  });

  it('drops the fragment', () => {
    expect(normalizePageUrl('https://example.com/a#comments')).toBe('https://example.com/a');
    expect(normalizePageUrl('https://example.com/a?x=1#top')).toBe('https://example.com/a?x=1');
  });

  it('drops utm_*, fbclid and gclid whatever their case', () => {
    expect(
      normalizePageUrl(
        'https://example.com/a?utm_source=tw&UTM_Medium=social&Utm_Campaign=x&fbclid=1&FBCLID=2&gclid=3&GClid=4',
      ),
    ).toBe('https://example.com/a');
    expect(normalizePageUrl('https://example.com/a?id=7&utm_term=z&fbclid=q')).toBe(
      'https://example.com/a?id=7',
    );
  });

  it('keeps parameters that merely resemble tracking ones', () => {
    expect(normalizePageUrl('https://example.com/a?utm=1&xfbclid=2')).toBe(
      'https://example.com/a?utm=1&xfbclid=2',
    );
  });

  it('sorts the remaining parameters by name, keeping repeated values in order', () => {
    expect(normalizePageUrl('https://example.com/a?b=2&a=1&c=3')).toBe('https://example.com/a?a=1&b=2&c=3');
    expect(normalizePageUrl('https://example.com/a?tag=z&id=1&tag=a')).toBe(
      'https://example.com/a?id=1&tag=z&tag=a',
    );
    expect(normalizePageUrl('https://example.com/a?b=2&a=1')).toBe(
      normalizePageUrl('https://example.com/a?a=1&b=2'),
    );
  });

  it('unifies the trailing slash', () => {
    expect(normalizePageUrl('https://example.com/a/')).toBe(normalizePageUrl('https://example.com/a'));
    expect(normalizePageUrl('https://example.com/a/')).toBe('https://example.com/a');
    expect(normalizePageUrl('https://example.com/a/b///')).toBe('https://example.com/a/b');
    expect(normalizePageUrl('https://example.com/')).toBe('https://example.com');
    expect(normalizePageUrl('https://example.com')).toBe('https://example.com');
    expect(normalizePageUrl('https://example.com/?a=1')).toBe(normalizePageUrl('https://example.com?a=1'));
    expect(normalizePageUrl('https://example.com/a/?x=1')).toBe('https://example.com/a?x=1');
  });

  it('drops credentials', () => {
    expect(normalizePageUrl('https://user:secret@example.com/a')).toBe('https://example.com/a');
    expect(normalizePageUrl('https://user@example.com/a')).toBe('https://example.com/a');
  });

  it('drops a query left empty', () => {
    expect(normalizePageUrl('https://example.com/a?')).toBe('https://example.com/a');
    expect(normalizePageUrl('https://example.com/a?utm_source=x')).toBe('https://example.com/a');
  });

  it('trims surrounding whitespace', () => {
    expect(normalizePageUrl('  https://example.com/a \n')).toBe('https://example.com/a');
  });

  it('combines every rule', () => {
    expect(normalizePageUrl('HTTPS://u:p@Example.com:443/Post/?z=1&utm_source=x&a=2&FbClId=9#c-12')).toBe(
      'https://example.com/Post?a=2&z=1',
    );
  });

  it.each([
    'ftp://example.com/a',
    'javascript:alert(1)',
    'data:text/html,hi',
    'file:///etc/passwd',
    'mailto:a@example.com',
    'not a url',
    '/relative/path',
    'example.com/a',
    '',
    'https://',
    'http://exa mple.com/',
  ])('rejects %j with invalid_request on page_url', (raw) => {
    expectInvalid(() => normalizePageUrl(raw), 'page_url');
  });
});

describe('resolvePage', () => {
  it('gives the same id for equivalent URLs', () => {
    const a = resolvePage(SITE_A, { page_url: 'https://example.com/post/?b=2&a=1&utm_source=x#c' });
    const b = resolvePage(SITE_A, { page_url: 'HTTPS://EXAMPLE.com:443/post?a=1&b=2' });
    expect(isId(a.id)).toBe(true);
    expect(a.id).toBe(b.id);
    expect(a).toEqual({ id: a.id, url: 'https://example.com/post?a=1&b=2', key: null });
  });

  it('names a page by the same value as layout 1 did (a UUID v5 under the site)', () => {
    const page = resolvePage(SITE_A, { page_key: 'post-1' });
    expect(page.id).toBe(idFromUuid(uuidv5('key:post-1', SITE_A_UUID)));
  });

  it('is deterministic across calls', () => {
    expect(resolvePage(SITE_A, { page_key: 'post-1' }).id).toBe(
      resolvePage(SITE_A, { page_key: 'post-1' }).id,
    );
  });

  it('gives different ids for different pages', () => {
    expect(resolvePage(SITE_A, { page_url: 'https://example.com/a' }).id).not.toBe(
      resolvePage(SITE_A, { page_url: 'https://example.com/b' }).id,
    );
    expect(resolvePage(SITE_A, { page_key: 'a' }).id).not.toBe(resolvePage(SITE_A, { page_key: 'b' }).id);
  });

  it('gives different ids for the same page on different sites', () => {
    const input = { page_url: 'https://example.com/a' };
    expect(resolvePage(SITE_A, input).id).not.toBe(resolvePage(SITE_B, input).id);
    expect(resolvePage(SITE_A, { page_key: 'k' }).id).not.toBe(resolvePage(SITE_B, { page_key: 'k' }).id);
  });

  it('keeps keys and URLs apart even when their text is the same', () => {
    const url = 'https://example.com/a';
    expect(resolvePage(SITE_A, { page_key: url }).id).not.toBe(resolvePage(SITE_A, { page_url: url }).id);
  });

  it('lets page_key win over page_url, keeping the normalised URL alongside', () => {
    const byKey = resolvePage(SITE_A, { page_key: 'post-42' });
    const both = resolvePage(SITE_A, {
      page_key: 'post-42',
      page_url: 'https://example.com/a/?utm_source=x',
    });
    expect(both.id).toBe(byKey.id);
    expect(both.key).toBe('post-42');
    expect(both.url).toBe('https://example.com/a');
    // Moving the page to another URL keeps its thread when the key is the same.
    const moved = resolvePage(SITE_A, { page_key: 'post-42', page_url: 'https://example.com/elsewhere' });
    expect(moved.id).toBe(byKey.id);
  });

  it('trims the page key', () => {
    const ref = resolvePage(SITE_A, { page_key: '  post-1  ' });
    expect(ref.key).toBe('post-1');
    expect(ref.id).toBe(resolvePage(SITE_A, { page_key: 'post-1' }).id);
    expect(ref.url).toBeNull();
  });

  it('rejects a request with neither page_url nor page_key', () => {
    expectInvalid(() => resolvePage(SITE_A, {}), 'page_url');
    expectInvalid(() => resolvePage(SITE_A, { page_url: '  ', page_key: '' }), 'page_url');
  });

  it('rejects an invalid page_url', () => {
    expectInvalid(() => resolvePage(SITE_A, { page_url: 'javascript:alert(1)' }), 'page_url');
  });

  it('accepts a URL of exactly the maximum length and rejects a longer one', () => {
    const base = 'https://example.com/';
    const longest = base + 'a'.repeat(MAX_URL_LENGTH - base.length);
    expect(longest).toHaveLength(MAX_URL_LENGTH);
    expect(resolvePage(SITE_A, { page_url: longest }).url).toBe(longest);
    expectInvalid(() => resolvePage(SITE_A, { page_url: `${longest}b` }), 'page_url');
  });

  it('accepts a page_key of exactly the maximum length and rejects a longer one', () => {
    const longest = 'k'.repeat(MAX_PAGE_KEY_LENGTH);
    expect(resolvePage(SITE_A, { page_key: longest }).key).toBe(longest);
    expectInvalid(() => resolvePage(SITE_A, { page_key: `${longest}k` }), 'page_key');
  });
});
