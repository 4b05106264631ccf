import { idFromUuid, idToUuid, newId } from '@threadkit/core';
import { describe, expect, it } from 'vitest';
import { linkedId } from './permalink.js';

describe('linkedId', () => {
  it('writes an old UUID link as the id the server uses', () => {
    for (let i = 0; i < 50; i++) {
      const uuid = idToUuid(newId());
      expect(linkedId(uuid)).toBe(idFromUuid(uuid));
      expect(linkedId(uuid.toUpperCase())).toBe(idFromUuid(uuid));
    }
  });

  it('takes an id as it is', () => {
    const id = newId();
    expect(linkedId(id)).toBe(id);
  });
});
