import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/database';
import { databaseEngines } from '../db/test-databases';
import { refusal } from '../test-support';
import { ADDRESS_LIMITS, AddressLimits } from './address-limits';

const engines = databaseEngines();

describe.each(engines)('attempts per address on $name', (engine) => {
  let handle: DatabaseHandle;
  let now = Date.UTC(2026, 0, 1);
  let limits: AddressLimits;

  beforeAll(async () => {
    handle = await engine.open('address_limits');
    limits = new AddressLimits(handle.db, () => now);
  });
  afterAll(async () => {
    await handle?.close();
  });

  it('refuses an address past its window’s attempts, says when to come back, and opens again then', async () => {
    const { max, windowMs } = ADDRESS_LIMITS.sign_in;
    for (let i = 0; i < max; i++) await limits.attempt('sign_in', '203.0.113.1');
    now += 60_000;
    const refused = await refusal(limits.attempt('sign_in', '203.0.113.1'));
    expect(refused).toMatchObject({
      code: 'rate_limited',
      status: 429,
      retryAfter: (windowMs - 60_000) / 1000,
    });
    // Another address, and another action from the same address, have their own counts.
    await limits.attempt('sign_in', '203.0.113.2');
    await limits.attempt('sign_up', '203.0.113.1');
    // Once the window has passed, the address starts again from one.
    now += windowMs;
    for (let i = 0; i < max; i++) await limits.attempt('sign_in', '203.0.113.1');
    await refusal(limits.attempt('sign_in', '203.0.113.1'));
  });

  it('counts attempts made at once exactly', async () => {
    const { max } = ADDRESS_LIMITS.reset_password;
    const results = await Promise.allSettled(
      Array.from({ length: max + 3 }, () => limits.attempt('reset_password', '198.51.100.7')),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(max);
  });
});
