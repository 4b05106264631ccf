import { forbidden, invalid, loginOf, type Mailer, newId } from '@threadkit/core';
import { and, asc, eq, gt, isNull } from 'drizzle-orm';
import type { Database } from '../db/database';
import { siteInvites } from '../db/schema';
import { invitationEmail } from '../owners/emails';
import { digestOf, newSecret } from '../owners/secrets';
import type { Owner } from '../owners/sessions';
import type { Sites } from './sites';

/** How long an invitation to co-own a site can be accepted. */
export const INVITATION_LIFETIME_MS = 7 * 24 * 3600 * 1000;

export interface PendingInvitation {
  id: string;
  email: string;
  createdAt: Date;
  expiresAt: Date;
}

/**
 * Invitations to co-own a site. The link goes to the invited address, and only
 * an owner signed in with that address, verified, can accept it: a forwarded
 * link makes nobody an owner.
 */
export class Invitations {
  constructor(
    private readonly deps: {
      db: Database;
      sites: Sites;
      mailer: Mailer;
      link: (path: string) => string;
      now?: () => number;
    },
  ) {}

  private get now(): number {
    return (this.deps.now ?? Date.now)();
  }

  async invite(owner: Owner, siteId: string, input: { email: string }): Promise<PendingInvitation> {
    const site = await this.deps.sites.get(owner.id, siteId);
    const email = loginOf({ email: input.email }).value;
    if (email === owner.email) throw invalid('email', 'You own this site already.');
    const secret = newSecret();
    const now = this.now;
    const [row] = await this.deps.db
      .insert(siteInvites)
      .values({
        id: newId(),
        siteId,
        email,
        tokenHash: digestOf(secret),
        invitedBy: owner.id,
        createdAt: new Date(now),
        expiresAt: new Date(now + INVITATION_LIFETIME_MS),
      })
      .returning();
    await this.deps.mailer.send(
      invitationEmail(
        email,
        owner.name || owner.email,
        site.name,
        this.deps.link(`/invitations?token=${secret}`),
      ),
    );
    return pending(row!);
  }

  /** The site's invitations not yet accepted nor expired. */
  async pending(ownerId: string, siteId: string): Promise<PendingInvitation[]> {
    await this.deps.sites.get(ownerId, siteId);
    const rows = await this.deps.db
      .select()
      .from(siteInvites)
      .where(
        and(
          eq(siteInvites.siteId, siteId),
          isNull(siteInvites.acceptedAt),
          gt(siteInvites.expiresAt, new Date(this.now)),
        ),
      )
      .orderBy(asc(siteInvites.createdAt));
    return rows.map(pending);
  }

  async revoke(ownerId: string, siteId: string, invitationId: string): Promise<void> {
    await this.deps.sites.get(ownerId, siteId);
    await this.deps.db
      .delete(siteInvites)
      .where(and(eq(siteInvites.id, invitationId), eq(siteInvites.siteId, siteId)));
  }

  /** Accepts an invitation as the signed-in owner; answers the site id. */
  async accept(owner: Owner, secret: string): Promise<string> {
    const now = new Date(this.now);
    const [row] = await this.deps.db
      .select()
      .from(siteInvites)
      .where(
        and(
          eq(siteInvites.tokenHash, digestOf(secret)),
          isNull(siteInvites.acceptedAt),
          gt(siteInvites.expiresAt, now),
        ),
      );
    if (!row) throw invalid('token', 'This invitation is not valid any more: ask for a new one.');
    if (row.email !== owner.email || !owner.emailVerifiedAt)
      throw forbidden(
        `This invitation is for ${row.email}: sign in with that address, confirmed, to accept it.`,
      );
    await this.deps.db.transaction(async (tx) => {
      const [taken] = await tx
        .update(siteInvites)
        .set({ acceptedAt: now })
        .where(and(eq(siteInvites.id, row.id), isNull(siteInvites.acceptedAt)))
        .returning({ id: siteInvites.id });
      if (taken) await this.deps.sites.addOwner(row.siteId, owner.id, tx);
    });
    return row.siteId;
  }
}

const pending = (row: typeof siteInvites.$inferSelect): PendingInvitation => ({
  id: row.id,
  email: row.email,
  createdAt: row.createdAt,
  expiresAt: row.expiresAt,
});
