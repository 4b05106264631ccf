import { createReadStream } from 'node:fs';
import { importReader, runImport, UrlMap } from '@threadkit/core';
import { startTestApi, type TestApi } from '@threadkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ cluster: true });
});
afterAll(async () => {
  await api?.stop();
});

const fixture = new URL('../fixtures/import/disqus.xml', import.meta.url).pathname;

async function importDisqus() {
  const reader = await importReader('disqus');
  return runImport(api.redis, {
    siteId: api.site.id,
    format: 'disqus',
    read: (skip) => reader(createReadStream(fixture), skip),
    urlMap: new UrlMap().addRule('https://old.example.com=https://blog.example.com'),
  });
}

describe('an import on a 3-master Redis Cluster', () => {
  it('stages and writes in the site slot, reads back threaded, and adds nothing the second time', async () => {
    const first = await importDisqus();
    expect(first.comments).toEqual({ written: 7, present: 0 });
    const response = await api.call({ method: 'GET', url: '/v1/comments?page_key=post-10&replies=50' });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as {
      total: number;
      tree: { comments: { t: string; r: { t: string }[] }[] };
    };
    expect(body.total).toBe(4);
    const root = body.tree.comments.find((c) => c.t.startsWith('First!'));
    expect(root?.r.map((r) => r.t)).toEqual(['I agree, strongly.\nSecond line.']);
    const second = await importDisqus();
    expect(second.comments).toEqual({ written: 0, present: 7 });
    expect(second.pages).toEqual({ written: 0, present: 2 });
  });
});
