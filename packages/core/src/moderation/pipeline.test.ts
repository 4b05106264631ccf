import { forbidden, sitePlan } from '@threadkit/core';
import { moderationInput } from '@threadkit/testing';
import { describe, expect, it } from 'vitest';
import { createModerationPipeline, ModerationPipeline } from './pipeline.js';
import type { ModerationStep, Verdict } from './verdict.js';

/** A step that answers `verdict` and records that it ran. */
const fixed = (name: string, verdict: Verdict, ran: string[]): ModerationStep => ({
  name,
  check: async () => {
    ran.push(name);
    return verdict;
  },
});

describe('ModerationPipeline', () => {
  it('accepts when every step accepts, running all in order', async () => {
    const ran: string[] = [];
    const pipeline = new ModerationPipeline([
      fixed('a', { action: 'accept' }, ran),
      fixed('b', { action: 'accept' }, ran),
    ]);
    expect(await pipeline.check(moderationInput())).toEqual({ action: 'accept' });
    expect(ran).toEqual(['a', 'b']);
  });

  it('asks paid services only for sites whose plan has them, and for standalone sites (no plan)', async () => {
    const ran: string[] = [];
    const paid: ModerationStep = {
      ...fixed('paid', { action: 'hold', reason: 'paid: spam' }, ran),
      paid: true,
    };
    const pipeline = new ModerationPipeline([fixed('local', { action: 'accept' }, ran), paid]);
    const onPlan = (spamServices: boolean | null) => {
      const input = moderationInput();
      return {
        ...input,
        site: { ...input.site, plan: spamServices === null ? null : { ...sitePlan('free'), spamServices } },
      };
    };
    expect(await pipeline.check(onPlan(false))).toEqual({ action: 'accept' });
    expect(ran).toEqual(['local']);
    expect(await pipeline.check(onPlan(true))).toEqual({
      action: 'hold',
      reason: 'paid: spam',
      steps: ['paid'],
    });
    expect(await pipeline.check(onPlan(null))).toEqual({
      action: 'hold',
      reason: 'paid: spam',
      steps: ['paid'],
    });
    expect(ran).toEqual(['local', 'local', 'paid', 'local', 'paid']);
    expect(
      createModerationPipeline({ log: () => {} })
        .steps.filter((step) => step.paid)
        .map((step) => step.name),
    ).toEqual(['akismet', 'moderation_api']);
  });

  it('stops at the first refusal', async () => {
    const ran: string[] = [];
    const error = forbidden('no');
    const pipeline = new ModerationPipeline([
      fixed('a', { action: 'hold', reason: 'a: odd' }, ran),
      fixed('b', { action: 'reject', error }, ran),
      fixed('c', { action: 'reject', error: forbidden('other') }, ran),
    ]);
    expect(await pipeline.check(moderationInput())).toEqual({ action: 'reject', error, step: 'b' });
    expect(ran).toEqual(['a', 'b']);
  });

  it('holds with every reason when steps hold, still asking later steps', async () => {
    const ran: string[] = [];
    const pipeline = new ModerationPipeline([
      fixed('a', { action: 'hold', reason: 'a: odd' }, ran),
      fixed('b', { action: 'accept' }, ran),
      fixed('c', { action: 'hold', reason: 'c: odder' }, ran),
    ]);
    expect(await pipeline.check(moderationInput())).toEqual({
      action: 'hold',
      reason: 'a: odd; c: odder',
      steps: ['a', 'c'],
    });
    expect(ran).toEqual(['a', 'b', 'c']);
  });

  it('runs the standard steps cheapest first', () => {
    const pipeline = createModerationPipeline({ log: () => {} });
    expect(pipeline.steps.map((s) => s.name)).toEqual([
      'honeypot',
      'word_filter',
      'link_limit',
      'akismet',
      'moderation_api',
    ]);
  });

  it('with the default settings accepts an ordinary comment without calling out', async () => {
    const pipeline = createModerationPipeline({
      log: () => {},
      fetch: async () => {
        throw new Error('must not call out');
      },
    });
    expect(await pipeline.check(moderationInput({ form: { honeypot: '', elapsedMs: 10_000 } }))).toEqual({
      action: 'accept',
    });
  });
});
