import { ThreadKitError } from '@threadkit/core';
import { lt, sql } from 'drizzle-orm';
import type { Database } from '../db/database';
import { addressAttempts } from '../db/schema';

/** What an address may try, and how often: beside the per-account lockout, against spraying many accounts. */
export const ADDRESS_LIMITS = {
  sign_in: { max: 20, windowMs: 15 * 60 * 1000 },
  sign_up: { max: 10, windowMs: 60 * 60 * 1000 },
  reset_password: { max: 5, windowMs: 60 * 60 * 1000 },
} as const;

export type LimitedAction = keyof typeof ADDRESS_LIMITS;

/** How many counts between two sweeps of finished windows. */
const SWEEP_EVERY = 500;
const LONGEST_WINDOW_MS = Math.max(...Object.values(ADDRESS_LIMITS).map((l) => l.windowMs));

/**
 * Attempts per client address, in fixed windows kept in the database, so
 * that every dashboard instance counts the same attempts. Each attempt is one
 * statement: it counts and reads at once.
 */
export class AddressLimits {
  private sinceSweep = 0;

  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts an attempt; refuses it (429, with when to try again) once the address has used its window. */
  async attempt(action: LimitedAction, address: string): Promise<void> {
    // Without an address (a misconfigured proxy) there is nothing to tell callers apart by.
    if (!address) return;
    const { max, windowMs } = ADDRESS_LIMITS[action];
    const now = new Date(this.now());
    const expired = new Date(now.getTime() - windowMs);
    const fresh = sql`${addressAttempts.windowStart} <= ${expired.toISOString()}::timestamptz`;
    const [row] = await this.db
      .insert(addressAttempts)
      .values({ key: `${action} ${address}`, windowStart: now, count: 1 })
      .onConflictDoUpdate({
        target: addressAttempts.key,
        set: {
          count: sql`CASE WHEN ${fresh} THEN 1 ELSE ${addressAttempts.count} + 1 END`,
          windowStart: sql`CASE WHEN ${fresh} THEN ${now.toISOString()}::timestamptz ELSE ${addressAttempts.windowStart} END`,
        },
      })
      .returning();
    if (++this.sinceSweep >= SWEEP_EVERY) {
      this.sinceSweep = 0;
      await this.db
        .delete(addressAttempts)
        .where(lt(addressAttempts.windowStart, new Date(now.getTime() - LONGEST_WINDOW_MS)));
    }
    if (row && row.count > max) {
      const retryAfter = Math.ceil((row.windowStart.getTime() + windowMs - now.getTime()) / 1000);
      throw new ThreadKitError('rate_limited', 'Too many attempts from your network.', { retryAfter });
    }
  }
}
