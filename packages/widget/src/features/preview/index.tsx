import { useEffect, useState } from 'preact/hooks';
import type { ApiError } from '../../api.js';
import { useFeatureStrings } from '../../i18n/feature.js';
import type { FeatureContext } from '../context.js';
import { loaders, type PreviewStrings } from './i18n/index.js';
import styles from './preview.css?inline';

interface PreviewProps {
  ctx: FeatureContext;
  text: string;
}

/** Waits this long after the last change before asking the server, so typing does not send a request per key. */
export const PREVIEW_DELAY_MS = 250;

type Failure = keyof PreviewStrings['errors'];

/** The rendered preview of one text, or why there is none. */
type Shown = { text: string; html: string } | { text: string; failure: Failure };

/**
 * The comment as it will look once posted: the server renders and sanitises the
 * Markdown with the same pipeline as posting (`POST /v1/comments/preview`), so
 * what the preview shows is exactly what readers will see.
 */
export function Preview({ ctx, text }: PreviewProps) {
  const words = useFeatureStrings('preview', loaders, ctx.lang, ctx.overrides);
  const [shown, setShown] = useState<Shown | null>(null);
  const blank = text.trim() === '';

  useEffect(() => {
    if (blank || shown?.text === text) return;
    let current = true;
    const timer = setTimeout(() => {
      ctx.api
        .call<{ html: string }>('POST', '/v1/comments/preview', { content: text })
        .then(
          ({ html }) => ({ text, html }),
          (error: unknown) => ({ text, failure: failureOf(error) }),
        )
        .then((next) => current && setShown(next));
    }, PREVIEW_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [text]);

  const result = shown?.text === text ? shown : null;
  return (
    <section class="tk-preview" aria-label={words?.label} aria-live="polite" aria-busy={!blank && !result}>
      <style>{styles}</style>
      {!words ? null : blank ? (
        <p class="tk-muted">{words.empty}</p>
      ) : !result ? (
        <p class="tk-muted">{words.loading}</p>
      ) : 'failure' in result ? (
        <p class="tk-error" role="alert">
          {words.errors[result.failure]}
        </p>
      ) : (
        // Sanitised by the server with the same allow-list as every comment body.
        <div class="tk-body" dangerouslySetInnerHTML={{ __html: result.html }} />
      )}
    </section>
  );
}

/** Plain words for why the server gave no preview. */
function failureOf(error: unknown): Failure {
  const { status, code } = (error ?? {}) as Partial<ApiError>;
  if (code === 'invalid_request' || status === 413) return 'tooLong';
  if (status === 429) return 'busy';
  if (status === 0) return 'offline';
  return 'failed';
}
