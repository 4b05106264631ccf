import { useFeatureStrings } from '../../i18n/feature.js';
import type { FeatureContext } from '../context.js';
import { loaders, type ModerationStrings } from './i18n/index.js';

/** The moderation tools' words; null while they load. */
export function useModerationStrings(ctx: FeatureContext): ModerationStrings | null {
  return useFeatureStrings('moderation', loaders, ctx.lang, ctx.overrides);
}
