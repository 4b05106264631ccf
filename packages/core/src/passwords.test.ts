import { expectInvalid } from '@threadkit/testing';
import { describe, expect, it } from 'vitest';
import {
  checkPassword,
  decoyHash,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  verifyPassword,
} from './passwords.js';

describe('checkPassword', () => {
  it('accepts 8 to 256 characters', () => {
    expect(MIN_PASSWORD_LENGTH).toBe(8);
    expect(MAX_PASSWORD_LENGTH).toBe(256);
    for (const password of ['k9#mQ2vX', 'correct horse battery staple', 'x'.repeat(256)]) {
      expect(() => checkPassword(password)).not.toThrow();
    }
  });

  it('refuses fewer than 8 characters', () => {
    for (const password of ['', 'k9#mQ2v']) {
      expect(expectInvalid(() => checkPassword(password), 'password').message).toMatch(/at least 8/);
    }
  });

  it('refuses more than 256 characters', () => {
    expect(expectInvalid(() => checkPassword('x'.repeat(257)), 'password').message).toMatch(/at most 256/);
  });

  it('counts characters, not UTF-16 units', () => {
    expect(() => checkPassword('🔑'.repeat(8))).not.toThrow();
    expectInvalid(() => checkPassword('🔑'.repeat(7)), 'password');
    expect(() => checkPassword('🔑'.repeat(256))).not.toThrow();
    expectInvalid(() => checkPassword('🔑'.repeat(257)), 'password');
  });

  it('refuses the most common passwords whatever their case', () => {
    for (const password of ['password123', 'PASSWORD123', 'Passw0rd', 'qwertyuiop', '12345678', 'iloveyou']) {
      expect(expectInvalid(() => checkPassword(password), 'password').message).toMatch(/common/);
    }
    // Close to a common one is not the same as common.
    expect(() => checkPassword('password123!x')).not.toThrow();
  });

  it('names the field it was given', () => {
    expectInvalid(() => checkPassword('short', 'new_password'), 'new_password');
    expectInvalid(() => checkPassword('password123', 'new_password'), 'new_password');
  });
});

describe('hashPassword and verifyPassword', () => {
  it('hashes with argon2id and verifies only the same password', async () => {
    const hash = await hashPassword('correct horse battery staple');
    // The parameters the module promises: 64 MiB, 3 passes, 4 lanes.
    const params = /^\$argon2id\$v=19\$([^$]+)\$/.exec(hash)?.[1]?.split(',').sort();
    expect(params).toEqual(['m=65536', 'p=4', 't=3']);
    expect(hash).not.toContain('correct horse');
    expect(await verifyPassword(hash, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(hash, 'correct horse battery staplE')).toBe(false);
    expect(await verifyPassword(hash, '')).toBe(false);
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
    expect(a).not.toBe(b);
    expect(await verifyPassword(b, 'same password')).toBe(true);
  });

  it('handles non-ASCII passwords', async () => {
    const hash = await hashPassword('pässwörd 🔑 ünïcode');
    expect(await verifyPassword(hash, 'pässwörd 🔑 ünïcode')).toBe(true);
    expect(await verifyPassword(hash, 'passwörd 🔑 ünïcode')).toBe(false);
  });

  it('returns false, not an error, for a hash it cannot read', async () => {
    for (const garbage of [
      '',
      'garbage',
      '$argon2id$v=19$broken',
      '$2b$10$notabcryptatallxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
    ]) {
      expect(await verifyPassword(garbage, 'anything at all')).toBe(false);
    }
  });

  it('has a decoy hash that is real, stable and matches nothing likely', async () => {
    const decoy = await decoyHash();
    expect(decoy).toMatch(/^\$argon2id\$/);
    expect(await decoyHash()).toBe(decoy);
    expect(await verifyPassword(decoy, 'correct horse battery staple')).toBe(false);
    expect(await verifyPassword(decoy, '')).toBe(false);
  });
});
