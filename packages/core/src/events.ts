import { type DomainEvent, isPageEvent, pageEventMessage } from './protocol/index.js';
import type { RealtimeStore } from './store/realtime-store.js';

/**
 * The in-process bus of domain events (`protocol/domain-events.ts`), emitted
 * by services after a write has been stored. Listeners (the Redis relay to the
 * real-time gateway, notifications, caches) consume them; a failing listener
 * never fails the write that caused it.
 */

export type EventListener = (event: DomainEvent) => void | Promise<void>;

export class EventBus {
  private readonly listeners: EventListener[] = [];

  constructor(private readonly onListenerError: (error: unknown, event: DomainEvent) => void) {}

  subscribe(listener: EventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }

  /** Delivers to every listener; resolves when all have finished (or failed, which is reported). */
  async emit(event: DomainEvent): Promise<void> {
    await Promise.all(
      this.listeners.map(async (listener) => {
        try {
          await listener(event);
        } catch (error) {
          this.onListenerError(error, event);
        }
      }),
    );
  }
}

/**
 * Logs and publishes page events on the page's Redis channel, for every
 * WebSocket instance to relay. The envelope carries the audience so the gateway
 * can keep pending and shadow-banned comments from everyone but their author
 * and moderators.
 */
export function redisRelay(realtime: RealtimeStore): EventListener {
  return async (event) => {
    if (!isPageEvent(event)) return;
    // The write's own script logged and published it already (a new comment, a vote).
    if (event.logged) return;
    await realtime.logPageEvent(
      event.siteId,
      event.pageId,
      { audience: event.audience },
      pageEventMessage(event),
    );
  };
}
