import { useFeatureStrings } from '../../i18n/feature.js';
import type { FeatureContext } from '../context.js';
import { type AccountStrings, loaders } from './i18n/index.js';

/** The account feature's words in the widget's language (null while they load). */
export function useAccountStrings(ctx: FeatureContext): AccountStrings | null {
  return useFeatureStrings('account', loaders, ctx.lang, ctx.overrides);
}

/** What a dialog shows when its content could not be fetched: the reason in plain words, and a retry. */
export function LoadFailed({ message, retry, onRetry }: { message: string; retry: string; onRetry(): void }) {
  return (
    <div role="alert" class="tk-row">
      <p class="tk-error">{message}</p>
      <button type="button" onClick={onRetry}>
        {retry}
      </button>
    </div>
  );
}
