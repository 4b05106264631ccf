import { useState } from 'preact/hooks';
import { ApiError } from '../../api.js';
import { useFeatureStrings } from '../../i18n/feature.js';
import type { FeatureContext } from '../context.js';
import { loaders } from './i18n/index.js';

/** Why a reader reports a comment (`api.md`, the report route). */
const REASONS = ['spam', 'harassment', 'hate_speech', 'misinformation', 'other'] as const;
type Reason = (typeof REASONS)[number];

interface Props {
  ctx: FeatureContext;
  commentId: string;
  onClose(): void;
}

/** Reporting a comment to the site's moderators, with a reason; thanks the reader once sent. */
export function ReportForm({ ctx, commentId, onClose }: Props) {
  const words = useFeatureStrings('reportForm', loaders, ctx.lang, ctx.overrides);
  const [reason, setReason] = useState<Reason>('spam');
  const [state, setState] = useState<'open' | 'sending' | 'sent' | 'failed'>('open');
  if (!words) return null;
  if (state === 'sent') {
    return (
      <p class="tk-muted" role="status">
        {words.thanks}
      </p>
    );
  }
  const send = async (event: Event) => {
    event.preventDefault();
    setState('sending');
    try {
      await ctx.api.call('POST', `/v1/comments/${encodeURIComponent(commentId)}/report`, { reason });
      setState('sent');
    } catch (error) {
      // Reported before (from another tab or device): the report stands.
      setState(error instanceof ApiError && error.code === 'conflict' ? 'sent' : 'failed');
    }
  };
  return (
    <form class="tk-row" onSubmit={send}>
      <label>
        {words.question}{' '}
        <select
          value={reason}
          onChange={(event) => setReason((event.target as HTMLSelectElement).value as Reason)}
        >
          {REASONS.map((value) => (
            <option key={value} value={value}>
              {words.reasons[value]}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={state === 'sending'}>
        {words.send}
      </button>
      <button type="button" onClick={onClose}>
        {ctx.t.cancel}
      </button>
      {state === 'failed' && (
        <p role="alert" class="tk-muted">
          {ctx.t.error}
        </p>
      )}
    </form>
  );
}
