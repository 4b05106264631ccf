/**
 * What the services tell usage metering (`UsageMeter` implements it): each
 * call only adds to a counter in memory, so recording costs no Redis call.
 * Services take the part they need, optionally: without one, nothing is counted.
 */
export interface UsageRecorder {
  /** A vote cast or changed (not a removal). */
  recordVote(siteId: string): void;
  /** A report of a comment, accepted. */
  recordReport(siteId: string): void;
  /** A new commenter identity: a guest created, or an account that did not exist before. */
  recordNewCommenter(siteId: string): void;
  /** A new comment stored held for review: by these spam steps, or by `premoderation`. */
  recordHeld(siteId: string, steps: readonly string[]): void;
  /** A new comment refused by a spam step. */
  recordRefused(siteId: string, step: string): void;
  /** A moderator's decision on one comment. */
  recordDecision(siteId: string, action: 'approve' | 'reject'): void;
}
