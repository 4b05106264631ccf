import { newId } from '@threadkit/core';
import { and, eq, gt, inArray, isNull } from 'drizzle-orm';
import type { Database } from '../db/database';
import { ownerTokens, type TokenPurpose } from '../db/schema';
import { digestOf, newSecret } from './secrets';

/** How long each kind of e-mailed link works. */
export const TOKEN_LIFETIME_MS: Record<TokenPurpose, number> = {
  verify_email: 24 * 3600 * 1000,
  reset_password: 3600 * 1000,
  change_email: 24 * 3600 * 1000,
};

export interface ConsumedToken {
  ownerId: string;
  purpose: TokenPurpose;
  email: string;
}

/**
 * The secrets e-mailed links carry: each proves an address for one purpose,
 * works once, and expires. Issuing one replaces the owner's earlier ones of the
 * same purpose, so only the newest link works.
 */
export class OneTimeTokens {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  async issue(ownerId: string, purpose: TokenPurpose, email: string): Promise<string> {
    const secret = newSecret();
    const now = this.now();
    await this.db.transaction(async (tx) => {
      await tx
        .delete(ownerTokens)
        .where(and(eq(ownerTokens.ownerId, ownerId), eq(ownerTokens.purpose, purpose)));
      await tx.insert(ownerTokens).values({
        id: newId(),
        ownerId,
        purpose,
        tokenHash: digestOf(secret),
        email,
        createdAt: new Date(now),
        expiresAt: new Date(now + TOKEN_LIFETIME_MS[purpose]),
      });
    });
    return secret;
  }

  /** Uses a token up: what it proves, or null when it is unknown, used, expired or for another purpose. */
  async consume(secret: string, purposes: readonly TokenPurpose[]): Promise<ConsumedToken | null> {
    const now = new Date(this.now());
    const [row] = await this.db
      .update(ownerTokens)
      .set({ usedAt: now })
      .where(
        and(
          eq(ownerTokens.tokenHash, digestOf(secret)),
          inArray(ownerTokens.purpose, [...purposes]),
          isNull(ownerTokens.usedAt),
          gt(ownerTokens.expiresAt, now),
        ),
      )
      .returning({ ownerId: ownerTokens.ownerId, purpose: ownerTokens.purpose, email: ownerTokens.email });
    return row ?? null;
  }
}
