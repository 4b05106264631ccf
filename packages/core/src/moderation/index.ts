// The package's view of the spam and abuse checks: the pipeline, its steps and their types.
export { AKISMET_API_URL, akismet, commentCheckForm } from './akismet.js';
export { honeypot } from './honeypot.js';
export { countLinks, linkLimit } from './link-limit.js';
export { moderationsUrl, openaiModeration } from './openai-moderation.js';
export { DEFAULT_TIMEOUT_MS, type OutageLog, type OutboundOptions } from './outbound.js';
export { createModerationPipeline, ModerationPipeline } from './pipeline.js';
export type {
  ClientInfo,
  FormSignals,
  ModerationInput,
  ModerationStep,
  PipelineVerdict,
  Verdict,
} from './verdict.js';
export { wordFilter } from './word-filter.js';
