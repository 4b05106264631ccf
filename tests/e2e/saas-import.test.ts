import { readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type SaasStack, scanAccessibility, stackTest, startSaasStack } from '@threadkit/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';

/**
 * A site's "Import / export" page on the SaaS dashboard, end to end in
 * Chromium against the comment server's import and export routes: problems
 * beside their fields, a dry run, a Disqus import with a URL mapping followed
 * to the end on its progress page, a file larger than any body limit of
 * Next's streamed through, and the whole site downloaded as an export.
 */

const it = stackTest(() => stack, 180_000);
/** An import runs in the background on the comment server: its page shows it done within seconds. */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 60_000 });

const OLD = 'https://old.example.com';

let stack: SaasStack;
let owner: Page;
let siteId = '';
const files: string[] = [];

beforeAll(async () => {
  stack = await startSaasStack();
  owner = await stack.browser.newPage();
});
afterAll(async () => {
  await stack?.close();
  for (const file of files) await rm(file, { force: true });
});

const field = (label: string) => owner.getByLabel(label, { exact: true });
const noSeriousViolations = async () =>
  expect((await scanAccessibility(owner, 'body')).violations).toEqual([]);
const importUrl = () => `${stack.dashboard.url}/sites/${siteId}/import`;

/** A Disqus export: `threads` threads on the old domain, each with a comment and a reply to it. */
function disqusExport(threads: number, text = (n: number) => `Comment on post ${n}`): string {
  const parts = ['<?xml version="1.0" encoding="utf-8"?>'];
  parts.push('<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">');
  for (let n = 1; n <= threads; n++)
    parts.push(
      `<thread dsq:id="t${n}"><id>post-${n}</id><link>${OLD}/post-${n}</link><title>Post ${n}</title>`,
      '<isClosed>false</isClosed><isDeleted>false</isDeleted></thread>',
    );
  for (let n = 1; n <= threads; n++)
    parts.push(
      `<post dsq:id="p${n}"><message><![CDATA[<p>${text(n)}</p>]]></message>`,
      `<createdAt>2021-03-0${(n % 9) + 1}T10:00:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>`,
      `<author><name>Ann ${n}</name><email>ann${n}@example.com</email><isAnonymous>false</isAnonymous></author>`,
      `<thread dsq:id="t${n}"/></post>`,
      `<post dsq:id="r${n}"><message><![CDATA[<p>Reply on post ${n}</p>]]></message>`,
      `<createdAt>2021-03-0${(n % 9) + 1}T11:00:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>`,
      '<author><name>Bob</name><isAnonymous>true</isAnonymous></author>',
      `<thread dsq:id="t${n}"/><parent dsq:id="p${n}"/></post>`,
    );
  parts.push('</disqus>');
  return parts.join('\n');
}

async function writeTemp(name: string, content: string): Promise<string> {
  const file = path.join(os.tmpdir(), `threadkit-${process.pid}-${name}`);
  await writeFile(file, content);
  files.push(file);
  return file;
}

/** Fills the form and posts it; the page then goes to the import's progress. */
async function upload(file: string | null, options: { format: string; dryRun?: boolean; map?: string }) {
  await field('Format').selectOption(options.format);
  if (options.dryRun) await field('Dry run: check the file and count, write nothing').check();
  await field('URL mapping (optional)').fill(options.map ?? '');
  if (file) await field('File').setInputFiles(file);
  await owner.getByRole('button', { name: 'Upload and import' }).click();
}

it('shows each problem of the form beside its field', async () => {
  siteId = await stack.ownerWithSite(owner, {
    name: 'Olivia',
    email: 'olivia@example.com',
    password: 'correct horse battery staple',
    site: 'Field notes',
  });
  await owner.getByRole('link', { name: 'Import / export' }).click();
  await owner.waitForURL(importUrl());
  await poll(() => owner.getByText('None yet.').count()).toBe(1);
  await noSeriousViolations();

  await upload(null, { format: 'disqus' });
  await poll(() => field('File').getAttribute('aria-invalid')).toBe('true');
  expect(await owner.getByText('Choose the file to import.').count()).toBe(1);

  const small = await writeTemp('small.xml', disqusExport(2));
  await upload(small, { format: 'disqus', map: `${OLD}=ftp://nowhere` });
  await poll(() => field('URL mapping (optional)').getAttribute('aria-invalid')).toBe('true');
  expect(await owner.url()).toBe(importUrl());
  await noSeriousViolations();
});

it('runs a dry run that writes nothing, then the import, with URLs mapped to the new site', async () => {
  const small = await writeTemp('import.xml', disqusExport(3));
  await owner.goto(importUrl());
  await upload(small, { format: 'disqus', dryRun: true, map: `${OLD}=${stack.site.url}` });
  await owner.waitForURL(new RegExp(`${importUrl()}/[\\w-]+$`));
  await poll(() => owner.getByText(/^Status: /).textContent()).toContain('Done (dry run: nothing written)');
  await noSeriousViolations();

  await owner.goto(importUrl());
  await upload(small, { format: 'disqus', map: `${OLD}=${stack.site.url}` });
  await owner.waitForURL(new RegExp(`${importUrl()}/[\\w-]+$`));
  await poll(() => owner.getByText(/^Status: /).textContent()).toMatch(/^Status: Done ·/);

  // Both are listed, newest first.
  await owner.goto(importUrl());
  const rows = owner.locator('tbody tr');
  await poll(() => rows.count()).toBe(2);
  expect(await rows.nth(0).textContent()).toContain('Done');
  expect(await rows.nth(1).textContent()).toContain('dry run');
});

it('streams a file larger than any request body Next would buffer', async () => {
  // About 24 MB: past Next's 10 MB limit for bodies it buffers (server actions: 1 MB).
  const padding = 'x'.repeat(4000);
  const big = await writeTemp(
    'big.xml',
    disqusExport(3000, (n) => `Long comment ${n} ${padding}`),
  );
  await owner.goto(importUrl());
  await upload(big, { format: 'disqus', dryRun: true });
  await owner.waitForURL(new RegExp(`${importUrl()}/[\\w-]+$`), { timeout: 120_000 });
  await poll(() => owner.getByText(/^Status: /).textContent()).toContain('Done (dry run: nothing written)');
});

it('downloads the whole site as an export, with the imported comments at their new addresses', async () => {
  await owner.goto(importUrl());
  const [download] = await Promise.all([
    owner.waitForEvent('download'),
    owner.getByRole('button', { name: 'Download the export' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(
    new RegExp(`^threadkit-${siteId}-\\d{4}-\\d\\d-\\d\\d\\.jsonl$`),
  );
  const lines = (await readFile((await download.path())!, 'utf8')).trim().split('\n');
  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(records.length).toBeGreaterThan(6);
  const text = lines.join('\n');
  expect(text).toContain('Comment on post 2');
  expect(text).toContain('Reply on post 3');
  expect(text).toContain(`${stack.site.url}/post-1`);
  expect(text).not.toContain(OLD);
  expect(text).not.toContain('tk_sec_');
});

it('refuses the export and the upload to anyone not signed in', async () => {
  const stranger = await (await stack.browser.newContext()).newPage();
  expect((await stranger.request.get(`${stack.dashboard.url}/sites/${siteId}/export`)).status()).toBe(401);
  expect(
    (
      await stranger.request.post(`${importUrl()}/upload`, { multipart: { csrf: 'x', format: 'disqus' } })
    ).status(),
  ).toBe(401);
  await stranger.context().close();
});
