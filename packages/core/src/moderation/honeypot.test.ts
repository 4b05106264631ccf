import { moderationInput } from '@threadkit/testing';
import { describe, expect, it } from 'vitest';
import { honeypot } from './honeypot.js';

const check = (options: Parameters<typeof moderationInput>[0]) => honeypot().check(moderationInput(options));

describe('honeypot and time to submit', () => {
  it('accepts a guest who left the honeypot empty and took their time', async () => {
    expect(await check({ form: { honeypot: '', elapsedMs: 45_000 } })).toEqual({ action: 'accept' });
  });

  it('accepts a client that sends neither field', async () => {
    expect(await check({ form: {} })).toEqual({ action: 'accept' });
  });

  it('refuses a guest who filled the honeypot, with a 403 that does not mention it', async () => {
    const verdict = await check({ form: { honeypot: 'https://spam.example.com', elapsedMs: 45_000 } });
    expect(verdict.action).toBe('reject');
    if (verdict.action !== 'reject') return;
    expect(verdict.error).toMatchObject({ code: 'forbidden', status: 403 });
    expect(verdict.error.message).not.toMatch(/honeypot|website|fast|seconds/i);
  });

  it('ignores a honeypot holding only whitespace (autofill of a blank)', async () => {
    expect((await check({ form: { honeypot: '  ' } })).action).toBe('accept');
  });

  it('refuses a guest faster than min_submit_seconds with the same message', async () => {
    const fast = await check({ form: { elapsedMs: 2999 }, settings: { min_submit_seconds: 3 } });
    const trap = await check({ form: { honeypot: 'x' } });
    expect(fast.action).toBe('reject');
    if (fast.action !== 'reject' || trap.action !== 'reject') throw new Error('expected refusals');
    expect(fast.error.message).toBe(trap.error.message);
    expect((await check({ form: { elapsedMs: 3000 }, settings: { min_submit_seconds: 3 } })).action).toBe(
      'accept',
    );
  });

  it('does not time anyone when min_submit_seconds is 0', async () => {
    expect((await check({ form: { elapsedMs: 0 }, settings: { min_submit_seconds: 0 } })).action).toBe(
      'accept',
    );
  });

  it('does not apply to accounts', async () => {
    const account = { guest: false, email: 'ada@example.com', email_verified: true };
    expect((await check({ author: account, form: { honeypot: 'x', elapsedMs: 1 } })).action).toBe('accept');
  });
});
