import { type AuthService, isModerator, type User } from '@threadkit/core';
import type { Connection, Identity } from './connection.js';

/** What happens to the connections of a session that ended. */
export interface SessionEnd {
  banned: boolean;
  message: string;
}

/**
 * The periodic check of signed-in connections (`architecture.md`: sessions
 * checked, not tokens): once per session, however many connections share it.
 * A sign-out, revocation or ban ends them; roles, names and shadow-bans
 * changed meanwhile apply to what they receive from then on.
 */
export class SessionChecks {
  constructor(
    private readonly auth: AuthService,
    private readonly end: (conn: Connection, why: SessionEnd) => void,
  ) {}

  async run(connections: Iterable<Connection>): Promise<void> {
    await Promise.all([...bySession(connections).values()].map((group) => this.check(group)));
  }

  /** Checks one session; `group` holds its connections (one site, one identity). */
  private async check(group: Connection[]): Promise<void> {
    const { siteId, identity } = group[0]!;
    const { sessionId, userId } = identity!;
    try {
      const [session, shadowbanned] = await Promise.all([
        this.auth.checkSession(siteId, sessionId, userId),
        this.auth.isShadowbanned(siteId, userId),
      ]);
      if (session.state === 'active') {
        const current = identityOf(siteId, session.user, sessionId, shadowbanned);
        for (const conn of group) conn.identity = current;
        return;
      }
      const banned = session.state === 'banned';
      const message = banned ? 'You are banned from this site.' : 'The session has ended; sign in again.';
      for (const conn of group) this.end(conn, { banned, message });
    } catch {
      // Storage unreachable: check again next time rather than disconnect everyone.
    }
  }
}

/** Signed-in connections grouped by site and session. */
function bySession(connections: Iterable<Connection>): Map<string, Connection[]> {
  const groups = new Map<string, Connection[]>();
  for (const conn of connections) {
    if (!conn.identity) continue;
    const key = `${conn.siteId} ${conn.identity.sessionId}`;
    const group = groups.get(key);
    if (group) group.push(conn);
    else groups.set(key, [conn]);
  }
  return groups;
}

/** Who a signed-in connection is, from the user's record. */
export function identityOf(siteId: string, user: User, sessionId: string, shadowbanned: boolean): Identity {
  return {
    userId: user.id,
    sessionId,
    profile: { id: user.id, name: user.name, avatar_url: user.avatar_url },
    moderator: isModerator({ siteId, userId: user.id, role: user.role, sessionId }),
    shadowbanned,
  };
}
