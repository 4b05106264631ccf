import type { ThreadKitError } from '../errors.js';
import type { PageRef } from '../page-identity.js';
import type { Site, User } from '../types.js';

/**
 * What one moderation step (or the whole pipeline) decides about a new comment:
 * publish it, hold it for a moderator (saying why), or refuse it with an error.
 */
export type Verdict =
  | { action: 'accept' }
  | { action: 'hold'; reason: string }
  | { action: 'reject'; error: ThreadKitError };

/**
 * What the whole pipeline decides: a step's verdict, naming the steps behind a
 * hold (every one that held) or a refusal (the one that refused), which usage
 * counts per step.
 */
export type PipelineVerdict =
  | { action: 'accept' }
  | { action: 'hold'; reason: string; steps: string[] }
  | { action: 'reject'; error: ThreadKitError; step: string };

/** Where the comment came from, for the spam services (never stored). */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
  referrer: string | null;
}

/** Bot signals the widget sends with a guest's comment (see the honeypot step). */
export interface FormSignals {
  /** The hidden honeypot field: people leave it empty. */
  honeypot?: string | undefined;
  /** Milliseconds from the first focus in the comment form (or its showing) to sending. */
  elapsedMs?: number | undefined;
}

/** Everything a step may look at: the comment as it will be stored, its author and request. */
export interface ModerationInput {
  site: Site;
  author: User;
  page: PageRef;
  /** The Markdown source, trimmed. */
  content: string;
  /** The sanitised HTML rendered from it. */
  html: string;
  parentId: string | null;
  client: ClientInfo;
  form: FormSignals;
}

/** One small check of the pipeline; the name appears in hold reasons and log lines. */
export interface ModerationStep {
  readonly name: string;
  /** A paid outside service: asked only for sites whose plan allows them (SaaS) or with no plan (standalone). */
  readonly paid?: boolean;
  check(input: ModerationInput): Promise<Verdict>;
}

export const ACCEPT = Object.freeze({ action: 'accept' as const });
export const hold = (reason: string): Verdict => ({ action: 'hold', reason });
export const reject = (error: ThreadKitError): Verdict => ({ action: 'reject', error });
