import { newId } from '@threadkit/core';
import { and, desc, eq, gt, lte, ne } from 'drizzle-orm';
import type { Database } from '../db/database';
import { ownerSessions, owners } from '../db/schema';
import { digestOf, newSecret } from './secrets';

/** How long a dashboard session lasts without being used. */
export const SESSION_IDLE_MS = 30 * 24 * 3600 * 1000;
/** Last-seen times are written at most this often: a page view is not a write. */
const TOUCH_EVERY_MS = 5 * 60 * 1000;

export interface ClientInfo {
  ip: string;
  userAgent: string;
}

export type Owner = typeof owners.$inferSelect;
export type OwnerSession = typeof ownerSessions.$inferSelect;

/** A session as the owner's account page lists it: never its token. */
export interface SessionSummary {
  id: string;
  userAgent: string;
  ip: string;
  createdAt: Date;
  lastSeenAt: Date;
}

/**
 * Dashboard sessions: a random token in an HttpOnly cookie, kept in Postgres as
 * its digest, with a CSRF token of its own that every form carries. A session
 * expires after 30 days without use.
 */
export class OwnerSessions {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts a session; the token is returned once and never stored. */
  async start(ownerId: string, client: ClientInfo): Promise<{ token: string; session: OwnerSession }> {
    const token = newSecret();
    const now = this.now();
    const [session] = await this.db
      .insert(ownerSessions)
      .values({
        id: newId(),
        ownerId,
        tokenHash: digestOf(token),
        csrfToken: newSecret(),
        userAgent: client.userAgent.slice(0, 300),
        ip: client.ip,
        createdAt: new Date(now),
        lastSeenAt: new Date(now),
        expiresAt: new Date(now + SESSION_IDLE_MS),
      })
      .returning();
    return { token, session: session! };
  }

  /** The owner and session a cookie's token stands for, or null when it is unknown or expired. */
  async authenticate(token: string): Promise<{ owner: Owner; session: OwnerSession } | null> {
    const now = this.now();
    const [row] = await this.db
      .select({ owner: owners, session: ownerSessions })
      .from(ownerSessions)
      .innerJoin(owners, eq(owners.id, ownerSessions.ownerId))
      .where(and(eq(ownerSessions.tokenHash, digestOf(token)), gt(ownerSessions.expiresAt, new Date(now))));
    if (!row) return null;
    if (now - row.session.lastSeenAt.getTime() >= TOUCH_EVERY_MS) {
      const lastSeenAt = new Date(now);
      const expiresAt = new Date(now + SESSION_IDLE_MS);
      await this.db
        .update(ownerSessions)
        .set({ lastSeenAt, expiresAt })
        .where(eq(ownerSessions.id, row.session.id));
      row.session = { ...row.session, lastSeenAt, expiresAt };
    }
    return row;
  }

  /** Ends the session a token stands for (signing out). */
  async end(token: string): Promise<void> {
    await this.db.delete(ownerSessions).where(eq(ownerSessions.tokenHash, digestOf(token)));
  }

  /** Ends one of the owner's sessions; false when it was not theirs or is gone. */
  async endOne(ownerId: string, sessionId: string): Promise<boolean> {
    const ended = await this.db
      .delete(ownerSessions)
      .where(and(eq(ownerSessions.id, sessionId), eq(ownerSessions.ownerId, ownerId)))
      .returning({ id: ownerSessions.id });
    return ended.length > 0;
  }

  /** Ends every session of the owner but `keep` (the one that asked, when there is one). */
  async endAll(ownerId: string, keep?: string): Promise<void> {
    await this.db
      .delete(ownerSessions)
      .where(
        keep === undefined
          ? eq(ownerSessions.ownerId, ownerId)
          : and(eq(ownerSessions.ownerId, ownerId), ne(ownerSessions.id, keep)),
      );
  }

  /** The owner's live sessions, the most recently used first; expired ones are removed on the way. */
  async list(ownerId: string): Promise<SessionSummary[]> {
    const now = new Date(this.now());
    await this.db
      .delete(ownerSessions)
      .where(and(eq(ownerSessions.ownerId, ownerId), lte(ownerSessions.expiresAt, now)));
    return this.db
      .select({
        id: ownerSessions.id,
        userAgent: ownerSessions.userAgent,
        ip: ownerSessions.ip,
        createdAt: ownerSessions.createdAt,
        lastSeenAt: ownerSessions.lastSeenAt,
      })
      .from(ownerSessions)
      .where(eq(ownerSessions.ownerId, ownerId))
      .orderBy(desc(ownerSessions.lastSeenAt));
  }
}
