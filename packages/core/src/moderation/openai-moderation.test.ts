import {
  freePort,
  type ModerationApiDouble,
  moderationInput,
  startModerationApiDouble,
} from '@threadkit/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { egressPolicy } from '../egress/addresses.js';
import type { SiteSettings } from '../types.js';
import { moderationsUrl, openaiModeration } from './openai-moderation.js';
import type { OutageLog } from './outbound.js';

/** The doubles listen on this machine, which the operator would allow (`OUTBOUND_ALLOW_PRIVATE`). */
const THIS_MACHINE = egressPolicy(['127.0.0.1']);

describe('moderationsUrl', () => {
  it.each([
    ['https://api.openai.com', 'https://api.openai.com/v1/moderations'],
    ['https://api.openai.com/', 'https://api.openai.com/v1/moderations'],
    ['https://api.openai.com/v1', 'https://api.openai.com/v1/moderations'],
    ['https://gw.example.com/openai/v1/', 'https://gw.example.com/openai/v1/moderations'],
  ])('%s → %s', (base, url) => {
    expect(moderationsUrl(base)).toBe(url);
  });
});

describe('OpenAI-compatible moderation step, against a local server speaking the API', () => {
  let double: ModerationApiDouble;
  let logged: { fields: Parameters<OutageLog>[0]; message: string }[];
  const log: OutageLog = (fields, message) => logged.push({ fields, message });
  const step = (timeoutMs?: number) =>
    openaiModeration({ log, egress: THIS_MACHINE, ...(timeoutMs ? { timeoutMs } : {}) });

  beforeAll(async () => {
    double = await startModerationApiDouble();
  });
  afterAll(() => double.stop());
  beforeEach(() => {
    logged = [];
    double.requests.length = 0;
    double.decide = (input) => ({ flagged: /hate you/i.test(input) ? ['harassment', 'hate'] : [] });
  });

  const on = (extra: Partial<SiteSettings> = {}): Partial<SiteSettings> => ({
    moderation_api_enabled: true,
    moderation_api_url: double.url,
    moderation_api_key: double.apiKey,
    ...extra,
  });

  it('asks nothing while it is off', async () => {
    expect(await step().check(moderationInput({ settings: on({ moderation_api_enabled: false }) }))).toEqual({
      action: 'accept',
    });
    expect(double.requests).toEqual([]);
  });

  it('sends the model and the comment with the bearer key, and accepts what is not flagged', async () => {
    const verdict = await step().check(moderationInput({ content: 'Lovely article', settings: on() }));
    expect(verdict).toEqual({ action: 'accept' });
    expect(double.requests).toEqual([
      {
        authorization: `Bearer ${double.apiKey}`,
        body: { model: 'omni-moderation-latest', input: 'Lovely article' },
      },
    ]);
  });

  it('leaves out the model when none is set', async () => {
    await step().check(moderationInput({ settings: on({ moderation_api_model: '' }) }));
    expect(double.requests[0]!.body).toEqual({ input: 'A perfectly ordinary comment.' });
  });

  it('holds a flagged comment, naming the categories', async () => {
    const verdict = await step().check(moderationInput({ content: 'I hate you', settings: on() }));
    expect(verdict).toEqual({ action: 'hold', reason: 'moderation_api: flagged (harassment, hate)' });
  });

  it('refuses a flagged comment when flagged_action is reject', async () => {
    const verdict = await step().check(
      moderationInput({ content: 'I hate you', settings: on({ flagged_action: 'reject' }) }),
    );
    expect(verdict.action).toBe('reject');
    if (verdict.action === 'reject') expect(verdict.error).toMatchObject({ code: 'forbidden', status: 403 });
  });

  it('fails open on a wrong key (401), logging the site and step but not the key', async () => {
    const input = moderationInput({
      content: 'I hate you',
      settings: on({ moderation_api_key: 'sk-wrong-key-42' }),
    });
    expect(await step().check(input)).toEqual({ action: 'accept' });
    expect(logged).toHaveLength(1);
    expect(logged[0]!.fields).toMatchObject({ site: input.site.id, step: 'moderation_api', status: 401 });
    expect(JSON.stringify(logged)).not.toContain('sk-wrong-key-42');
  });

  it('fails open on a 500', async () => {
    double.decide = () => 'error';
    expect(await step().check(moderationInput({ settings: on() }))).toEqual({ action: 'accept' });
    expect(logged.map((l) => l.fields)).toEqual([
      expect.objectContaining({ step: 'moderation_api', status: 500 }),
    ]);
  });

  it('fails open on an answer it cannot read', async () => {
    const odd = openaiModeration({
      log,
      fetch: async () => ({ status: 200, headers: new Headers(), text: async () => '{"results":[]}' }),
    });
    expect(await odd.check(moderationInput({ settings: on() }))).toEqual({ action: 'accept' });
    expect(logged).toHaveLength(1);
    expect(logged[0]!.fields.detail).toContain('without results');
  });

  it('fails open when the endpoint does not answer in time', async () => {
    double.decide = () => 'hang';
    expect(await step(200).check(moderationInput({ settings: on() }))).toEqual({ action: 'accept' });
    expect(logged).toHaveLength(1);
    expect((logged[0]!.fields.err as Error).name).toBe('TimeoutError');
  });

  it('fails open when the endpoint is down', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    expect(await step().check(moderationInput({ settings: on({ moderation_api_url: closed }) }))).toEqual({
      action: 'accept',
    });
    expect(logged).toHaveLength(1);
    expect(logged[0]!.fields).toMatchObject({ step: 'moderation_api' });
  });
});
