import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { startTestApi, type TestApi } from '@threadkit/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

/**
 * The README's "Try the API" block, run as written by bash with curl and jq
 * against a real server on its own Redis: every step must succeed.
 */

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The first shell block under the heading. */
function shellBlock(heading: string): string {
  const section = readme.slice(readme.indexOf(`\n${heading}\n`));
  const block = /\n```sh\n([\s\S]*?)\n```\n/.exec(section)?.[1];
  if (!block) throw new Error(`no shell block under "${heading}"`);
  return block;
}

let api: TestApi;
let base: string;

beforeAll(async () => {
  api = await startTestApi();
  base = await api.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await api?.app.close();
  await api?.stop();
});

it('runs the "Try the API" block against a real server, every step succeeding', async () => {
  const block = shellBlock('## Try the API');
  // The variables the block takes, and its placeholders for them.
  for (const [name, placeholder] of [
    ['BASE', 'http://localhost:8080'],
    ['KEY', 'tk_pub_...'],
    ['SECRET', 'tk_sec_...'],
  ]) {
    expect(block).toContain(`${name}=\${${name}:-${placeholder}}`);
  }

  // Strict mode, which a pasted block should not switch on: any failing step ends the run.
  // A failing step fails the run (execFile rejects with its output); a passing one writes no error.
  const { stdout, stderr } = await promisify(execFile)(
    'bash',
    ['--norc', '--noprofile', '-euo', 'pipefail', '-c', `${block}\necho "ids $ID $REPLY"`],
    {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        BASE: base,
        KEY: api.site.publicKey,
        SECRET: api.site.secretKey,
      },
      timeout: 30_000,
      killSignal: 'SIGKILL',
    },
  );
  expect(stderr, stdout).toBe('');

  const [id, reply] = /^ids (\S+) (\S+)$/m.exec(stdout)!.slice(1) as [string, string];
  expect(id).toMatch(/^[0-3][0-9A-Za-z_-]{21}$/);
  expect(reply).toMatch(/^[0-3][0-9A-Za-z_-]{21}$/);
  // One JSON answer per line from the calls that answer with a body (a report and a delete have none).
  const answers = stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(answers).toHaveLength(6);
  const [thread, counts, edited, vote, pin, reports] = answers;
  expect(thread).toMatchObject({ total: 2 });
  expect(counts).toEqual({ counts: { [`${base}/hello`]: 2, [`${base}/other`]: 0 } });
  expect(edited).toMatchObject({ comment: { i: id, t: 'Edited' } });
  expect(vote).toEqual({ upvotes: 1, downvotes: 0, user_vote: 'up' });
  expect(pin).toEqual({ comment_id: id, pinned: true });
  expect(reports).toMatchObject({
    total: 1,
    reports: [{ comment: { i: id }, count: 1, reports: [{ reason: 'other', details: 'Only a test' }] }],
  });

  // What the steps did, read back as a reader would.
  const final = await api.call({
    method: 'GET',
    url: `/v1/comments?page_url=${encodeURIComponent(`${base}/hello`)}`,
  });
  expect(final.statusCode, final.body).toBe(200);
  const body = final.json();
  expect(body.pinned).toEqual([id]);
  expect(body.total).toBe(1);
});
