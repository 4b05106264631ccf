import { expectInvalid } from '@threadkit/testing';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import { DEFAULT_RATE_LIMITS, formatRateLimits, parseRateLimits } from './rate-limits.js';
import { DEFAULT_SETTINGS, parseSetting } from './settings.js';

describe('parseRateLimits', () => {
  it('reads the budgets it names, per minute, and `off` as 0', () => {
    expect(parseRateLimits('reads=300, writes = 30,auth=off')).toEqual({ reads: 300, writes: 30, auth: 0 });
    expect(parseRateLimits('key=6000')).toEqual({ key: 6000 });
    expect(parseRateLimits('key=OFF')).toEqual({ key: 0 });
  });

  it('reads empty text as no override, and `off` alone as every budget off', () => {
    expect(parseRateLimits('')).toEqual({});
    expect(parseRateLimits(' , ')).toEqual({});
    expect(parseRateLimits(' OFF ')).toEqual({ reads: 0, writes: 0, auth: 0, key: 0 });
  });

  it.each([
    'reads',
    'reads=',
    'reads=0',
    'reads=-1',
    'reads=1.5',
    'reads=10000001',
    'views=10',
    'reads=10;writes=5',
  ])('rejects %j', (raw) => {
    expectInvalid(() => parseRateLimits(raw), 'rate_limits');
  });

  it('formats back to the same text', () => {
    const text = 'reads=300,writes=30,auth=off,key=6000';
    expect(formatRateLimits(parseRateLimits(text))).toBe(text);
  });
});

describe('the rate_limits site setting', () => {
  it('defaults to no override, and parses the text form', () => {
    expect(DEFAULT_SETTINGS.rate_limits).toEqual({});
    expect(parseSetting('rate_limits', 'reads=5,key=50')).toEqual({ reads: 5, key: 50 });
    expectInvalid(() => parseSetting('rate_limits', 'reads=many'), 'rate_limits');
  });
});

describe('RATE_LIMITS and TRUST_PROXY', () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };

  it('default to the documented budgets and no trusted proxy', () => {
    const config = loadConfig({});
    expect(config.rateLimits).toEqual({ reads: 120, writes: 20, auth: 10, key: 3000 });
    expect(config.rateLimits).toEqual(DEFAULT_RATE_LIMITS);
    expect(config.trustProxy).toEqual([]);
  });

  it('RATE_LIMITS changes the budgets it names and keeps the others', () => {
    expect(loadConfig({ RATE_LIMITS: 'reads=600,key=off' }).rateLimits).toEqual({
      reads: 600,
      writes: 20,
      auth: 10,
      key: 0,
    });
    expect(loadConfig({ RATE_LIMITS: 'off' }).rateLimits).toEqual({ reads: 0, writes: 0, auth: 0, key: 0 });
  });

  it('TRUST_PROXY takes addresses, CIDR ranges and proxy-addr range names', () => {
    expect(
      loadConfig({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1,fd00::/8,loopback,uniquelocal' }).trustProxy,
    ).toEqual(['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', 'loopback', 'uniquelocal']);
  });

  it('reports bad values, naming the variable', () => {
    expect(problems({ RATE_LIMITS: 'reads=lots' })).toEqual([expect.stringContaining('RATE_LIMITS')]);
    for (const bad of ['proxy.example.com', '10.0.0.0/33', '::1/129', '1.2.3.4/8/8', '10.0.0.0/x']) {
      const found = problems({ TRUST_PROXY: bad });
      expect(found, bad).toHaveLength(1);
      expect(found[0]).toContain('TRUST_PROXY');
      expect(found[0]).toContain(bad);
    }
    expect(() => loadConfig({ TRUST_PROXY: 'nope' })).toThrow(ConfigError);
  });
});
