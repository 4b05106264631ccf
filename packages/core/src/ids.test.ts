import { describe, expect, it } from 'vitest';
import { idFromUuid, idToUuid, isId, isUuid, nameId, newId, newRandomId, normalizeId } from './ids.js';

describe('ids', () => {
  it('are 22 characters that round-trip through the UUID form', () => {
    for (let i = 0; i < 200; i++) {
      const id = i % 2 ? newId() : newRandomId();
      expect(id).toHaveLength(22);
      expect(isId(id)).toBe(true);
      const uuid = idToUuid(id);
      expect(isUuid(uuid)).toBe(true);
      expect(idFromUuid(uuid)).toBe(id);
    }
  });

  it('sort like the bits they encode, so new ids sort by creation', () => {
    const uuids = Array.from({ length: 300 }, () =>
      Array.from({ length: 16 }, () =>
        Math.floor(Math.random() * 256)
          .toString(16)
          .padStart(2, '0'),
      ).join(''),
    ).map(
      (hex) =>
        `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
    );
    const byUuid = [...uuids].sort();
    const byId = [...uuids].sort((a, b) => (idFromUuid(a) < idFromUuid(b) ? -1 : 1));
    expect(byId).toEqual(byUuid);
    const made = Array.from({ length: 100 }, () => newId());
    expect([...made].sort()).toEqual(made);
  });

  it('keep the extremes in range', () => {
    expect(idFromUuid('00000000-0000-0000-0000-000000000000')).toBe(`0${'-'.repeat(21)}`);
    const top = idFromUuid('ffffffff-ffff-ffff-ffff-ffffffffffff');
    expect(top).toBe(`3${'z'.repeat(21)}`);
    expect(isId(top)).toBe(true);
    expect(isId(`4${'z'.repeat(21)}`)).toBe(false);
    expect(isId(`-${'z'.repeat(21)}`)).toBe(false);
  });

  it('accept the UUID form where old tokens carry it', () => {
    const id = newId();
    expect(normalizeId(idToUuid(id))).toBe(id);
    expect(normalizeId(id)).toBe(id);
  });

  it('name the same page the same way under a site, and differently under another', () => {
    const site = newId();
    expect(nameId('url:https://a.example/x', site)).toBe(nameId('url:https://a.example/x', site));
    expect(nameId('url:https://a.example/x', site)).not.toBe(nameId('url:https://a.example/x', newId()));
    expect(isId(nameId('key:post-1', site))).toBe(true);
  });
});
