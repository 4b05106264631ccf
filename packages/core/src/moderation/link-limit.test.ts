import { renderMarkdown } from '@threadkit/core';
import { moderationInput } from '@threadkit/testing';
import { describe, expect, it } from 'vitest';
import { countLinks, linkLimit } from './link-limit.js';

const links = (markdown: string) => countLinks(renderMarkdown(markdown));

describe('countLinks', () => {
  it('counts Markdown links, autolinks and bare URLs', () => {
    expect(links('[one](https://a.example.com)')).toBe(1);
    expect(links('<https://a.example.com>')).toBe(1);
    expect(links('see https://a.example.com and http://b.example.com/x')).toBe(2);
    expect(links('[a](https://a.example.com) <https://b.example.com> https://c.example.com')).toBe(3);
    expect(links('mail me: <ada@example.com>')).toBe(1);
  });

  it('counts images, which are shown as links', () => {
    expect(links('![cat](https://img.example.com/cat.png)')).toBe(1);
  });

  it('does not count what readers cannot click: URLs in code, domains without a scheme', () => {
    expect(links('`https://a.example.com`')).toBe(0);
    expect(links('visit cheap-pills.example.com or www.example.com')).toBe(0);
    expect(links('no links here, just words.')).toBe(0);
  });
});

describe('link limit', () => {
  const content = (n: number) =>
    Array.from({ length: n }, (_, i) => `[l${i}](https://x${i}.example.com)`).join(' ');

  it('accepts up to max_links links', async () => {
    expect(
      await linkLimit().check(moderationInput({ content: content(5), settings: { max_links: 5 } })),
    ).toEqual({
      action: 'accept',
    });
  });

  it('holds a comment with more, saying how many', async () => {
    expect(
      await linkLimit().check(moderationInput({ content: content(6), settings: { max_links: 5 } })),
    ).toEqual({
      action: 'hold',
      reason: 'link_limit: 6 links, more than 5',
    });
  });

  it('with 0 holds any link and accepts none', async () => {
    const step = linkLimit();
    expect(
      (await step.check(moderationInput({ content: content(1), settings: { max_links: 0 } }))).action,
    ).toBe('hold');
    expect((await step.check(moderationInput({ content: 'plain', settings: { max_links: 0 } }))).action).toBe(
      'accept',
    );
  });
});
