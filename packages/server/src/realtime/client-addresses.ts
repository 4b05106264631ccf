/** What one client address holds on this instance. */
interface AddressState {
  /** Its sockets: open connections and handshakes in progress. */
  connections: number;
  /** Events it may still have replayed (a bucket refilled continuously), as of `refilledAt`. */
  replayTokens: number;
  refilledAt: number;
}

interface AddressLimits {
  maxConnections: number;
  maxConnectionsPerAddress: number;
  replayEventsPerMinute: number;
}

/** Why a handshake is refused before anything is allocated for it. */
export type Admission = 'accepted' | 'instance_full' | 'address_full';

/**
 * What the instance gives each client address: places for connections, in all
 * and per address, and a budget of replayed events. Catch-ups are metered per
 * address, not per connection, so that reconnecting does not refill them. An
 * address is forgotten once it has no connection and a full budget again.
 */
export class ClientAddresses {
  private readonly addresses = new Map<string, AddressState>();
  private total = 0;

  constructor(private readonly limits: AddressLimits) {}

  /** Sockets admitted and not yet closed. */
  get connections(): number {
    return this.total;
  }

  /** Takes a place for a socket from `address`, unless a cap is reached; `release` gives it back. */
  admit(address: string, now: number): Admission {
    if (this.total >= this.limits.maxConnections) return 'instance_full';
    let state = this.addresses.get(address);
    if (!state) {
      state = { connections: 0, replayTokens: this.limits.replayEventsPerMinute, refilledAt: now };
      this.addresses.set(address, state);
    }
    if (state.connections >= this.limits.maxConnectionsPerAddress) return 'address_full';
    state.connections++;
    this.total++;
    return 'accepted';
  }

  /** The socket of an admitted connection closed. */
  release(address: string, now: number): void {
    const state = this.addresses.get(address);
    if (!state) return;
    state.connections--;
    this.total--;
    if (state.connections === 0 && this.refill(state, now)) this.addresses.delete(address);
  }

  /**
   * Takes what the address may have replayed now, up to `wanted` events, before the log is
   * read: its other connections' catch-ups meanwhile see only what is left.
   */
  takeReplay(address: string, wanted: number, now: number): number {
    const state = this.addresses.get(address);
    if (!state) return 0;
    this.refill(state, now);
    const taken = Math.min(wanted, Math.floor(state.replayTokens));
    state.replayTokens -= taken;
    return taken;
  }

  /** Gives back the part of a `takeReplay` the catch-up did not use. */
  returnReplay(address: string, events: number): void {
    const state = this.addresses.get(address);
    if (state && events > 0)
      state.replayTokens = Math.min(this.limits.replayEventsPerMinute, state.replayTokens + events);
  }

  /** Forgets addresses without connections whose budget has refilled since they left. */
  sweep(now: number): void {
    for (const [address, state] of this.addresses) {
      if (state.connections === 0 && this.refill(state, now)) this.addresses.delete(address);
    }
  }

  /** Refills the address's replay budget up to now; true when it is full. */
  private refill(state: AddressState, now: number): boolean {
    const rate = this.limits.replayEventsPerMinute;
    state.replayTokens = Math.min(rate, state.replayTokens + ((now - state.refilledAt) * rate) / 60_000);
    state.refilledAt = now;
    return state.replayTokens >= rate;
  }
}
