import { forbidden } from '../errors.js';
import { callOut, type OutboundOptions, Unusable } from './outbound.js';
import { ACCEPT, hold, type ModerationStep, reject, type Verdict } from './verdict.js';

/**
 * An OpenAI-compatible moderation endpoint (`POST {base}/v1/moderations`, as
 * OpenAI's own or a self-hosted model behind the same API), when the site
 * turned `moderation_api_enabled` on. A flagged comment is held or refused as
 * `flagged_action` says; the hold reason names the flagged categories.
 */
export function openaiModeration(options: OutboundOptions): ModerationStep {
  const step = 'moderation_api';
  return {
    name: step,
    paid: true,
    async check(input) {
      const { settings } = input.site;
      if (!settings.moderation_api_enabled || !settings.moderation_api_url) return ACCEPT;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (settings.moderation_api_key) headers.authorization = `Bearer ${settings.moderation_api_key}`;
      const body: { model?: string; input: string } = { input: input.content };
      if (settings.moderation_api_model) body.model = settings.moderation_api_model;
      const verdict = await callOut(
        options,
        { site: input.site.id, step },
        { url: moderationsUrl(settings.moderation_api_url), headers, body: JSON.stringify(body) },
        (answer): Verdict => {
          const flagged = flaggedCategories(JSON.parse(answer.body));
          if (flagged === null) return ACCEPT;
          if (settings.flagged_action === 'reject')
            return reject(
              forbidden("Your comment was not posted: it goes against this site's content rules."),
            );
          return hold(`moderation_api: flagged${flagged.length ? ` (${flagged.join(', ')})` : ''}`);
        },
      );
      return verdict ?? ACCEPT;
    },
  };
}

/** `{base}/v1/moderations`, whether or not the configured base already ends in `/v1`. */
export function moderationsUrl(base: string): string {
  const trimmed = base.replace(/\/+$/, '');
  return `${trimmed}${trimmed.endsWith('/v1') ? '' : '/v1'}/moderations`;
}

/** Null when nothing was flagged; else the flagged categories (possibly none named). */
function flaggedCategories(answer: unknown): string[] | null {
  const results = (answer as { results?: unknown } | null)?.results;
  if (!Array.isArray(results) || results.length === 0) throw new Unusable('answered without results');
  let flagged = false;
  const categories = new Set<string>();
  for (const result of results as { flagged?: unknown; categories?: unknown }[]) {
    if (typeof result?.flagged !== 'boolean') throw new Unusable('answered a result without "flagged"');
    if (!result.flagged) continue;
    flagged = true;
    if (result.categories && typeof result.categories === 'object') {
      for (const [name, on] of Object.entries(result.categories)) if (on === true) categories.add(name);
    }
  }
  return flagged ? [...categories] : null;
}
