import { akismet } from './akismet.js';
import { honeypot } from './honeypot.js';
import { linkLimit } from './link-limit.js';
import { openaiModeration } from './openai-moderation.js';
import type { OutboundOptions } from './outbound.js';
import { ACCEPT, type ModerationInput, type ModerationStep, type PipelineVerdict } from './verdict.js';
import { wordFilter } from './word-filter.js';

/**
 * The spam and abuse checks a new comment passes, in order. The strictest
 * verdict wins: the first refusal stops the run (later steps, such as paid
 * outside services, are not asked); holds are collected, so a moderator sees
 * every reason.
 */
export class ModerationPipeline {
  constructor(readonly steps: readonly ModerationStep[]) {}

  async check(input: ModerationInput): Promise<PipelineVerdict> {
    const reasons: string[] = [];
    const steps: string[] = [];
    const paidAllowed = input.site.plan?.spamServices ?? true;
    for (const step of this.steps) {
      if (step.paid && !paidAllowed) continue;
      const verdict = await step.check(input);
      if (verdict.action === 'reject') return { ...verdict, step: step.name };
      if (verdict.action === 'hold') {
        reasons.push(verdict.reason);
        steps.push(step.name);
      }
    }
    return reasons.length > 0 ? { action: 'hold', reason: reasons.join('; '), steps } : ACCEPT;
  }
}

/** The standard order: local checks first (free, and a bot refused early costs no outside call). */
export function createModerationPipeline(
  options: OutboundOptions & { akismetUrl?: string },
): ModerationPipeline {
  const { akismetUrl, ...outbound } = options;
  return new ModerationPipeline([
    honeypot(),
    wordFilter(),
    linkLimit(),
    akismet({ ...outbound, ...(akismetUrl ? { apiUrl: akismetUrl } : {}) }),
    openaiModeration(outbound),
  ]);
}
