import { describe, expect, it } from 'vitest';
import { apiKeyKind, generateApiKey, hashApiKey, maskApiKey, safeEqual } from './api-keys.js';

describe('generateApiKey', () => {
  it('makes public and secret keys of the documented shape', () => {
    expect(generateApiKey('public')).toMatch(/^tk_pub_[0-9A-Za-z]{43}$/);
    expect(generateApiKey('secret')).toMatch(/^tk_sec_[0-9A-Za-z]{43}$/);
  });

  it('makes 1000 distinct keys, all well formed', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const key = generateApiKey(i % 2 === 0 ? 'public' : 'secret');
      expect(key).toMatch(/^tk_(pub|sec)_[0-9A-Za-z]{43}$/);
      keys.add(key);
    }
    expect(keys.size).toBe(1000);
  });

  it('uses the whole base62 alphabet rather than a hex subset', () => {
    const digits = new Set(
      Array.from({ length: 200 }, () => generateApiKey('secret').slice(7))
        .join('')
        .split(''),
    );
    expect(digits.size).toBe(62);
  });
});

describe('apiKeyKind', () => {
  it('recognises each kind by its prefix', () => {
    expect(apiKeyKind(generateApiKey('public'))).toBe('public');
    expect(apiKeyKind(generateApiKey('secret'))).toBe('secret');
  });

  it.each(['', 'tk_', 'tk_xyz_abc', 'TK_PUB_abc', 'pub_abc', 'Bearer tk_pub_abc', 'eyJhbGciOiJIUzI1NiJ9'])(
    'returns null for %j',
    (key) => {
      expect(apiKeyKind(key)).toBeNull();
    },
  );
});

describe('hashApiKey', () => {
  it('is a stable SHA-256 hex digest', () => {
    expect(hashApiKey('tk_pub_abc')).toBe(hashApiKey('tk_pub_abc'));
    expect(hashApiKey('tk_pub_abc')).toMatch(/^[0-9a-f]{64}$/);
    // SHA-256 of the empty string, a known vector.
    expect(hashApiKey('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('differs for different keys and does not contain the key', () => {
    const key = generateApiKey('secret');
    expect(hashApiKey(key)).not.toBe(hashApiKey(`${key}x`));
    expect(hashApiKey(key)).not.toContain(key.slice(7));
  });
});

describe('safeEqual', () => {
  it('is true for equal strings', () => {
    const key = generateApiKey('secret');
    expect(safeEqual(key, `${key}`)).toBe(true);
    expect(safeEqual('', '')).toBe(true);
  });

  it('is false for different strings of the same length', () => {
    expect(safeEqual('tk_sec_aaaa', 'tk_sec_aaab')).toBe(false);
  });

  it('is false, without throwing, for different lengths', () => {
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', 'a')).toBe(false);
    expect(safeEqual(generateApiKey('secret'), 'short')).toBe(false);
  });
});

describe('maskApiKey', () => {
  it('keeps the prefix and a few characters at each end, hiding the middle', () => {
    const key = generateApiKey('secret');
    const masked = maskApiKey(key);
    expect(masked.startsWith(key.slice(0, 10))).toBe(true);
    expect(masked.endsWith(key.slice(-3))).toBe(true);
    expect(masked).toContain('…');
    expect(masked).not.toContain(key.slice(10, -3));
    expect(masked).not.toContain(key.slice(15, 25));
    expect(masked.length).toBeLessThan(key.length / 2);
  });
});
