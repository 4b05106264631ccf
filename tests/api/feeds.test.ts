import { keys, resolvePage } from '@threadkit/core';
import { startTestApi, type TestApi } from '@threadkit/testing';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Feeds of a page's newest comments: public (the key in the URL), valid XML,
 * only what an anonymous reader sees, cached and revalidated.
 */
let api: TestApi;
let seq = 0;
const pageUrl = () => `https://blog.example.com/feeds-${++seq}`;
const parser = new XMLParser({
  ignoreAttributes: false,
  isArray: (name) => name === 'item' || name === 'entry',
});

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api?.stop();
});

const post = async (token: string, body: Record<string, unknown>) => {
  const response = await api.call({ method: 'POST', url: '/v1/comments', token, payload: body });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().comment as { i: string; s: string };
};
/** A feed as a feed reader asks for it: no key header, no origin. */
const feed = (format: 'rss' | 'atom', query: string, headers: Record<string, string> = {}) =>
  api.app.inject({
    method: 'GET',
    url: `/v1/feeds/page.${format}?project_id=${api.site.publicKey}&${query}`,
    headers,
  });
const parsed = (response: LightMyRequestResponse) => {
  expect(response.statusCode, response.body).toBe(200);
  // A strict well-formedness check first, then the document itself.
  expect(XMLValidator.validate(response.body)).toBe(true);
  return parser.parse(response.body);
};
const rssItems = (response: LightMyRequestResponse) =>
  (parsed(response).rss.channel.item ?? []) as { title: string; link: string; guid: { '#text': string } }[];

describe('a page feed', () => {
  it('lists the newest public comments with their permalinks, authors, dates and HTML, as RSS and Atom', async () => {
    const url = pageUrl();
    const ada = await api.guest('Ada <& "Co">');
    const first = await post(ada.token, { page_url: url, content: 'First, with **bold** & <tags> ]]>' });
    const reply = await post(ada.token, { page_url: url, content: 'A reply', parent_id: first.i });
    const query = `page_url=${encodeURIComponent(url)}`;

    const rss = await feed('rss', query);
    expect(rss.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    expect(rss.headers['cache-control']).toBe('public, max-age=300');
    const channel = parsed(rss).rss.channel;
    expect(channel.link).toBe(url);
    const items = rssItems(rss);
    expect(items.map((i) => i.link)).toEqual([`${url}#comment-${reply.i}`, `${url}#comment-${first.i}`]);
    expect(items[1]!.title).toBe('Ada <& "Co">: First, with **bold** & <tags> ]]>');
    const content = parsed(rss).rss.channel.item[1]['content:encoded'] as string;
    expect(content).toContain('<strong>bold</strong>');
    expect(content).toContain('&lt;tags&gt;');

    const atom = parsed(await feed('atom', query)).feed;
    expect(atom.entry.map((e: { link: { '@_href': string } }) => e.link['@_href'])).toEqual(
      items.map((i) => i.link),
    );
    expect(atom.entry[1].author.name).toBe('Ada <& "Co">');
    expect(new Date(atom.entry[1].published).getTime()).toBeGreaterThan(0);
  });

  it('never shows pending, rejected, shadow-banned or deleted comments, nor replies under them', async () => {
    const url = pageUrl();
    const query = `page_key=feed-hidden-${seq}&page_url=${encodeURIComponent(url)}`;
    const page = { page_url: url, page_key: `feed-hidden-${seq}` };
    const [ada, troll, bob] = [await api.guest('Ada'), await api.guest('Troll'), await api.guest('Bob')];
    const shown = await post(ada.token, { ...page, content: 'shown' });
    const deleted = await post(bob.token, { ...page, content: 'deleted by its author' });
    const underDeleted = await post(ada.token, {
      ...page,
      content: 'reply to a deleted one',
      parent_id: deleted.i,
    });
    expect(
      (await api.call({ method: 'DELETE', url: `/v1/comments/${deleted.i}`, token: bob.token })).statusCode,
    ).toBe(204);
    const rejected = await post(bob.token, { ...page, content: 'to be rejected' });
    await post(ada.token, { ...page, content: 'reply under the rejected', parent_id: rejected.i });
    expect((await api.owner({ method: 'POST', url: `/v1/moderation/reject/${rejected.i}` })).statusCode).toBe(
      204,
    );
    expect(
      (await api.owner({ method: 'POST', url: `/v1/moderation/shadowban/${troll.userId}` })).statusCode,
    ).toBe(204);
    await post(troll.token, { ...page, content: 'shadow-banned' });
    await api.context.sites.setSetting(api.site.id, 'moderation', 'pre');
    try {
      await post(bob.token, { ...page, content: 'pending' });
    } finally {
      await api.context.sites.setSetting(api.site.id, 'moderation', 'none');
    }
    const links = rssItems(await feed('rss', query)).map((i) => i.link);
    expect(links.sort()).toEqual([`${url}#comment-${shown.i}`, `${url}#comment-${underDeleted.i}`].sort());
    // The same as an anonymous thread read shows (the placeholder aside).
    const thread = await api.call({ method: 'GET', url: `/v1/comments?page_key=feed-hidden-${seq}` });
    expect(thread.json().total).toBe(2);
  });

  it('answers 304 until the page changes, and counts no page view', async () => {
    const url = pageUrl();
    const ada = await api.guest('Ada');
    await post(ada.token, { page_url: url, content: 'one' });
    const query = `page_url=${encodeURIComponent(url)}`;
    const first = await feed('atom', query);
    const etag = first.headers.etag as string;
    expect((await feed('atom', query, { 'if-none-match': etag })).statusCode).toBe(304);
    // Each format has its own tag.
    expect((await feed('rss', query, { 'if-none-match': etag })).statusCode).toBe(200);
    await post(ada.token, { page_url: url, content: 'two' });
    const changed = await feed('atom', query, { 'if-none-match': etag });
    expect(changed.statusCode).toBe(200);
    expect(parsed(changed).feed.entry).toHaveLength(2);
    await api.context.pages.flush();
    const page = resolvePage(api.site.id, { page_url: url });
    expect(Number(await api.redis.hget(keys.page(api.site.id, page.id), 'views'))).toBe(0);
  });

  it('takes the public key only, in the URL', async () => {
    const query = `page_url=${encodeURIComponent(pageUrl())}`;
    const secret = await api.app.inject({
      method: 'GET',
      url: `/v1/feeds/page.rss?project_id=${api.site.secretKey}&${query}`,
    });
    expect(secret.statusCode).toBe(403);
    const none = await api.app.inject({ method: 'GET', url: `/v1/feeds/page.rss?${query}` });
    expect(none.statusCode).toBe(401);
    expect((await feed('rss', '')).statusCode).toBe(400);
  });
});

describe('the site feed', () => {
  it("lists the newest public comments of the site's pages changed last, each linking to its page", async () => {
    const [a, b] = [pageUrl(), pageUrl()];
    const [ada, troll] = [await api.guest('Ada'), await api.guest('Troll')];
    const onA = await post(ada.token, { page_url: a, content: 'on page a' });
    const onB = await post(ada.token, { page_url: b, content: 'on page b' });
    expect(
      (await api.owner({ method: 'POST', url: `/v1/moderation/shadowban/${troll.userId}` })).statusCode,
    ).toBe(204);
    const hidden = await post(troll.token, { page_url: pageUrl(), content: 'shadow-banned' });
    const site = await api.app.inject({
      method: 'GET',
      url: `/v1/feeds/site.rss?project_id=${api.site.publicKey}&limit=50`,
    });
    const links = rssItems(site).map((i) => i.link);
    expect(links.slice(0, 2)).toEqual([`${b}#comment-${onB.i}`, `${a}#comment-${onA.i}`]);
    expect(links.some((link) => link.endsWith(hidden.i))).toBe(false);
    const atom = await api.app.inject({
      method: 'GET',
      url: `/v1/feeds/site.atom?project_id=${api.site.publicKey}&limit=1`,
    });
    expect(parsed(atom).feed.entry).toHaveLength(1);
  });
});
