import { randomBytes } from 'node:crypto';
import { OwnerTokens } from '@threadkit/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { databaseEngines } from '../db/test-databases';
import { type SaasStack, startSaas } from '../internal/saas.testing';
import { CommentServer, type SiteAdmin } from '../moderation/comment-server';
import type { SiteView } from '../sites/sites';
import { streamUpload } from './upload';

/**
 * The upload form's multipart body, as the browser posts it, streamed on to a
 * real comment server in MODE=saas (`POST /v1/imports` as the owner): the
 * import it starts runs to the end, and the form's problems come back by field.
 */

const SECRET = randomBytes(32).toString('base64url');
const CSRF = 'the-session-csrf-token';
const pglite = databaseEngines().find((engine) => engine.name === 'pglite')!;

let saas: SaasStack;
let site: SiteView;
let admin: SiteAdmin;

beforeAll(async () => {
  saas = await startSaas(pglite, 'uploads', { secret: SECRET });
  const apiUrl = await saas.app.listen({ host: '127.0.0.1', port: 0 });
  site = (await saas.addSite('Uploads', 'https://new.example')).site;
  admin = new CommentServer({ apiUrl, tokens: new OwnerTokens(SECRET) }).asOwner(saas.owner.id, site);
});
afterAll(async () => {
  await saas?.close();
});

const DISQUS = `<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
<thread dsq:id="t1"><id>post-1</id><link>https://old.example/post-1</link><title>Post 1</title><isClosed>false</isClosed><isDeleted>false</isDeleted></thread>
<post dsq:id="p1"><message><![CDATA[<p>First</p>]]></message><createdAt>2021-03-01T10:00:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam><author><name>Ann</name><email>ann@example.com</email><isAnonymous>false</isAnonymous></author><thread dsq:id="t1"/></post>
<post dsq:id="p2"><message><![CDATA[<p>A reply</p>]]></message><createdAt>2021-03-01T11:00:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam><author><name>Bob</name><isAnonymous>true</isAnonymous></author><thread dsq:id="t1"/><parent dsq:id="p1"/></post>
</disqus>`;

/** The form as the browser sends it: the fields first, then the file. */
function posted(fields: Record<string, string>, file: string | null) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob(file === null ? [] : [file]), file === null ? '' : 'export.xml');
  const request = new Request('http://dashboard.test/upload', { method: 'POST', body: form });
  return streamUpload(request.body!, request.headers.get('content-type')!, { csrfToken: CSRF, admin });
}

it('streams the file to the comment server, whose import runs to the end with the URLs mapped', async () => {
  const outcome = await posted(
    { csrf: CSRF, format: 'disqus', map: 'https://old.example=https://new.example' },
    DISQUS,
  );
  if (!('started' in outcome)) throw new Error(JSON.stringify(outcome));
  await expect.poll(async () => (await admin.importRun(outcome.started.id)).status).toBe('done');
  const run = await admin.importRun(outcome.started.id);
  expect([run.format, run.dry_run, run.comments.written, run.error]).toEqual(['disqus', false, 2, null]);
  expect((await admin.imports()).map((listed) => listed.id)).toEqual([outcome.started.id]);
});

it('answers the form’s problems by field, and passes nothing on without the session’s token', async () => {
  expect(await posted({ csrf: 'stale', format: 'disqus' }, DISQUS)).toEqual({
    problems: { _form: 'This form has expired: reload the page.' },
  });
  expect(await posted({ csrf: CSRF, format: 'disqus' }, null)).toEqual({
    problems: { file: 'Choose the file to import.' },
  });
  expect(await posted({ csrf: CSRF, format: 'blogger', map: 'x' }, DISQUS)).toMatchObject({
    problems: { format: expect.any(String), map: expect.any(String) },
  });
  // The comment server's own refusal of the file: an empty one.
  expect(await posted({ csrf: CSRF, format: 'disqus' }, '')).toMatchObject({
    problems: { file: expect.any(String) },
  });
  expect(await admin.imports()).toHaveLength(1);
});
