import { describe, expect, it } from 'vitest';
import { retryDelay, WEBHOOK_RETRY_SCHEDULE } from './delivery-worker.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('the webhook retry schedule', () => {
  it('doubles from 30 s up to 4 h, as docs/webhooks.md says', () => {
    const middle = () => 0.5; // no jitter
    expect(Array.from({ length: 12 }, (_, i) => retryDelay(i + 1, WEBHOOK_RETRY_SCHEDULE, middle))).toEqual([
      30_000,
      MINUTE,
      2 * MINUTE,
      4 * MINUTE,
      8 * MINUTE,
      16 * MINUTE,
      32 * MINUTE,
      64 * MINUTE,
      128 * MINUTE,
      4 * HOUR,
      4 * HOUR,
      4 * HOUR,
    ]);
  });

  it('moves each wait by at most a fifth either way', () => {
    expect(retryDelay(1, WEBHOOK_RETRY_SCHEDULE, () => 0)).toBe(24_000);
    expect(retryDelay(1, WEBHOOK_RETRY_SCHEDULE, () => 0.999_999)).toBe(36_000);
    expect(retryDelay(20, WEBHOOK_RETRY_SCHEDULE, () => 0)).toBe(3.2 * HOUR);
  });

  it('makes 14 attempts in the day before a delivery is given up', () => {
    let at = 0;
    let attempts = 1;
    for (;;) {
      const next = at + retryDelay(attempts, WEBHOOK_RETRY_SCHEDULE, () => 0.5);
      if (next > WEBHOOK_RETRY_SCHEDULE.giveUpAfterMs) break;
      at = next;
      attempts++;
    }
    expect(attempts).toBe(14);
  });
});
