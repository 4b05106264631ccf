import type { PresenceSnapshot, PresenceTiming, RealtimeStore } from '@threadkit/core';
import type { Connection } from './connection.js';
import type { Room } from './hub.js';

interface PresenceOptions {
  /** A member expires this long after its instance last refreshed it (ms). */
  ttlMs: number;
  /** How many signed-in users a presence snapshot lists. */
  listLimit: number;
}

/**
 * This instance's share of page presence. Locally it counts each user's tabs,
 * so Redis hears only of a user's first arrival and last departure here; the
 * heartbeat refreshes everything held (and sweeps what crashed instances left).
 */
export class PresenceTracker {
  constructor(
    private readonly store: RealtimeStore,
    private readonly instanceId: string,
    private readonly options: PresenceOptions,
  ) {}

  async join(room: Room, conn: Connection): Promise<PresenceSnapshot> {
    const identity = conn.identity;
    if (!identity) {
      room.anonymous++;
      return this.store.presenceJoin(room.siteId, room.pageId, this.instanceId, null, this.timing());
    }
    const held = room.users.get(identity.userId);
    if (held) {
      held.tabs++;
      return this.look(room);
    }
    room.users.set(identity.userId, { tabs: 1, profile: identity.profile });
    return this.store.presenceJoin(
      room.siteId,
      room.pageId,
      this.instanceId,
      identity.profile,
      this.timing(),
    );
  }

  async leave(room: Room, conn: Connection): Promise<void> {
    const userId = conn.userId;
    if (userId === null) {
      room.anonymous = Math.max(0, room.anonymous - 1);
    } else {
      const held = room.users.get(userId);
      if (held && --held.tabs > 0) return;
      room.users.delete(userId);
    }
    await this.store.presenceLeave(room.siteId, room.pageId, this.instanceId, userId, this.timing());
  }

  async look(room: Room): Promise<PresenceSnapshot> {
    return this.store.presenceLook(room.siteId, room.pageId, this.timing());
  }

  /** Refreshes the room's presence; returns the snapshot. */
  async beat(room: Room): Promise<PresenceSnapshot> {
    return this.store.presenceBeat(
      room.siteId,
      room.pageId,
      this.instanceId,
      { users: [...room.users.values()].map((held) => held.profile), anonymous: room.anonymous },
      this.timing(),
    );
  }

  /** Everyone this instance holds on the page leaves at once (shutdown). */
  async drop(room: Room): Promise<void> {
    await this.store.presenceDrop(room.siteId, room.pageId, this.instanceId, this.timing());
  }

  private timing(): PresenceTiming {
    const now = Date.now();
    return {
      now,
      expiresAt: now + this.options.ttlMs,
      keepMs: this.options.ttlMs * 4,
      listLimit: this.options.listLimit,
    };
  }
}
