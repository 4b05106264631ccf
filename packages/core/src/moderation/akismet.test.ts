import {
  AKISMET_SPAM_AUTHOR,
  type AkismetDouble,
  freePort,
  moderationInput,
  startAkismetDouble,
} from '@threadkit/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { egressPolicy } from '../egress/addresses.js';
import type { SiteSettings } from '../types.js';
import { akismet } from './akismet.js';
import type { OutageLog } from './outbound.js';

/** The doubles listen on this machine, which the operator would allow (`OUTBOUND_ALLOW_PRIVATE`). */
const THIS_MACHINE = egressPolicy(['127.0.0.1']);

describe('Akismet step, against a local server speaking its API', () => {
  let double: AkismetDouble;
  let logged: { fields: Parameters<OutageLog>[0]; message: string }[];
  const log: OutageLog = (fields, message) => logged.push({ fields, message });

  beforeAll(async () => {
    double = await startAkismetDouble();
  });
  afterAll(() => double.stop());
  beforeEach(() => {
    logged = [];
    double.checks.length = 0;
    double.decide = () => 'ham';
  });

  const on = (extra: Partial<SiteSettings> = {}): Partial<SiteSettings> => ({
    akismet_enabled: true,
    akismet_key: double.apiKey,
    ...extra,
  });
  const step = (options: { timeoutMs?: number; apiUrl?: string } = {}) =>
    akismet({ apiUrl: double.url, log, egress: THIS_MACHINE, ...options });

  it('asks nothing while it is off or has no key', async () => {
    expect(await step().check(moderationInput({ settings: { akismet_key: double.apiKey } }))).toEqual({
      action: 'accept',
    });
    expect(await step().check(moderationInput({ settings: { akismet_enabled: true } }))).toEqual({
      action: 'accept',
    });
    expect(double.checks).toEqual([]);
  });

  it('sends the documented comment-check fields, form-encoded', async () => {
    const input = moderationInput({
      content: 'Nice post!',
      settings: on(),
      author: { name: 'Ada', guest: false, email: 'ada@example.com' },
      client: { ip: '198.51.100.4', userAgent: 'Firefox/140', referrer: 'https://blog.example.com/hello' },
    });
    expect(await step().check(input)).toEqual({ action: 'accept' });
    expect(double.checks).toHaveLength(1);
    expect(double.checks[0]!.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(double.checks[0]!.form).toMatchObject({
      api_key: double.apiKey,
      blog: 'https://blog.example.com',
      user_ip: '198.51.100.4',
      user_agent: 'Firefox/140',
      referrer: 'https://blog.example.com/hello',
      permalink: 'https://blog.example.com/hello',
      comment_type: 'comment',
      comment_author: 'Ada',
      comment_author_email: 'ada@example.com',
      comment_content: 'Nice post!',
      blog_charset: 'UTF-8',
    });
  });

  it("uses the page's origin as the blog when the site has no domain", async () => {
    await step().check(
      moderationInput({ settings: on(), site: { domain: null }, pageUrl: 'https://x.example.org/a' }),
    );
    expect(double.checks[0]!.form.blog).toBe('https://x.example.org');
  });

  it('holds spam by default, naming Akismet', async () => {
    double.decide = (form) => (form.comment_author === AKISMET_SPAM_AUTHOR ? 'spam' : 'ham');
    const verdict = await step().check(
      moderationInput({ settings: on(), author: { name: AKISMET_SPAM_AUTHOR } }),
    );
    expect(verdict).toEqual({ action: 'hold', reason: 'akismet: spam' });
  });

  it('refuses spam when flagged_action is reject', async () => {
    double.decide = () => 'spam';
    const verdict = await step().check(moderationInput({ settings: on({ flagged_action: 'reject' }) }));
    expect(verdict.action).toBe('reject');
    if (verdict.action === 'reject') expect(verdict.error).toMatchObject({ code: 'forbidden', status: 403 });
  });

  it('always refuses blatant spam (pro-tip: discard)', async () => {
    double.decide = () => 'discard';
    const verdict = await step().check(moderationInput({ settings: on({ flagged_action: 'hold' }) }));
    expect(verdict.action).toBe('reject');
    expect(logged).toEqual([]);
  });

  it('fails open on a 500, with one log line naming the site and the step', async () => {
    double.decide = () => 'error';
    const input = moderationInput({ settings: on() });
    expect(await step().check(input)).toEqual({ action: 'accept' });
    expect(logged).toHaveLength(1);
    expect(logged[0]!.fields).toMatchObject({ site: input.site.id, step: 'akismet', status: 500 });
  });

  it('fails open on a wrong key, and never logs the key', async () => {
    const input = moderationInput({ settings: on({ akismet_key: 'wrong0key123' }) });
    expect(await step().check(input)).toEqual({ action: 'accept' });
    expect(double.checks[0]!.answer).toBe('invalid');
    expect(logged).toHaveLength(1);
    expect(logged[0]!.fields).toMatchObject({ site: input.site.id, step: 'akismet' });
    expect(logged[0]!.fields.detail).toContain('invalid');
    expect(JSON.stringify(logged)).not.toContain('wrong0key123');
  });

  it('fails open when Akismet does not answer in time', async () => {
    double.decide = () => 'hang';
    expect(await step({ timeoutMs: 200 }).check(moderationInput({ settings: on() }))).toEqual({
      action: 'accept',
    });
    expect(double.checks).toHaveLength(1);
    expect(logged).toHaveLength(1);
    expect(logged[0]!.fields).toMatchObject({ step: 'akismet' });
    expect((logged[0]!.fields.err as Error).name).toBe('TimeoutError');
  });

  it('fails open when Akismet is unreachable', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    expect(await step({ apiUrl: closed }).check(moderationInput({ settings: on() }))).toEqual({
      action: 'accept',
    });
    expect(logged).toHaveLength(1);
    expect(logged[0]!.fields.err).toBeInstanceOf(Error);
  });

  it('fails open on an injected client that throws, without calling out', async () => {
    const failing = akismet({
      log,
      fetch: async () => {
        throw new Error('no network');
      },
    });
    expect(await failing.check(moderationInput({ settings: on() }))).toEqual({ action: 'accept' });
    expect(logged.map((l) => l.fields.step)).toEqual(['akismet']);
  });
});
