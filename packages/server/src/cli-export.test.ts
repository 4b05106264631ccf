import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type ExportLine, newId } from '@threadkit/core';
import {
  CLI,
  cliEnv,
  ensureBuilt,
  killCliChildren,
  launchCli,
  startTestApi,
  TEST_ORIGIN,
  type TestApi,
} from '@threadkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

/** `threadkit export` as owners run it: the compiled CLI in a child process, on the Redis of a running API. */

let api: TestApi;
const dir = mkdtempSync(join(tmpdir(), 'threadkit-export-'));
const comments: string[] = [];

beforeAll(async () => {
  ensureBuilt();
  api = await startTestApi();
  const { token } = await api.guest('Ada');
  for (const content of ['One', 'Two', 'Three']) {
    const response = await api.call({
      method: 'POST',
      url: '/v1/comments',
      token,
      payload: { page_url: `${TEST_ORIGIN}/cli-export`, content },
    });
    comments.push(response.json().comment.i);
  }
}, 120_000);
afterAll(async () => {
  killCliChildren();
  await api?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function run(...args: string[]) {
  const running = launchCli(args, await cliEnv({ REDIS_URL: api.backend.server!.url }));
  const timer = setTimeout(() => running.child.kill('SIGKILL'), 30_000);
  const code = await running.exited;
  clearTimeout(timer);
  return { code, output: running.output() };
}

const parse = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as ExportLine);

it('writes the site to a file and says what it wrote', async () => {
  const file = join(dir, 'site.jsonl');
  const { code, output } = await run('export', '--out', file);
  expect(code, output).toBe(0);
  expect(output).toContain(`Exported "My site" (${api.site.id}): 1 users, 1 pages, 3 comments to ${file}.`);
  const lines = parse(readFileSync(file, 'utf8'));
  expect(lines[0]).toMatchObject({ type: 'header', site_id: api.site.id });
  expect(
    lines
      .filter((l) => l.type === 'comment')
      .map((l) => l.id)
      .sort(),
  ).toEqual([...comments].sort());
  expect(lines.at(-1)).toEqual({ type: 'end', users: 1, pages: 1, comments: 3 });
});

it('writes only the export on standard output, the summary on standard error', async () => {
  const env = await cliEnv({ REDIS_URL: api.backend.server!.url });
  for (const args of [['export'], ['export', '--out', '-'], ['export', '--site', api.site.id]]) {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], {
      env,
      maxBuffer: 16 << 20,
    });
    const lines = parse(stdout);
    expect(lines.map((l) => l.type)).toEqual([
      'header',
      'site',
      'user',
      'page',
      'comment',
      'comment',
      'comment',
      'end',
    ]);
    expect(stderr).toContain('1 users, 1 pages, 3 comments.');
  }
});

it('refuses a site id that is not one, and a site that does not exist', async () => {
  const bad = await run('export', '--site', 'nope');
  expect(bad.code).toBe(1);
  expect(bad.output).toContain('Usage: threadkit export');
  const missing = await run('export', '--site', newId());
  expect(missing.code).toBe(1);
  expect(missing.output).toContain('Site not found.');
});
