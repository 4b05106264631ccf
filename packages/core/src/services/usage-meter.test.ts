import { describe, expect, it } from 'vitest';
import type { MeteredCounter, UsageStore } from '../store/usage-store.js';
import { monthOf, UsageMeter } from './usage-meter.js';

/** A store that records what it is given, and fails while `down`. */
function fakeStore() {
  const added: {
    siteId: string;
    month: string;
    counts: Record<MeteredCounter, number>;
    visitors: string[];
  }[] = [];
  const state = { down: false };
  const store = {
    async add(siteId: string, month: string, counts: Record<MeteredCounter, number>, visitors: string[]) {
      if (state.down) throw new Error('Redis is down');
      added.push({ siteId, month, counts: { ...counts }, visitors });
    },
  } as unknown as UsageStore;
  return { store, added, state };
}

const meterOn = (store: UsageStore, clock: () => number) =>
  new UsageMeter(store, { visitorKey: 'k', clock, flushIntervalMs: 3_600_000 });

describe('UsageMeter', () => {
  it('counts in memory and writes one batch per site and month, visitors deduplicated and digested', async () => {
    const { store, added } = fakeStore();
    const meter = meterOn(store, () => Date.UTC(2025, 0, 31, 23, 59, 59));
    for (let i = 0; i < 3; i++) meter.recordPageView('s1', 'client:198.51.100.1\nBrowser');
    meter.recordPageView('s1', 'user:u1');
    meter.recordApiRequest('s1');
    meter.recordApiRequest('s2');
    expect(added).toEqual([]);
    await meter.close();
    expect(added).toHaveLength(2);
    const s1 = added.find((a) => a.siteId === 's1')!;
    expect(s1).toMatchObject({
      month: '2025-01',
      counts: { pageviews: 4, api_requests: 1, ws_connections: 0 },
    });
    expect(s1.visitors).toHaveLength(2);
    for (const visitor of s1.visitors) {
      expect(visitor).toMatch(/^[\w-]{16}$/);
      expect(visitor).not.toContain('198.51.100.1');
    }
  });

  it('puts counts in the month of their UTC time, even when the clock goes back', async () => {
    const { store, added } = fakeStore();
    let now = Date.UTC(2025, 1, 28, 23, 59, 59);
    const meter = meterOn(store, () => now);
    meter.recordApiRequest('s');
    now = Date.UTC(2025, 2, 1);
    meter.recordApiRequest('s');
    meter.recordApiRequest('s');
    now = Date.UTC(2025, 0, 29);
    meter.recordApiRequest('s');
    await meter.close();
    const byMonth = Object.fromEntries(
      ['2025-01', '2025-02', '2025-03'].map((month) => [
        month,
        added.filter((a) => a.month === month).reduce((n, a) => n + a.counts.api_requests, 0),
      ]),
    );
    expect(byMonth).toEqual({ '2025-01': 1, '2025-02': 1, '2025-03': 2 });
    expect(monthOf(Date.UTC(2024, 11, 31, 23, 59, 59, 999))).toBe('2024-12');
  });

  it('keeps what it could not write and writes it with the next batch', async () => {
    const { store, added, state } = fakeStore();
    const meter = meterOn(store, () => Date.UTC(2025, 5, 1));
    meter.recordPageView('s', 'user:a');
    meter.recordWebSocketConnection('s');
    state.down = true;
    await meter.flush();
    meter.recordPageView('s', 'user:b');
    state.down = false;
    await meter.flush();
    expect(added).toEqual([
      {
        siteId: 's',
        month: '2025-06',
        counts: { pageviews: 2, api_requests: 0, ws_connections: 1 },
        visitors: expect.any(Array),
      },
    ]);
    expect(added[0]!.visitors).toHaveLength(2);
    await meter.close();
  });
});
