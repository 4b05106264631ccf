import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cliEnv,
  ensureBuilt,
  killCliChildren,
  launchCli,
  startTestApi,
  type TestApi,
} from '@threadkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** `threadkit import` as users run it: the compiled CLI in a child process, against the test site's Redis. */

const fixture = new URL('../../../tests/fixtures/import/disqus.xml', import.meta.url).pathname;
let api: TestApi;
let env: Record<string, string>;

beforeAll(async () => {
  await ensureBuilt();
  api = await startTestApi();
  env = { REDIS_URL: api.backend.server!.url };
}, 120_000);
afterAll(async () => {
  killCliChildren();
  await api?.stop();
});

async function run(args: string[]) {
  const running = launchCli(args, await cliEnv(env));
  const timer = setTimeout(() => running.child.kill('SIGKILL'), 60_000);
  const code = await running.exited;
  clearTimeout(timer);
  return { code, output: running.output() };
}

describe('threadkit import', () => {
  it('prints its options, and refuses an unknown format', async () => {
    const help = await run(['import', '--help']);
    expect(help.code).toBe(0);
    expect(help.output).toContain('--map old=new');
    expect(help.output).toContain('--dry-run');
    const unknown = await run(['import', 'blogger', fixture]);
    expect(unknown.code).toBe(1);
    expect(unknown.output).toContain('Usage: threadkit import <disqus|wordpress|remark42|isso|threadkit>');
  });

  it('dry-runs, then imports with a URL mapping from a CSV file, then finds everything in place', async () => {
    const csv = join(tmpdir(), `threadkit-map-${process.pid}.csv`);
    writeFileSync(
      csv,
      'old,new\nhttps://old.example.com/2019/closed,https://blog.example.com/moved/closed\n',
    );
    const dry = await run(['import', 'disqus', fixture, '--dry-run', '--map-csv', csv]);
    expect(dry.code, dry.output).toBe(0);
    expect(dry.output).toContain('Dry run: nothing was written.');
    expect(dry.output).toContain('comments: 7 would be written, 0 already there');
    expect(dry.output).toContain('1 × malformed XML (a post was skipped) (e.g. 109)');
    expect(dry.output).toMatch(/comments\/s, peak RSS \d+ MB/);
    const page = '/v1/comments?page_url=https%3A%2F%2Fblog.example.com%2Fmoved%2Fclosed';
    expect((await api.call({ method: 'GET', url: page })).json().total).toBe(0);

    const real = await run(['import', 'disqus', fixture, '--map-csv', csv]);
    expect(real.code, real.output).toBe(0);
    expect(real.output).toContain('Import finished.');
    expect(real.output).toContain('comments: 7 written, 0 already there');
    expect((await api.call({ method: 'GET', url: page })).json().total).toBe(1);

    const again = await run(['import', 'disqus', fixture, '--map-csv', csv]);
    expect(again.output).toContain('comments: 0 written, 7 already there');
    expect(again.output).toContain('authors:  0 written, 4 already there');
  });
});
